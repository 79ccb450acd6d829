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


# Heading-to-title similarity under which a heading carries no weight, and over which it
# carries its full weight (cosines of all-MiniLM-L6-v2 between short phrases).
TITLE_WEAK, TITLE_STRONG = 0.35, 0.65
# A section with no telling heading aligns by its sentences' votes when their mean is at
# least VOTE_MIN; its confidence is then VOTE_BASE plus that mean (capped at 0.9).
VOTE_MIN, VOTE_BASE = 0.15, 0.4

_FILLER = frozenset(
    {
        "and",
        "the",
        "of",
        "for",
        "a",
        "an",
        "to",
        "in",
        "on",
        "our",
        "we",
        "how",
        "what",
        "plan",
        "section",
    }
)


def normalize_heading(text: str) -> str:
    """'2.4 Business Metrics (Success):' -> 'business metric success' (plurals folded)."""
    text = _NUMBER.sub("", text)
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    return " ".join(
        w[:-1] if w.endswith("s") and len(w) > 4 and not w.endswith(("ss", "us", "is")) else w
        for w in words
    )


def word_cover(heading: str, name: str) -> float:
    """Share of a heading's content words found in a template title or alias."""
    mine = set(heading.split()) - _FILLER
    theirs = set(name.split()) - _FILLER
    return len(mine & theirs) / len(mine) if mine else 0.0


def heading_vectors(draft: Draft, embedder: Embedder) -> Matrix:
    """One vector per draft section heading."""
    return embedder.embed_documents(
        [normalize_heading(s.heading) or "untitled" for s in draft.sections]
    )


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
            out.append(
                AlignedSection(
                    heading=section.heading or "(untitled start)",
                    location=section.location,
                    confidence=round(conf, 3),
                )
            )
        return out


def topic_votes(rubric: Rubric, vectors: RubricVectors, sentence_vecs: Matrix) -> Matrix:
    """(template section x sentence): how much better a sentence fits the section's best
    question than the average question (the hubness-corrected similarity)."""
    n = sentence_vecs.shape[0] if sentence_vecs.ndim == 2 else 0
    section_ids = vectors.section_ids
    out = np.full((len(section_ids), n), -1.0, dtype=np.float32)
    if not n or not len(vectors.question_ids):
        return out
    raw = vectors.questions @ sentence_vecs.T
    corrected = raw - raw.mean(axis=0, keepdims=True)
    owners = [s.id for s in rubric.sections for _ in s.questions]
    for row, owner in enumerate(owners):
        k = section_ids.index(owner)
        out[k] = np.maximum(out[k], corrected[row])
    return out


def align_sections(
    draft: Draft,
    rubric: Rubric,
    vectors: RubricVectors,
    sentence_vecs: Matrix,
    embedder: Embedder,
    thresholds: Thresholds,
    heading_vecs: Matrix | None = None,
) -> Alignment:
    """Align every draft section with content to its best template sections.

    `heading_vecs` (one row per draft section) may be passed to skip embedding headings."""
    n_draft = len(draft.sections)
    section_ids = vectors.section_ids
    by_rubric: dict[str, list[tuple[int, float]]] = {sid: [] for sid in section_ids}
    exact: dict[str, str] = {}
    names: list[tuple[str, str]] = []
    for section in rubric.sections:
        for name in (section.title, *section.aliases):
            exact.setdefault(normalize_heading(name), section.id)
            names.append((section.id, normalize_heading(name)))

    headings = [normalize_heading(s.heading) for s in draft.sections]
    votes = topic_votes(rubric, vectors, sentence_vecs)
    if heading_vecs is None and n_draft:
        heading_vecs = heading_vectors(draft, embedder)
    sentence_section = np.array([s.section for s in draft.sentences], dtype=int)
    for index in range(n_draft):
        rows = (
            np.where(sentence_section == index)[0]
            if len(sentence_section)
            else np.zeros(0, dtype=int)
        )
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
            # Shared words count too: "Goal" is one of "Goals and success criteria".
            for owner, name in names:
                k = section_ids.index(owner)
                title[k] = max(title[k], 0.85 * word_cover(headings[index], name))
        if headings[index] in exact:
            by_rubric[exact[headings[index]]].append((index, 1.0))
            continue
        if not len(rows):
            continue
        # A heading that resembles no template title ("Who uses this") says little: let the
        # content under it decide, in proportion to how weak the best title match is.
        strength = float(np.clip((title.max() - TITLE_WEAK) / (TITLE_STRONG - TITLE_WEAK), 0, 1))
        w = thresholds.title_weight * strength if headings[index] else 0.0
        combined = w * title + (1 - w) * content
        order = np.argsort(-combined)
        best = float(combined[order[0]])
        if best < thresholds.align:
            if strength < 1.0 and votes.shape[1]:
                # No telling title and no clear centroid: the sentences' own votes decide.
                mean_votes = votes[:, rows].mean(axis=1)
                top = int(np.argmax(mean_votes))
                if mean_votes[top] >= VOTE_MIN:
                    confidence = min(0.9, VOTE_BASE + float(mean_votes[top]))
                    by_rubric[section_ids[top]].append((index, confidence))
            continue
        by_rubric[section_ids[order[0]]].append((index, best))
        # A section about two topics ("Serving and monitoring") aligns to both.
        second = float(combined[order[1]]) if len(order) > 1 else 0.0
        if second >= thresholds.align and best - second < 0.04:
            by_rubric[section_ids[order[1]]].append((index, second))
    for pairs in by_rubric.values():
        pairs.sort(key=lambda p: -p[1])
    return Alignment(by_rubric, n_draft)
