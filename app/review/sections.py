"""Section status from several signals, not from noisy question verdicts alone.

Features of a (draft, template section) pair: the question coverage, how well a draft heading
matches the section, how many draft sentences are about the section (and how many of those
state figures), topic cues, sentence votes, and the best evidence scores, the latter relative
to the draft's other sections. A small multinomial logistic model turns them into
P(covered), P(partial), P(missing); its weights are fitted on the real-doc corpus and the
labelled cases by `mlsd eval --realdocs DIR --fit` and stored in Thresholds.section_model.
Coverage is the expected credit: 100 x (P(covered) + P(partial) / 2). A section that merges
several built-in topics is decided topic by topic (`topic_features`, `combine_statuses`).
`decide_sections` is the one place statuses are decided, for reviews and evals alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

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
# Similarity features given relative to the draft's mean over the template's checked
# sections: how high a cosine runs depends on how a template words its checks (full
# questions, prose fragments, one word), so a model fitted on one template misreads another's
# absolute scale; a section's standing among the draft's other sections does not depend on
# it. (Only the difference is kept: the mean itself would make every section of a strong
# draft look covered, a deleted one included.)
RELATIVE = ("evidence", "raw_best", "vote_top3")


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
    return min(_hits(regexes, texts) for regexes in groups)


def _hits(regexes: list[re.Pattern[str]], texts: list[str]) -> int:
    """How many texts match any of the regexes."""
    return sum(1 for t in texts if any(r.search(t) for r in regexes))


class DraftSignals:
    """What every section's features draw on: score rows, topic votes, figures and cues."""

    def __init__(
        self,
        draft: Draft,
        rubric: Rubric,
        scores: Matrix,
        thresholds: Thresholds,
        vectors: RubricVectors,
        sentence_vecs: Matrix,
    ) -> None:
        self.n = n = scores.shape[1]
        self.scores = scores
        self.rows: dict[str, list[int]] = {}
        row = 0
        for section in rubric.sections:
            self.rows[section.id] = list(range(row, row + len(section.questions)))
            row += len(section.questions)
        ids = [s.id for s in rubric.sections]
        per_section = np.full((len(ids), n), -1.0, dtype=np.float32)
        for k, sid in enumerate(ids):
            if n and self.rows[sid]:
                per_section[k] = scores[self.rows[sid]].max(axis=0)
        self.topic = np.argmax(per_section, axis=0) if n else np.zeros(0, dtype=int)
        self.strong = (
            per_section.max(axis=0) >= thresholds.partial if n else np.zeros(0, dtype=bool)
        )
        self.figures = np.array([has_number(s.text) for s in draft.sentences], dtype=bool)
        self.votes = topic_votes(rubric, vectors, sentence_vecs)
        self.voted = np.argmax(self.votes, axis=0) if n else np.zeros(0, dtype=int)
        self.vote_strong = self.votes.max(axis=0) >= VOTE_SENTENCE if n else np.zeros(0, dtype=bool)
        self.raw = (
            vectors.questions @ sentence_vecs.T if n else np.zeros((len(vectors.question_ids), 0))
        )
        self.usable = [s.text for s in draft.evidence]
        self.doc_words = math.log1p(sum(len(t.split()) for t in self.usable))

    @cached_property
    def corrected(self) -> np.ndarray:
        """Raw question similarity less each sentence's mean over all questions (as topic
        votes take it); only sections that merge topics need it, per question."""
        if not self.n:
            return self.raw
        corrected: np.ndarray = self.raw - self.raw.mean(axis=0, keepdims=True)
        return corrected


def _features(
    signals: DraftSignals,
    rows: list[int],
    mine: np.ndarray,
    voted: np.ndarray,
    vote_row: np.ndarray,
    hits: int,
    coverage: float | None,
    aligned: list[tuple[int, float]],
) -> list[float]:
    """One feature vector (see FEATURES) of a section, or of one topic of a section: `rows`
    are its questions' score rows, `mine` and `voted` its sentences, `vote_row` how well
    each sentence fits it."""
    n = signals.n
    evidence = float(signals.scores[rows].max(axis=1).mean()) if n and rows else 0.0
    raw_best = float(signals.raw[rows].max(axis=1).mean()) if n and rows else 0.0
    top3 = float(np.sort(vote_row)[::-1][:3].mean()) if n else 0.0
    return [
        (coverage if coverage is not None else 100.0) / 100.0,
        max((c for _, c in aligned), default=0.0),
        1.0 if any(c >= 0.999 for _, c in aligned) else 0.0,
        math.log1p(int(mine.sum())),
        math.log1p(int((mine & signals.figures).sum())),
        evidence,
        math.log1p(hits),
        1.0 if hits == 0 else 0.0,
        math.log1p(int(voted.sum())),
        top3,
        raw_best,
        signals.doc_words,
    ]


def section_features(
    signals: DraftSignals,
    rubric: Rubric,
    verdicts: dict[str, list[QuestionVerdict]],
    alignment: Alignment,
) -> dict[str, list[float]]:
    """One feature vector per template section (see FEATURES), every one absolute
    (`with_relative` makes the RELATIVE ones relative to the draft)."""
    out = {}
    for k, section in enumerate(rubric.sections):
        out[section.id] = _features(
            signals,
            signals.rows[section.id],
            (signals.topic == k) & signals.strong,
            (signals.voted == k) & signals.vote_strong,
            signals.votes[k],
            cue_hits(section, signals.usable),
            section_coverage(section, verdicts[section.id]),
            alignment.by_rubric.get(section.id, []),
        )
    return out


def centre_of(rubric: Rubric, absolute: dict[str, list[float]]) -> list[float]:
    """The draft's mean of each RELATIVE feature over the template's sections that are
    checked (not reference material)."""
    checked = [absolute[s.id] for s in rubric.sections if not s.optional] or list(absolute.values())
    if not checked:
        return [0.0] * len(RELATIVE)
    index = [FEATURES.index(name) for name in RELATIVE]
    return [sum(f[i] for f in checked) / len(checked) for i in index]


def with_relative(features: list[float], centre: list[float]) -> list[float]:
    """The features with the RELATIVE ones less the draft's centre."""
    out = list(features)
    for name, c in zip(RELATIVE, centre, strict=True):
        out[FEATURES.index(name)] -= c
    return out


def topic_features(
    signals: DraftSignals,
    rubric: Rubric,
    verdicts: dict[str, list[QuestionVerdict]],
    alignment: Alignment,
    centre: list[float],
) -> dict[str, list[list[float]]]:
    """For each section that merges several built-in topics (RubricSection.topic_questions),
    one feature vector per topic: its own questions, its own cues, and the sentences of the
    section that fit its questions better than the other topic's (relative features against
    the draft's `centre`, as the sections' own)."""
    merged = [(k, s) for k, s in enumerate(rubric.sections) if len(s.topic_questions) > 1]
    if not merged:
        return {}
    out: dict[str, list[list[float]]] = {}
    for k, section in merged:
        position = {
            q.id: row for q, row in zip(section.questions, signals.rows[section.id], strict=True)
        }
        parts = [[position[q] for q in ids if q in position] for ids in section.topic_questions]
        if any(not rows for rows in parts):
            continue
        n = signals.n
        fit = np.array([signals.scores[rows].max(axis=0) for rows in parts]).reshape(len(parts), n)
        vote_rows = np.array([signals.corrected[rows].max(axis=0) for rows in parts]).reshape(
            len(parts), n
        )
        best_part = np.argmax(fit, axis=0) if n else np.zeros(0, dtype=int)
        best_vote = np.argmax(vote_rows, axis=0) if n else np.zeros(0, dtype=int)
        mine = (signals.topic == k) & signals.strong
        voted = (signals.voted == k) & signals.vote_strong
        by_id = {v.question_id: v for v in verdicts[section.id]}
        cues = section.topic_cues if len(section.topic_cues) == len(parts) else []
        features = []
        for p, rows in enumerate(parts):
            ids = section.topic_questions[p]
            hits = (
                _hits(_compiled_cues(tuple(cues[p])), signals.usable)
                if cues
                else cue_hits(section, signals.usable)
            )
            features.append(
                with_relative(
                    _features(
                        signals,
                        rows,
                        mine & (best_part == p),
                        voted & (best_vote == p),
                        vote_rows[p],
                        hits,
                        section_coverage(section, [by_id[q] for q in ids if q in by_id]),
                        alignment.by_rubric.get(section.id, []),
                    ),
                    centre,
                )
            )
        out[section.id] = features
    return out


def decide_status(
    section: RubricSection,
    verdicts: list[QuestionVerdict],
    features: list[float],
    thresholds: Thresholds,
    *,
    topics: list[list[float]] | None = None,
    llm_judged: bool = False,
    placeholders: bool = False,
) -> tuple[str, float | None]:
    """The one place a section's status is decided: (status, coverage 0-100 or None).

    Offline, the section model weighs several signals; an LLM's checked verdicts are better
    evidence than those signals, so they decide directly. A section that merges several
    topics (`topics`: one feature vector per topic) is judged topic by topic, as a reader
    would: covered when every topic is, missing when every topic is. Placeholders keep a
    section from counting as covered, and a section whose every question does not apply is
    not applicable.
    """
    if verdicts and all(v.verdict is Verdict.NOT_APPLICABLE for v in verdicts):
        return "not_applicable", None
    if llm_judged:
        raw = section_coverage(section, verdicts)
        coverage = raw if raw is not None else 100.0
        status = thresholds.section_status(raw)
    elif topics:
        parts = [classify(f, thresholds) for f in topics]
        status = combine_statuses([p[0] for p in parts])
        coverage = sum(p[1] for p in parts) / len(parts)
    else:
        status, coverage = classify(features, thresholds)
    if placeholders and status == "covered":
        # Placeholders are unwritten content: the section is not finished.
        status, coverage = "partial", min(coverage, thresholds.section_covered - 1)
    return status, coverage


@dataclass
class SectionStatuses:
    """Every section's features (one vector, and one per topic for merged sections) and its
    decided (status, coverage)."""

    features: dict[str, list[float]]
    topics: dict[str, list[list[float]]]
    statuses: dict[str, tuple[str, float | None]]
    # Section id -> the status of each of its topics, for merged sections judged offline.
    topic_statuses: dict[str, list[str]]


def decide_sections(
    draft: Draft,
    rubric: Rubric,
    scores: Matrix,
    verdicts: dict[str, list[QuestionVerdict]],
    alignment: Alignment,
    thresholds: Thresholds,
    vectors: RubricVectors,
    sentence_vecs: Matrix,
    llm_judged: Callable[[str], bool] = lambda section_id: False,
) -> SectionStatuses:
    """Features and status of every section of a judged draft (`llm_judged(section_id)`
    says whether an LLM's verdicts decide a section)."""
    signals = DraftSignals(draft, rubric, scores, thresholds, vectors, sentence_vecs)
    absolute = section_features(signals, rubric, verdicts, alignment)
    centre = centre_of(rubric, absolute)
    features = {sid: with_relative(f, centre) for sid, f in absolute.items()}
    topics = topic_features(signals, rubric, verdicts, alignment, centre)
    statuses, by_topic = decide_all(
        draft, rubric, verdicts, alignment, features, topics, thresholds, llm_judged
    )
    return SectionStatuses(features, topics, statuses, by_topic)


def decide_all(
    draft: Draft,
    rubric: Rubric,
    verdicts: dict[str, list[QuestionVerdict]],
    alignment: Alignment,
    features: dict[str, list[float]],
    topics: dict[str, list[list[float]]],
    thresholds: Thresholds,
    llm_judged: Callable[[str], bool] = lambda section_id: False,
) -> tuple[dict[str, tuple[str, float | None]], dict[str, list[str]]]:
    """(status and coverage of every section, status of each topic of merged sections) from
    features already computed: the evals re-decide a judgement under other section models."""
    statuses = {}
    by_topic = {}
    for section in rubric.sections:
        aligned = alignment.draft_sections(section.id)
        if section.id in topics and not llm_judged(section.id):
            by_topic[section.id] = [classify(f, thresholds)[0] for f in topics[section.id]]
        statuses[section.id] = decide_status(
            section,
            verdicts[section.id],
            features[section.id],
            thresholds,
            topics=topics.get(section.id),
            llm_judged=llm_judged(section.id),
            placeholders=any(p.section in aligned for p in draft.placeholders),
        )
    return statuses, by_topic


def topic_note(section: RubricSection, statuses: list[str]) -> str:
    """'judged topic by topic: architecture covered, serving partial'."""
    by_topic = ", ".join(
        f"{topic} {status}" for topic, status in zip(section.topics, statuses, strict=False)
    )
    return f"judged topic by topic: {by_topic}"


def combine_statuses(statuses: list[str]) -> str:
    """One status for the topics of a section: covered if all are, missing if all are,
    partial otherwise."""
    if all(s == "covered" for s in statuses):
        return "covered"
    if all(s == "missing" for s in statuses):
        return "missing"
    return "partial"


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
