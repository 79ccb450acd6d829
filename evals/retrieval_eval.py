"""Retrieval quality: do the right guides come back for the template's questions and for
the trade-off questions users ask?"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel

from app.rubric.models import Rubric
from evals.metrics import hit_at, reciprocal_rank
from ingest.loaders.markdown import split_front_matter
from ingest.store import KnowledgeStore

TRADEOFFS = Path(__file__).parent / "retrieval" / "tradeoffs.yaml"


class RetrievalItem(BaseModel):
    """A query and the guide files that answer it."""

    query: str
    guides: set[str]
    origin: str  # template | tradeoff


class RetrievalMetrics(BaseModel):
    """hit@1, hit@5 and MRR@10 over a set of queries."""

    queries: int
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float
    misses: list[str]


def guide_sections(guides_dir: Path) -> dict[str, set[str]]:
    """Template section ids each guide declares in its front matter, by file name."""
    out = {}
    for path in sorted(guides_dir.glob("*.md")):
        meta, _, _ = split_front_matter(path.read_text(encoding="utf-8"))
        out[path.name] = {str(s) for s in meta.get("sections") or []}
    return out


def retrieval_set(rubric: Rubric, guides_dir: Path) -> list[RetrievalItem]:
    """The template's questions (answered by guides written for their section) and the
    hand-written trade-off questions."""
    by_section: dict[str, set[str]] = {}
    for name, sections in guide_sections(guides_dir).items():
        for sid in sections:
            by_section.setdefault(sid, set()).add(name)
    items = [
        RetrievalItem(query=q.text, guides=by_section[s.id], origin="template")
        for s in rubric.sections
        if s.id in by_section
        for q in s.questions
    ]
    data = yaml.safe_load(TRADEOFFS.read_text(encoding="utf-8"))
    items += [
        RetrievalItem(query=d["q"], guides=set(d["guides"]), origin="tradeoff")
        for d in data["questions"]
    ]
    return items


def evaluate_retrieval(store: KnowledgeStore, items: list[RetrievalItem]) -> RetrievalMetrics:
    """Ask the store every query; a hit is any passage from an expected guide."""
    h1 = h5 = 0
    rr = 0.0
    misses = []
    for item in items:
        hits = store.search(item.query, k=10)
        ranked = [Path(h.source_id).name for h in hits]
        h1 += hit_at(ranked, item.guides, 1)
        h5 += hit_at(ranked, item.guides, 5)
        rr += reciprocal_rank(ranked, item.guides, 10)
        if not hit_at(ranked, item.guides, 5):
            misses.append(item.query)
    n = max(len(items), 1)
    return RetrievalMetrics(
        queries=len(items),
        hit_at_1=round(h1 / n, 3),
        hit_at_5=round(h5 / n, 3),
        mrr_at_10=round(rr / n, 3),
        misses=misses,
    )
