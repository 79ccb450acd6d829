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
import re
from functools import lru_cache

import numpy as np

from app.draft import Draft
from app.review.align import Alignment, topic_votes
from app.review.judge import has_number
from app.review.models import QuestionVerdict, Verdict
from app.review.risks import any_of
from app.review.score import section_coverage
from app.review.thresholds import Thresholds
from app.review.vectors import Matrix, RubricVectors
from app.rubric.models import Rubric, RubricSection

STATUSES = ("covered", "partial", "missing")
# A sentence counts for the section it votes for when its vote is at least this.
VOTE_SENTENCE = 0.1
FEATURES = (
    "coverage",
    "alignment",
    "named_heading",
    "topic_sentences",
    "topic_figures",
    "evidence",
    "cue_sentences",
    "cue_absent",
    "vote_sentences",
    "vote_top3",
    "raw_best",
    "doc_words",
)


def section_cues(section: RubricSection) -> list[re.Pattern[str]]:
    """Regexes of a section's topic cues; a template without cues falls back on the
    section's title and aliases."""
    return _compiled_cues(tuple(section.cues or [section.title, *section.aliases]))


@lru_cache(maxsize=256)
def _compiled_cues(cues: tuple[str, ...]) -> list[re.Pattern[str]]:
    # Compiled once per template section, not once per review.
    return any_of(cues)


def cue_hits(section: RubricSection, texts: list[str]) -> int:
    """Sentences on the section's topic; for a section that merges several built-in topics,
    those of its least present topic."""
    groups = [_compiled_cues(tuple(c)) for c in section.topic_cues] or [section_cues(section)]
    return min(sum(1 for t in texts if any(r.search(t) for r in regexes)) for regexes in groups)


def section_features(
    draft: Draft,
    rubric: Rubric,
    scores: Matrix,
    verdicts: dict[str, list[QuestionVerdict]],
    alignment: Alignment,
    thresholds: Thresholds,
    vectors: RubricVectors,
    sentence_vecs: Matrix,
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
    votes = topic_votes(rubric, vectors, sentence_vecs)
    voted = np.argmax(votes, axis=0) if n else np.zeros(0, dtype=int)
    vote_strong = votes.max(axis=0) >= VOTE_SENTENCE if n else np.zeros(0, dtype=bool)
    raw = vectors.questions @ sentence_vecs.T if n else np.zeros((len(vectors.question_ids), 0))
    usable = [s.text for s in draft.evidence]
    doc_words = math.log1p(sum(len(t.split()) for t in usable))
    out = {}
    row = 0
    for k, section in enumerate(rubric.sections):
        q_rows = raw[row : row + len(section.questions)]
        row += len(section.questions)
        raw_best = float(q_rows.max(axis=1).mean()) if n and len(q_rows) else 0.0
        top3 = float(np.sort(votes[k])[::-1][:3].mean()) if n else 0.0
        hits = cue_hits(section, usable)
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
            math.log1p(hits),
            1.0 if hits == 0 else 0.0,
            math.log1p(int(((voted == k) & vote_strong).sum())),
            top3,
            raw_best,
            doc_words,
        ]
    return out


def decide_status(
    section: RubricSection,
    verdicts: list[QuestionVerdict],
    features: list[float],
    thresholds: Thresholds,
    *,
    llm_judged: bool = False,
    placeholders: bool = False,
) -> tuple[str, float | None]:
    """The one place a section's status is decided: (status, coverage 0-100 or None).

    Offline, the section model weighs several signals; an LLM's checked verdicts are better
    evidence than those signals, so they decide directly. Placeholders keep a section from
    counting as covered, and a section whose every question does not apply is not applicable.
    """
    if verdicts and all(v.verdict is Verdict.NOT_APPLICABLE for v in verdicts):
        return "not_applicable", None
    if llm_judged:
        raw = section_coverage(section, verdicts)
        coverage = raw if raw is not None else 100.0
        status = thresholds.section_status(raw)
    else:
        status, coverage = classify(features, thresholds)
    if placeholders and status == "covered":
        # Placeholders are unwritten content: the section is not finished.
        status, coverage = "partial", min(coverage, thresholds.section_covered - 1)
    return status, coverage


def classify(features: list[float], thresholds: Thresholds) -> tuple[str, float]:
    """(status, coverage 0-100) from features, with the fitted model when there is one."""
    model = thresholds.section_model
    if not model or any(len(w) != len(features) + 1 for w in model.values()):
        coverage = features[0] * 100.0
        return thresholds.section_status(coverage), coverage
    x = np.array([*features, 1.0], dtype=np.float64)
    logits = np.array([np.dot(model[s], x) for s in STATUSES])
    p = np.exp(logits - logits.max())
    p /= p.sum()
    coverage = 100.0 * (p[0] + 0.5 * p[1])
    return STATUSES[int(np.argmax(p))], float(coverage)
