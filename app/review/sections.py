"""Section status from several signals, not from noisy question verdicts alone.

Features of a (draft, template section) pair: the question coverage, how well a draft heading
matches the section, how many draft sentences are about the section (and how many of those
state figures), and the mean best evidence score. A small multinomial logistic model turns
them into P(covered), P(partial), P(missing); its weights are fitted on the labelled cases by
`mlsd eval --calibrate` (evals/calibrate.py) and stored in Thresholds.section_model.
Coverage is the expected credit: 100 x (P(covered) + P(partial) / 2).
"""

from __future__ import annotations

import math

import numpy as np

from app.draft import Draft
from app.review.align import Alignment
from app.review.judge import has_number
from app.review.models import QuestionVerdict
from app.review.score import section_coverage
from app.review.thresholds import Thresholds
from app.review.vectors import Matrix
from app.rubric.models import Rubric

STATUSES = ("covered", "partial", "missing")
FEATURES = (
    "coverage",
    "alignment",
    "named_heading",
    "topic_sentences",
    "topic_figures",
    "evidence",
)


def section_features(
    draft: Draft,
    rubric: Rubric,
    scores: Matrix,
    verdicts: dict[str, list[QuestionVerdict]],
    alignment: Alignment,
    thresholds: Thresholds,
) -> dict[str, list[float]]:
    """One feature vector per template section (see FEATURES)."""
    ids = [s.id for s in rubric.sections]
    n = scores.shape[1]
    per_section = np.full((len(ids), n), -1.0, dtype=np.float32)
    best_of: dict[str, float] = {}
    row = 0
    for k, section in enumerate(rubric.sections):
        rows = scores[row : row + len(section.questions)]
        row += len(section.questions)
        if n and len(rows):
            per_section[k] = rows.max(axis=0)
            best_of[section.id] = float(rows.max(axis=1).mean())
        else:
            best_of[section.id] = 0.0
    topic = np.argmax(per_section, axis=0) if n else np.zeros(0, dtype=int)
    strong = per_section.max(axis=0) >= thresholds.partial if n else np.zeros(0, dtype=bool)
    figures = np.array([has_number(s.text) for s in draft.sentences], dtype=bool)
    out = {}
    for k, section in enumerate(rubric.sections):
        mine = (topic == k) & strong
        aligned = alignment.by_rubric.get(section.id, [])
        coverage = section_coverage(section, verdicts[section.id])
        out[section.id] = [
            (coverage if coverage is not None else 100.0) / 100.0,
            max((c for _, c in aligned), default=0.0),
            1.0 if any(c >= 0.999 for _, c in aligned) else 0.0,
            math.log1p(int(mine.sum())),
            math.log1p(int((mine & figures).sum())),
            best_of[section.id],
        ]
    return out


def classify(features: list[float], thresholds: Thresholds) -> tuple[str, float]:
    """(status, coverage 0-100) from features, with the fitted model when there is one."""
    model = thresholds.section_model
    if not model:
        coverage = features[0] * 100.0
        return thresholds.section_status(coverage), coverage
    x = np.array([*features, 1.0], dtype=np.float64)
    logits = np.array([np.dot(model[s], x) for s in STATUSES])
    p = np.exp(logits - logits.max())
    p /= p.sum()
    coverage = 100.0 * (p[0] + 0.5 * p[1])
    return STATUSES[int(np.argmax(p))], float(coverage)
