"""The knowledge-base half of mlsd's Python API: open the store, ingest, search, stats.

The CLI and the UI call these; they raise IngestError subclasses, never print.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from app.errors import ConfigError
from app.settings import DATA_ROOT, KNOWLEDGE_DIR, Settings
from ingest.chunking import Chunker
from ingest.embedder import Embedder, SentenceTransformerEmbedder, resolve_model_path
from ingest.onnx_embedder import OnnxEmbedder, onnx_file
from ingest.pipeline import IngestReport, Progress, ingest_paths
from ingest.store import Hit, KnowledgeStore, StoreStats

_embedders: dict[tuple[str, str, str], Embedder] = {}
_embedders_lock = threading.Lock()
_warmed: set[int] = set()


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per model and runtime per process: the model loads once.

    ONNX Runtime when the model has been exported (no torch import: a review starts in well
    under a second), sentence-transformers otherwise, which exports the model for the next
    process as it loads."""
    key = (settings.embedding_model, settings.embedding_runtime, str(settings.cache_dir))
    with _embedders_lock:
        embedder = _embedders.get(key)
        if embedder is None:
            embedder = _make_embedder(settings)
            _embedders[key] = embedder
        return embedder


def warm_embedder(settings: Settings) -> None:
    """Load the embedding model in a background thread, so that it loads while the caller
    imports and opens the store (a cold review gains the model's load time)."""
    embedder = get_embedder(settings)
    with _embedders_lock:
        if id(embedder) in _warmed:  # a long-running app asks once, not per request
            return
        _warmed.add(id(embedder))
    threading.Thread(
        target=lambda: _quietly(embedder), daemon=True, name="mlsd-warm-embedder"
    ).start()


def _quietly(embedder: Embedder) -> None:
    # Best effort: a model that cannot load says so, with its message, on first real use.
    with contextlib.suppress(Exception):
        embedder.embed_documents(["warm up"])


def onnx_target(settings: Settings) -> Path | None:
    """Where the embedding model's ONNX export is (or will be); None when it cannot run on
    ONNX Runtime or the runtime is set to torch."""
    if settings.embedding_runtime == "torch":
        return None
    model_dir = resolve_model_path(settings.embedding_model)
    return onnx_file(settings.embedding_model, model_dir, settings.cache_dir / "models")


def _make_embedder(settings: Settings) -> Embedder:
    target = onnx_target(settings)
    if target is not None and target.is_file():
        model_dir = resolve_model_path(settings.embedding_model)
        return OnnxEmbedder(target, model_dir, settings.embedding_model)
    if settings.embedding_runtime == "onnx" and target is None:
        raise ConfigError(
            f"the embedding model '{settings.embedding_model}' cannot run on ONNX Runtime "
            "(only mean-pooled, normalised transformer models can): set MLSD_EMBEDDING_RUNTIME=auto"
        )
    return SentenceTransformerEmbedder(settings.embedding_model, export_onnx=target)


_stores: dict[tuple[str, str | None, int, str, str], KnowledgeStore] = {}
_stores_lock = threading.Lock()


def open_store(settings: Settings, embedder: Embedder | None = None) -> KnowledgeStore:
    """The knowledge base the settings point at (embedded Chroma or a Chroma server).

    Opened once per process and location: a long-running app reuses one client.
    """
    embedder = embedder or get_embedder(settings)
    key = (
        str(settings.data_dir.resolve()),
        settings.chroma_host,
        settings.chroma_port,
        settings.collection_prefix,
        embedder.name,
    )
    with _stores_lock:
        store = _stores.get(key)
        if store is None or store.embedder is not embedder:
            store = KnowledgeStore.open(
                embedder,
                data_dir=settings.data_dir,
                host=settings.chroma_host,
                port=settings.chroma_port,
                prefix=settings.collection_prefix,
            )
            _stores[key] = store
        return store


def source_bases() -> list[Path]:
    """Folders source ids are relative to: the working directory, then the folder holding
    the shipped knowledge/ (the checkout, or the installed package's data)."""
    return [Path.cwd(), DATA_ROOT]


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    prune: bool = True,
    store: KnowledgeStore | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files and folders (default: the settings' knowledge paths) incrementally."""
    store = store or open_store(settings)
    chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
    return ingest_paths(
        list(paths or settings.knowledge_paths),
        store,
        chunker,
        bases=source_bases(),
        **settings.read_limits,
        max_chunks=settings.max_chunks_per_file,
        prune=prune,
        progress=progress,
        shipped=KNOWLEDGE_DIR,
    )


def ensure_knowledge_base(
    settings: Settings, store: KnowledgeStore | None = None, progress: Progress | None = None
) -> bool:
    """Build the default knowledge base when the store is empty. True if it ingested."""
    store = store or open_store(settings)
    if store.count() > 0:
        return False
    ingest(settings, store=store, progress=progress)
    return True


def search(
    settings: Settings, query: str, k: int = 5, store: KnowledgeStore | None = None
) -> list[Hit]:
    """The k best passages for a query."""
    return (store or open_store(settings)).search(query, k)


def stats(settings: Settings, store: KnowledgeStore | None = None) -> StoreStats:
    """Sources, chunk counts and the embedding model of the knowledge base."""
    return (store or open_store(settings)).stats()
