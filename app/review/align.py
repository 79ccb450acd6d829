"""Align draft sections to template sections by heading and by content.

Many draft sections may align to one template section; a heading that names the template
section (or one of its aliases) aligns with full confidence. Content often sits under another
heading, which is why questions later look for evidence in the whole draft.
"""

from __future__ import annotations

import re

import numpy as np

from app.draft import Draft
from app.review.models import AlignedSection
from app.review.thresholds import Thresholds
from app.review.vectors import Matrix, RubricVectors
from app.rubric.models import Rubric
from ingest.embedder import Embedder

_NUMBER = re.compile(r"^\s*(\d{1,2}(\.\d{1,2})*\.?|[IVX]{1,4}\.|[A-Z]\.)\s+")


def normalize_heading(text: str) -> str:
    """'2.4 Business Metrics (Success):' -> 'business metrics success'."""
    text = _NUMBER.sub("", text)
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Alignment:
    """Which draft sections align to which template sections, with confidence."""

    def __init__(self, by_rubric: dict[str, list[tuple[int, float]]], n_draft: int) -> None:
        self.by_rubric = by_rubric
        self.by_draft: dict[int, list[tuple[str, float]]] = {i: [] for i in range(n_draft)}
        for rid, pairs in by_rubric.items():
            for index, conf in pairs:
                self.by_draft[index].append((rid, conf))

    def draft_sections(self, section_id: str) -> list[int]:
        """Indexes of draft sections aligned to a template section, best first."""
        return [i for i, _ in self.by_rubric.get(section_id, [])]

    def aligned(self, draft: Draft, section_id: str) -> list[AlignedSection]:
        """The aligned draft sections as report objects."""
        out = []
        for index, conf in self.by_rubric.get(section_id, []):
            section = draft.sections[index]
            out.append(AlignedSection(heading=section.heading or "(untitled start)",
                                      location=section.location, confidence=round(conf, 3)))
        return out


def align_sections(
    draft: Draft,
    rubric: Rubric,
    vectors: RubricVectors,
    sentence_vecs: Matrix,
    embedder: Embedder,
    thresholds: Thresholds,
) -> Alignment:
    """Align every draft section with content to its best template sections."""
    n_draft = len(draft.sections)
    section_ids = vectors.section_ids
    by_rubric: dict[str, list[tuple[int, float]]] = {sid: [] for sid in section_ids}
    exact = {}
    for section in rubric.sections:
        for name in (section.title, *section.aliases):
            exact.setdefault(normalize_heading(name), section.id)

    headings = [normalize_heading(s.heading) for s in draft.sections]
    heading_vecs = (
        embedder.embed_documents([h or "untitled" for h in headings]) if n_draft else None
    )
    sentence_section = np.array([s.section for s in draft.sentences], dtype=int)
    for index, section in enumerate(draft.sections):
        rows = np.where(sentence_section == index)[0] if len(sentence_section) else []
        content = np.zeros(len(section_ids), dtype=np.float32)
        if len(rows):
            mean = sentence_vecs[rows].mean(axis=0)
            norm = float(np.linalg.norm(mean)) or 1.0
            content = vectors.centroids @ (mean / norm)
        title = np.zeros(len(section_ids), dtype=np.float32)
        if headings[index] and heading_vecs is not None:
            per_row = vectors.titles @ heading_vecs[index]
            for row, owner in enumerate(vectors.title_owner):
                k = section_ids.index(owner)
                title[k] = max(title[k], per_row[row])
        if headings[index] in exact:
            by_rubric[exact[headings[index]]].append((index, 1.0))
            continue
        if not len(rows):
            continue
        w = thresholds.title_weight if headings[index] else 0.0
        combined = w * title + (1 - w) * content
        order = np.argsort(-combined)
        best = float(combined[order[0]])
        if best < thresholds.align:
            continue
        by_rubric[section_ids[order[0]]].append((index, best))
        # A section about two topics ("Serving and monitoring") aligns to both.
        second = float(combined[order[1]]) if len(order) > 1 else 0.0
        if second >= thresholds.align and best - second < 0.04:
            by_rubric[section_ids[order[1]]].append((index, second))
    for pairs in by_rubric.values():
        pairs.sort(key=lambda p: -p[1])
    return Alignment(by_rubric, n_draft)
