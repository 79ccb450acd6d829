"""Retrieval: KnowledgeStore against a raw Chroma query."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench.common import ENVIRONMENT_RETRIEVAL_MS, Plan, latency_ms, ratio
from evals.bench.embedding import RandomEmbedder, unit_vectors
from evals.bench.machine import log, quiet_window
from ingest.models import Chunk, Location
from ingest.store import KnowledgeStore


def _synthetic_chunks(start: int, stop: int, model: str) -> list[Chunk]:
    return [
        Chunk(
            id=f"bench-{i:08d}",
            text=f"Synthetic passage {i} about feature pipelines, drift and serving latency.",
            source_id=f"synthetic/source-{i % 500:03d}.md",
            title=f"Synthetic source {i % 500}",
            heading_path=["Section", f"Part {i % 7}"],
            location=Location(line_start=i % 900 + 1, line_end=i % 900 + 4),
            source_hash="bench",
            embedding_model=model,
        )
        for i in range(start, stop)
    ]


def bench_retrieval(size: int, work: Path, plan: Plan) -> dict[str, Any]:
    """A store of `size` random unit vectors (added through KnowledgeStore.add), then top-5
    queries through KnowledgeStore.search_vector and, alternating, a raw Chroma query on the
    same collection (the baseline)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    embedder = RandomEmbedder(seed=size)
    data_dir = work / f"retrieval-{size}"
    store = KnowledgeStore.open(embedder, data_dir=data_dir)
    log(f"retrieval: adding {size:,} random vectors")
    started = time.perf_counter()
    for start in range(0, size, 5_000):
        store.add(_synthetic_chunks(start, min(size, start + 5_000), embedder.name))
    add_seconds = time.perf_counter() - started
    client = chromadb.PersistentClient(
        path=str(data_dir / "chroma"),
        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
    )
    collection = client.get_collection(store.name)
    vectors = unit_vectors(np.random.default_rng(size + 1), plan.queries + 20)
    for vector in vectors[:20]:  # warm-up: the index is loaded on first use
        store.search_vector(vector, k=5)
    mlsd_times: list[float] = []
    raw_times: list[float] = []
    log(f"retrieval: {plan.queries} queries at {size:,}")
    with quiet_window(plan) as window:
        for vector in vectors[20:]:
            started = time.perf_counter()
            store.search_vector(vector, k=5)
            mlsd_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            collection.query(
                query_embeddings=[vector.tolist()],
                n_results=5,
                include=["documents", "metadatas", "distances"],
            )
            raw_times.append(time.perf_counter() - started)
    mlsd, raw = latency_ms(mlsd_times), latency_ms(raw_times)
    shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "chunks": size,
        "add_seconds": round(add_seconds, 1),
        "add_per_s": round(size / add_seconds),
        "mlsd_search_vector_ms": mlsd,
        "raw_chroma_query_ms": raw,
        "p50_ratio": ratio(mlsd["p50"], raw["p50"]),
        "p95_ratio": ratio(mlsd["p95"], raw["p95"]),
        "environment_reference_ms": ENVIRONMENT_RETRIEVAL_MS.get(size, {}),
        **window,
    }
