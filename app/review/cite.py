"""Citations for findings, found by retrieval over the knowledge base (never generated).

Each finding asks the knowledge base with its question or its risk's query; passages from a
guide written for the finding's template section (front-matter `sections`) rank a little higher.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.review.models import Citation
from app.review.thresholds import Thresholds
from ingest.store import Hit, KnowledgeStore


@dataclass(frozen=True)
class CitationQuery:
    """What to look up for one finding."""

    key: str
    text: str
    section_id: str


def to_citation(hit: Hit, score: float) -> Citation:
    """A store hit as a citation."""
    return Citation(
        chunk_id=hit.chunk_id,
        source=hit.source_id,
        title=hit.title,
        heading_path=hit.heading_path,
        location=hit.location,
        url=hit.url,
        quote=hit.text,
        score=round(score, 4),
    )


def cite(
    queries: list[CitationQuery],
    store: KnowledgeStore,
    thresholds: Thresholds,
    per_finding: int = 2,
    candidates: int = 8,
    known: Mapping[str, Any] | None = None,
) -> dict[str, list[Citation]]:
    """The best passages for each query key, best first (may be empty when nothing fits).

    `known` maps query texts to vectors already computed (the rubric's questions)."""
    out: dict[str, list[Citation]] = {q.key: [] for q in queries}
    if not queries or store.count() == 0:
        return out
    by_text: dict[str, Any] = dict(known or {})
    unique = [t for t in dict.fromkeys(q.text for q in queries) if t not in by_text]
    if unique:
        vectors = store.embedder.embed_documents(unique)
        by_text.update({text: vectors[i] for i, text in enumerate(unique)})
    memo: dict[tuple[str, str], list[Citation]] = {}
    for query in queries:
        memo_key = (query.text, query.section_id)
        if memo_key not in memo:
            hits = store.search_vector(by_text[query.text], k=candidates)
            ranked = sorted(
                (
                    (h, h.score + (thresholds.tag_boost if query.section_id in h.tags else 0.0))
                    for h in hits
                ),
                key=lambda pair: -pair[1],
            )
            memo[memo_key] = [
                to_citation(h, s) for h, s in ranked if h.score >= thresholds.citation_min
            ][:per_finding]
        out[query.key] = memo[memo_key]
    return out
