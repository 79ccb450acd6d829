"""Review and batch: a warm review against the model's raw throughput; jobs=2 against jobs=1."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from app.settings import Settings
from evals.bench.common import (
    CASES,
    MAX_BYTES,
    MAX_PAGES,
    REVIEW_DRAFT,
    WARMUP_DRAFT,
    Plan,
    make_batch_drafts,
    ratio,
)
from evals.bench.embedding import TimedEmbedder
from evals.bench.machine import log, quiet_window
from ingest.embedder import Embedder
from ingest.store import KnowledgeStore


def bench_review(
    embedder: Embedder, model: Any, data_dir: Path, settings: Settings, plan: Plan
) -> dict[str, Any]:
    """Warm offline reviews of the 3,000-word draft, with the time spent embedding, and the
    raw model's time on the very texts the review embedded (the limit)."""
    from app.draft import load_draft
    from app.review.pipeline import Reviewer
    from app.rubric import load_rubric

    timed = TimedEmbedder(embedder)
    store = KnowledgeStore.open(timed, data_dir=data_dir)
    reviewer = Reviewer(settings, store, rubric=load_rubric(settings.template), use_cache=False)
    log("review: warm-up on another draft (model, rubric vectors, store)")
    reviewer.review_path(WARMUP_DRAFT, str(WARMUP_DRAFT))
    walls: list[float] = []
    embeds: list[float] = []
    stages: dict[str, float] = {}
    with quiet_window(plan) as window:
        for i in range(plan.review_runs):
            log(f"review: run {i + 1} of {plan.review_runs}")
            timed.reset()
            started = time.perf_counter()
            review = reviewer.review_path(REVIEW_DRAFT, str(REVIEW_DRAFT))
            walls.append(time.perf_counter() - started)
            embeds.append(timed.seconds)
            stages = review.timings.model_dump()
    calls = timed.calls
    # The limit: the same embedding calls with nothing around them, through plain
    # sentence-transformers (stock PyTorch path) and through mlsd's embedder alone.
    model.encode(["warm up"])
    with quiet_window(plan) as raw_window:
        started = time.perf_counter()
        for texts in calls:
            model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        stock_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for texts in calls:
            embedder.embed_documents(texts)
        alone_seconds = time.perf_counter() - started
    draft = load_draft(REVIEW_DRAFT, max_bytes=MAX_BYTES, max_pages=MAX_PAGES)
    wall = statistics.median(walls)
    embed = statistics.median(embeds)
    texts_embedded = sum(len(c) for c in calls)
    return {
        "draft": REVIEW_DRAFT.name,
        "words": len(REVIEW_DRAFT.read_text(encoding="utf-8").split()),
        "sentences": len(draft.sentences),
        "runs": [round(w, 3) for w in walls],
        "seconds": round(wall, 3),
        "goal_seconds": 2.0,
        "stages": stages,
        "embed_seconds": round(embed, 3),
        "embed_share": round(embed / wall, 3),
        "embed_calls": len(calls),
        "texts_embedded": texts_embedded,
        "raw_stock_seconds": round(stock_seconds, 3),
        "raw_stock_texts_per_s": round(texts_embedded / stock_seconds, 1),
        "raw_embedder_seconds": round(alone_seconds, 3),
        "raw_embedder_texts_per_s": round(texts_embedded / alone_seconds, 1),
        "embed_vs_raw_embedder": ratio(embed, alone_seconds),
        "embed_vs_raw_stock": ratio(embed, stock_seconds),
        "embedder_onednn": bool(getattr(embedder, "onednn", False)),
        **window,
        "raw_others_cores": raw_window["others_cores"],
    }


def bench_batch(
    embedder: Embedder, data_dir: Path, settings: Settings, work: Path, plan: Plan
) -> dict[str, Any]:
    """Distinct drafts reviewed with jobs=1 (no cache), then with jobs=2 (filling the review
    cache), then again with jobs=2 (served from the cache)."""
    from app.review.batch import review_many
    from app.review.pipeline import Reviewer
    from app.rubric import load_rubric

    paths = make_batch_drafts(CASES, work / "batch", plan.batch_docs)
    store = KnowledgeStore.open(embedder, data_dir=data_dir)
    rubric = load_rubric(settings.template)
    runs: dict[str, dict[str, Any]] = {}
    for label, jobs, cache in (
        ("jobs1_nocache", 1, False),
        ("jobs2_first", 2, True),
        ("jobs2_cached", 2, True),
    ):
        reviewer = Reviewer(settings, store, rubric=rubric, use_cache=cache)
        log(f"batch: {len(paths)} drafts, {label}")
        with quiet_window(plan) as window:
            started = time.perf_counter()
            items = review_many(reviewer, paths, jobs=jobs)
            seconds = time.perf_counter() - started
        reviews = [i.review for i in items if i.review is not None]
        runs[label] = {
            "seconds": round(seconds, 2),
            "docs_per_min": round(len(items) / seconds * 60, 1),
            "failed": len(items) - len(reviews),
            "cached": sum(r.cached for r in reviews),
            **window,
        }
    first, cached, serial = runs["jobs2_first"], runs["jobs2_cached"], runs["jobs1_nocache"]
    return {
        "docs": len(paths),
        **runs,
        "jobs2_vs_jobs1": ratio(first["docs_per_min"], serial["docs_per_min"]),
        "cached_vs_first": ratio(cached["docs_per_min"], first["docs_per_min"]),
    }
