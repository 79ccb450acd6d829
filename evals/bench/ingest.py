"""Ingestion: mlsd against the plain LangChain pipeline."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.settings import Settings
from evals.bench.common import Plan, ratio
from evals.bench.embedding import TimedEmbedder, TokenCounter, unit_vectors
from evals.bench.machine import log, quiet_window
from ingest.chunking import Chunker
from ingest.embedder import Embedder
from ingest.loaders import load_path
from ingest.store import KnowledgeStore


def markdown_files(folder: Path) -> list[Path]:
    """The Markdown files under a folder, sorted."""
    return sorted(p for p in folder.rglob("*.md") if p.is_file())


def warm_chroma(work: Path) -> None:
    """Create, fill and query a throwaway Chroma store, so that neither timed pipeline pays
    for the first client of the process."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(work / "warm-chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("warm", embedding_function=None)
    vectors = unit_vectors(np.random.default_rng(0), 8)
    collection.add(ids=[str(i) for i in range(8)], embeddings=vectors, documents=["x"] * 8)
    collection.query(query_embeddings=[vectors[0].tolist()], n_results=2)


def langchain_ingest(
    folder: Path, embeddings: Any, persist: Path, settings: Settings
) -> tuple[int, float, list[str], str]:
    """The plain LangChain pipeline: load the files, split them with the recursive splitter
    (mlsd's chunk size and overlap), `Chroma.from_documents` into a fresh persistent store.
    Returns (chunks, seconds, texts embedded, loader used)."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    try:
        from langchain_community.document_loaders import DirectoryLoader, TextLoader
    except ImportError:
        DirectoryLoader = TextLoader = None
    started = time.perf_counter()
    if DirectoryLoader is not None:
        loader = DirectoryLoader(
            str(folder), glob="**/*.md", loader_cls=TextLoader, loader_kwargs={"encoding": "utf-8"}
        )
        docs = loader.load()
        used = "langchain_community DirectoryLoader + TextLoader"
    else:
        # What TextLoader does, since langchain-community is not a dependency of mlsd: the
        # whole file as one Document with its path as source.
        docs = [
            Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
            for p in markdown_files(folder)
        ]
        used = "TextLoader equivalent (read_text -> Document); langchain-community not installed"
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap
    )
    chunks = splitter.split_documents(docs)
    Chroma.from_documents(
        chunks,
        embeddings,
        collection_name="langchain-baseline",
        persist_directory=str(persist),
        client_settings=ChromaSettings(anonymized_telemetry=False),
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
    seconds = time.perf_counter() - started
    # HuggingFaceEmbeddings embeds each text with its newlines replaced by spaces.
    return len(chunks), seconds, [c.page_content.replace("\n", " ") for c in chunks], used


def mlsd_ingest(
    folder: Path, embedder: Embedder, data_dir: Path, settings: Settings
) -> tuple[Any, float]:
    """mlsd's ingestion of a folder into the store in `data_dir` (opening the store counts)."""
    from ingest.pipeline import ingest_paths

    started = time.perf_counter()
    store = KnowledgeStore.open(embedder, data_dir=data_dir)
    report = ingest_paths(
        [folder],
        store,
        Chunker(settings.chunk_size, settings.chunk_overlap),
        bases=[folder.parent],
        max_bytes=settings.max_bytes,
        max_pages=settings.max_pages,
    )
    return report, time.perf_counter() - started


def mlsd_embedded_texts(folder: Path, settings: Settings) -> list[str]:
    """What mlsd embeds for the files of a folder (chunk texts with their headings)."""
    chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
    texts: list[str] = []
    for path in markdown_files(folder):
        doc = load_path(path, path.name, max_bytes=settings.max_bytes, max_pages=settings.max_pages)
        texts += [c.embedding_text() for c in chunker.split(doc, "count")]
    return texts


def _side(chunks: int, seconds: float, tokens: int, window: dict[str, float]) -> dict[str, Any]:
    return {
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "chunks_per_s": round(chunks / seconds, 2),
        "tokens": tokens,
        "tokens_per_s": round(tokens / seconds, 1),
        "tokens_per_chunk": round(tokens / max(chunks, 1), 1),
        **window,
    }


@dataclass(frozen=True)
class IngestTools:
    """What the ingestion benchmark needs: both embedding stacks and a token counter."""

    embedder: Embedder
    lc_embeddings: Any
    counter: TokenCounter
    settings: Settings


def bench_ingest(
    label: str, folder: Path, tools: IngestTools, work: Path, plan: Plan
) -> tuple[dict[str, Any], Path]:
    """LangChain baseline, then mlsd's first ingest, then mlsd's unchanged re-ingest.
    Returns the figures and the data dir of mlsd's store."""
    settings = tools.settings
    files = markdown_files(folder)
    log(f"ingest {label}: LangChain baseline over {len(files)} files")
    with quiet_window(plan) as lc_window:
        lc_chunks, lc_seconds, lc_texts, loader = langchain_ingest(
            folder, tools.lc_embeddings, work / f"lc-{label}", settings
        )
    log(f"ingest {label}: mlsd first ingest")
    data_dir = work / f"mlsd-{label}"
    timed = TimedEmbedder(tools.embedder)  # where the time goes: embedding or the rest
    with quiet_window(plan) as first_window:
        first, first_seconds = mlsd_ingest(folder, timed, data_dir, settings)
    if not first.ok:
        raise RuntimeError(f"mlsd ingest of {folder} failed: {first.results}")
    log(f"ingest {label}: mlsd unchanged re-ingest")
    with quiet_window(plan) as again_window:
        again, again_seconds = mlsd_ingest(folder, tools.embedder, data_dir, settings)
    if again.chunks_added or again.unchanged != len(files):
        raise RuntimeError(f"the re-ingest of {folder} was not a no-op: {again}")
    baseline = _side(lc_chunks, lc_seconds, tools.counter.count(lc_texts), lc_window)
    mlsd_tokens = tools.counter.count(mlsd_embedded_texts(folder, settings))
    mlsd = _side(first.chunks_added, first_seconds, mlsd_tokens, first_window)
    mlsd["embed_seconds"] = round(timed.seconds, 2)
    mlsd["embed_share"] = round(timed.seconds / first_seconds, 3)
    mlsd["embed_calls"] = len(timed.calls)
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "baseline_loader": loader,
        "baseline": baseline,
        "mlsd": mlsd,
        "ratio_chunks_per_s": ratio(mlsd["chunks_per_s"], baseline["chunks_per_s"]),
        "ratio_tokens_per_s": ratio(mlsd["tokens_per_s"], baseline["tokens_per_s"]),
        "goal_ratio": 1.5,
        "reingest": {
            "seconds": round(again_seconds, 3),
            "first_seconds": round(first_seconds, 2),
            "speedup": ratio(first_seconds, again_seconds),
            "goal_speedup": 20,
            **again_window,
        },
    }, data_dir
