"""Offline judgement of guiding questions: sentence embeddings, shared words and `expects`.

Each question is compared with every sentence of the draft (placeholders excluded); sentences
under a draft section aligned to the question's section get a small boost, and shared content
words add to the score. A question that expects a number (latency, cost, a target) is only
covered when the evidence states one.
"""

from __future__ import annotations

import re

import numpy as np

from app.draft import Draft, DraftSentence
from app.review.align import Alignment
from app.review.models import Evidence, QuestionVerdict, Verdict
from app.review.thresholds import Thresholds
from app.review.vectors import Matrix, RubricVectors
from app.rubric.models import Expects, Question, Rubric

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "if",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "them",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "should",
        "could",
        "any",
        "each",
        "other",
        "than",
        "into",
        "over",
        "under",
        "your",
        "you",
        "us",
        "has",
        "have",
        "had",
        "not",
        "no",
        "yes",
        "been",
        "being",
        "there",
        "here",
        "so",
        "such",
        "then",
        "also",
        "more",
        "most",
        "much",
        "many",
        "may",
        "might",
        "must",
        "per",
        "via",
    ]
)
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
LEXICAL_MIN_WORDS = 6
_NUMBER_WITH_UNIT = re.compile(
    r"(\$|€|£)\s?\d|(?<![\d,.])\d[\d,.]*+\s?(%|percent|ms|msec|milliseconds?|s\b|secs?\b|seconds?|"
    r"minutes?|mins?\b|hours?|hrs?\b|days?|weeks?|months?|years?|k\b|K\b|M\b|B\b|bn\b|"
    r"[kMGT]B\b|QPS|qps|rps|RPS|req(uest)?s?\b|users?|customers?|rows|examples|samples|records|"
    r"items|events|predictions|labels|USD|EUR|GBP|dollars|x\b|×|times\b|pp\b|points?\b|"
    r"GPUs?|CPUs?|nodes|replicas|instances)|\bp\d{2}\b.*\d|\bQ[1-4]\s?20\d\d\b|\b20\d\d\b",
)
_NAMED = re.compile(
    r"(?<!^)(?<![.!?]\s)\b([A-Z][a-zA-Z0-9]*[A-Z0-9][a-zA-Z0-9]*|[A-Z][a-z]+[A-Z]"
    r"\w*|[A-Z]{2,}\w*|[A-Z][a-z]{2,})\b|`[^`]+`|\"[^\"]+\""
)
_NOT_APPLICABLE = re.compile(
    r"\b(not applicable|does not apply|doesn't apply|n/a|out of scope|not in scope|"
    r"no personal data|not relevant (here|for this)|is not a concern)\b",
    re.IGNORECASE,
)


def content_words(text: str) -> set[str]:
    """Lower-case content words, crudely stemmed (plural 's' dropped)."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        words.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    return words


def has_number(text: str) -> bool:
    """True when the text states a figure with a unit, a currency amount or a date."""
    return bool(_NUMBER_WITH_UNIT.search(text))


def has_name(text: str) -> bool:
    """True when the text names something: a capitalised term, an acronym, code or a quote."""
    return bool(_NAMED.search(text.strip()))


def expects_met(expects: Expects | None, texts: list[str]) -> bool:
    """Whether the evidence has what the question expects."""
    if expects is None:
        return True
    check = has_number if expects is Expects.NUMBER else has_name
    return any(check(t) for t in texts)


def _evidence(draft: Draft, sentence: DraftSentence, score: float) -> Evidence:
    section = draft.sections[sentence.section]
    return Evidence(
        quote=sentence.text,
        location=sentence.location,
        section=section.heading,
        score=round(score, 3),
    )


class Components:
    """The parts of the evidence score that do not depend on thresholds."""

    def __init__(
        self, draft: Draft, rubric: Rubric, vectors: RubricVectors, sentence_vecs: Matrix
    ) -> None:
        n_questions = len(vectors.question_ids)
        n = len(draft.sentences)
        self.raw: Matrix = (
            (vectors.questions @ sentence_vecs.T).astype(np.float32)
            if n
            else np.zeros((n_questions, 0), dtype=np.float32)
        )
        self.lexical: Matrix = np.zeros((n_questions, n), dtype=np.float32)
        sentence_words = [content_words(s.text) for s in draft.sentences]
        row = 0
        for section in rubric.sections:
            for question in section.questions:
                words = content_words(question.text)
                if words and n:
                    # A short check ("A shadow run or pilot") is not half answered by one
                    # shared word: the share is taken of at least LEXICAL_MIN_WORDS words.
                    size = max(len(words), LEXICAL_MIN_WORDS)
                    self.lexical[row] = np.minimum(
                        np.array([len(words & sw) / size for sw in sentence_words]) * 2,
                        1.0,
                    )
                row += 1
        self.section_of = np.array([s.section for s in draft.sentences], dtype=int)
        self.excluded = np.array(
            [s.placeholder or s.instruction for s in draft.sentences], dtype=bool
        )
        self.question_section = [s.id for s in rubric.sections for _ in s.questions]


def combine(components: Components, alignment: Alignment, thresholds: Thresholds) -> Matrix:
    """Evidence score of every (question, sentence) pair; placeholders score -1.

    Hubness correction: generic sentences ("Author: ...") resemble every question a little;
    what counts is how much better a sentence fits this question than the others."""
    raw = components.raw
    if raw.shape[1] == 0:
        return raw.copy()
    scores: Matrix = raw - thresholds.hub * raw.mean(axis=0, keepdims=True)
    scores += thresholds.lexical_weight * components.lexical
    masks: dict[str, Matrix] = {}
    for row, section_id in enumerate(components.question_section):
        if section_id not in masks:
            aligned = alignment.draft_sections(section_id)
            masks[section_id] = np.isin(components.section_of, aligned).astype(np.float32)
        scores[row] += thresholds.aligned_boost * masks[section_id]
    scores[:, components.excluded] = -1.0
    return scores


def score_matrix(
    draft: Draft,
    rubric: Rubric,
    vectors: RubricVectors,
    sentence_vecs: Matrix,
    alignment: Alignment,
    thresholds: Thresholds,
) -> Matrix:
    """Evidence score of every (question, sentence) pair; placeholders score -1."""
    return combine(Components(draft, rubric, vectors, sentence_vecs), alignment, thresholds)


def judge_question(
    draft: Draft,
    question: Question,
    row: Matrix,
    thresholds: Thresholds,
) -> QuestionVerdict:
    """Verdict of one question from its row of evidence scores."""
    order = np.argsort(-row)[:3] if row.size else np.array([], dtype=int)
    top = [(int(i), float(row[i])) for i in order if row[i] >= thresholds.partial]
    evidence = [_evidence(draft, draft.sentences[i], s) for i, s in top]
    best = top[0][1] if top else (float(row[order[0]]) if row.size else 0.0)
    texts = [e.quote for e in evidence]
    if top and _NOT_APPLICABLE.search(texts[0]):
        return QuestionVerdict(
            question_id=question.id,
            question=question.text,
            verdict=Verdict.NOT_APPLICABLE,
            evidence=evidence[:1],
            reason="the draft says this does not apply",
        )
    specific = not thresholds.specific or any(has_number(t) or has_name(t) for t in texts)
    enough = len(top) >= thresholds.support
    if best >= thresholds.covered and expects_met(question.expects, texts) and specific and enough:
        verdict, reason = Verdict.COVERED, "answered"
    elif best >= thresholds.covered and not (specific and enough):
        verdict, reason = Verdict.PARTIAL, "answered only in general terms"
    elif best >= thresholds.covered:
        verdict = Verdict.PARTIAL
        reason = (
            "the draft discusses this but gives no figure"
            if question.expects is Expects.NUMBER
            else "the draft discusses this but names nothing specific"
        )
    elif best >= thresholds.partial:
        verdict, reason = Verdict.PARTIAL, "only touched on"
    else:
        verdict, reason = Verdict.MISSING, "no relevant passage in the draft"
    return QuestionVerdict(
        question_id=question.id,
        question=question.text,
        verdict=verdict,
        evidence=evidence if verdict is not Verdict.MISSING else [],
        reason=reason,
    )


def judge_offline(
    draft: Draft,
    rubric: Rubric,
    scores: Matrix,
    thresholds: Thresholds,
) -> dict[str, list[QuestionVerdict]]:
    """Verdicts for every question, grouped by template section id."""
    out: dict[str, list[QuestionVerdict]] = {}
    row = 0
    for section in rubric.sections:
        verdicts = []
        for question in section.questions:
            verdicts.append(judge_question(draft, question, scores[row], thresholds))
            row += 1
        out[section.id] = verdicts
    return out
