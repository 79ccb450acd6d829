"""Set the offline reviewer's thresholds from the labelled cases instead of guessing them.

A staged grid search: evidence weights first, then the question cut-offs, then the section
cut-offs, each stage keeping the best of the previous. The objective is the section-gap F1
plus question-verdict accuracy. Cross-validation (leave-one-case-out over the written cases)
reports how well the chosen values carry over to drafts they were not tuned on.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np
from pydantic import BaseModel

from app.review.pipeline import Reviewer
from app.review.sections import STATUSES
from app.review.thresholds import Thresholds
from app.review.vectors import rubric_vectors
from evals.review_eval import Prepared, ReviewMetrics, judge_case, score_cases


class Calibration(BaseModel):
    """The chosen thresholds and how they score."""

    thresholds: Thresholds
    metrics: ReviewMetrics
    cross_validated: ReviewMetrics | None = None


def objective(m: ReviewMetrics) -> float:
    """What calibration maximises."""
    return m.section_gap["f1"] + m.question_accuracy + 0.5 * m.section_accuracy


def _frange(start: float, stop: float, step: float) -> list[float]:
    n = round((stop - start) / step) + 1
    return [round(start + i * step, 4) for i in range(n)]


STAGES: list[dict[str, list[Any]]] = [
    {"hub": [0.8, 1.0], "lexical_weight": [0.0, 0.06, 0.12], "aligned_boost": [0.0, 0.04, 0.08]},
    {"covered": _frange(0.08, 0.30, 0.02), "partial": _frange(0.02, 0.20, 0.02)},
    {"support": [1, 2, 3], "specific": [False, True]},
    {"section_covered": [50.0, 60.0, 70.0, 80.0], "section_partial": [15.0, 25.0, 35.0]},
    {"align": [0.40, 0.45, 0.50, 0.55], "title_weight": [0.5, 0.6, 0.7]},
]


def _grid(base: Thresholds, stage: dict[str, list[Any]]) -> Iterable[Thresholds]:
    keys = list(stage)
    for values in itertools.product(*(stage[k] for k in keys)):
        update = dict(zip(keys, values, strict=True))
        if update.get("partial", 0) >= update.get("covered", 1):
            continue
        if update.get("section_partial", 0) >= update.get("section_covered", 101):
            continue
        yield base.model_copy(update=update)


def search(reviewer: Reviewer, prepared: list[Prepared], start: Thresholds) -> Thresholds:
    """Best thresholds for the prepared cases: staged grid search of the cut-offs with the
    plain coverage rule, then the section-status model fitted on those judgements."""
    best = start.model_copy(update={"section_model": {}})
    best_score = objective(score_cases(reviewer, prepared, best))
    for stage in STAGES:
        for candidate in _grid(best, stage):
            score = objective(score_cases(reviewer, prepared, candidate))
            if score > best_score + 1e-9:
                best, best_score = candidate, score
    fitted = best.model_copy(update={"section_model": fit_section_model(reviewer, prepared, best)})
    if objective(score_cases(reviewer, prepared, fitted)) > best_score:
        return fitted
    return best


def fit_section_model(
    reviewer: Reviewer, prepared: list[Prepared], thresholds: Thresholds
) -> dict[str, list[float]]:
    """Multinomial logistic weights from section features to labelled statuses."""
    from sklearn.linear_model import LogisticRegression

    vectors = rubric_vectors(reviewer.rubric, reviewer.store.embedder, None)
    rows: list[list[float]] = []
    labels: list[str] = []
    for item in prepared:
        _, _, features = judge_case(reviewer, vectors, item, thresholds)
        for section_id, label in item.case.sections.items():
            if label in STATUSES and section_id in features:
                rows.append(features[section_id])
                labels.append(label)
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    model.fit(np.array(rows), np.array(labels))
    weights: dict[str, list[float]] = {}
    for k, status in enumerate(model.classes_):
        weights[str(status)] = [round(float(w), 4) for w in model.coef_[k]] + [
            round(float(model.intercept_[k]), 4)
        ]
    return weights


def calibrate(
    reviewer: Reviewer, prepared: list[Prepared], start: Thresholds, cross_validate: bool = False
) -> Calibration:
    """Chosen thresholds, their in-sample metrics and (optionally) leave-one-out metrics."""
    chosen = search(reviewer, prepared, start)
    result = Calibration(thresholds=chosen, metrics=score_cases(reviewer, prepared, chosen))
    if cross_validate:
        written = [p for p in prepared if not p.case.mutation]
        held_out: list[tuple[Prepared, Thresholds]] = []
        for item in written:
            rest = [p for p in prepared if p.case.name.split("~")[0] != item.case.name]
            held_out.append((item, search(reviewer, rest, start)))
        # Judge each held-out case with the thresholds tuned without it.
        totals = [score_cases(reviewer, [item], th) for item, th in held_out]
        result.cross_validated = _pool(totals)
    return result


def _pool(parts: list[ReviewMetrics]) -> ReviewMetrics:
    """Micro-averaged metrics from per-case metrics."""

    def prf(key: str) -> dict[str, float]:
        tp = sum(int(getattr(p, key)["tp"]) for p in parts)
        fp = sum(int(getattr(p, key)["fp"]) for p in parts)
        fn = sum(int(getattr(p, key)["fn"]) for p in parts)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }

    n = max(len(parts), 1)
    return ReviewMetrics(
        cases=len(parts),
        section_gap=prf("section_gap"),
        section_missing=prf("section_missing"),
        section_accuracy=round(sum(p.section_accuracy for p in parts) / n, 3),
        question_accuracy=round(sum(p.question_accuracy for p in parts) / n, 3),
        question_answered_accuracy=round(sum(p.question_answered_accuracy for p in parts) / n, 3),
        risk=prf("risk"),
    )
