"""The knowledge-base half of mlsd's Python API: open the store, ingest, search, stats.

The CLI and the UI call these; they raise IngestError subclasses, never print.
"""

from __future__ import annotations

import threading
from pathlib import Path

from app.settings import PROJECT_ROOT, Settings
from ingest.chunking import Chunker
from ingest.embedder import Embedder, SentenceTransformerEmbedder
from ingest.pipeline import IngestReport, Progress, ingest_paths
from ingest.store import Hit, KnowledgeStore, StoreStats

_embedders: dict[str, SentenceTransformerEmbedder] = {}
_embedders_lock = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per model name per process: the model loads once."""
    with _embedders_lock:
        embedder = _embedders.get(settings.embedding_model)
        if embedder is None:
            embedder = SentenceTransformerEmbedder(settings.embedding_model)
            _embedders[settings.embedding_model] = embedder
        return embedder


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
    """Folders source ids are relative to: the working directory, then the project."""
    return [Path.cwd(), PROJECT_ROOT]


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
        max_bytes=settings.max_bytes,
        max_pages=settings.max_pages,
        prune=prune,
        progress=progress,
    )


def ensure_knowledge_base(settings: Settings, store: KnowledgeStore | None = None) -> bool:
    """Build the default knowledge base when the store is empty. True if it ingested."""
    store = store or open_store(settings)
    if store.count() > 0:
        return False
    ingest(settings, store=store)
    return True


def search(
    settings: Settings, query: str, k: int = 5, store: KnowledgeStore | None = None
) -> list[Hit]:
    """The k best passages for a query."""
    return (store or open_store(settings)).search(query, k)


def stats(settings: Settings, store: KnowledgeStore | None = None) -> StoreStats:
    """Sources, chunk counts and the embedding model of the knowledge base."""
    return (store or open_store(settings)).stats()
