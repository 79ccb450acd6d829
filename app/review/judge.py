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
_NUMBER_WITH_UNIT = re.compile(
    r"(\$|€|£)\s?\d|\d[\d,.]*\s?(%|percent|ms|msec|milliseconds?|s\b|secs?\b|seconds?|"
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


def score_matrix(
    draft: Draft,
    rubric: Rubric,
    vectors: RubricVectors,
    sentence_vecs: Matrix,
    alignment: Alignment,
    thresholds: Thresholds,
) -> Matrix:
    """Evidence score of every (question, sentence) pair; placeholders score -1."""
    n = len(draft.sentences)
    if n == 0:
        return np.zeros((len(vectors.question_ids), 0), dtype=np.float32)
    raw: Matrix = (vectors.questions @ sentence_vecs.T).astype(np.float32)
    # Hubness correction: generic sentences ("Author: ...") resemble every question a little;
    # what matters is how much better a sentence fits this question than the others.
    scores: Matrix = raw - thresholds.hub * raw.mean(axis=0, keepdims=True)
    placeholder = np.array([s.placeholder or s.instruction for s in draft.sentences])
    sentence_words = [content_words(s.text) for s in draft.sentences]
    section_of = np.array([s.section for s in draft.sentences])
    row = 0
    for section in rubric.sections:
        aligned = alignment.draft_sections(section.id)
        boost = np.isin(section_of, aligned).astype(np.float32) * thresholds.aligned_boost
        for question in section.questions:
            words = content_words(question.text)
            if words:
                overlap = np.array(
                    [len(words & sw) / len(words) for sw in sentence_words], dtype=np.float32
                )
                scores[row] += thresholds.lexical_weight * np.minimum(overlap * 2, 1.0)
            scores[row] += boost
            row += 1
    scores[:, placeholder] = -1.0
    return scores


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
    if best >= thresholds.covered and expects_met(question.expects, texts):
        verdict, reason = Verdict.COVERED, "answered"
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
