"""Believe an LLM's judgement only as far as the draft supports it.

A verdict counts only with a quote that is really in the draft, is not text addressed to the
reviewer, and is about the question (its embedding score clears the partial threshold). A
"covered" verdict that fails this is downgraded; the model's risks need a verified quote too.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from app.draft import Draft, DraftSentence
from app.llm.judge import SectionJudgement
from app.review.models import Evidence, QuestionVerdict, Verdict
from app.review.thresholds import Thresholds
from app.review.vectors import Matrix

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def normalize(text: str) -> str:
    """Lower case, plain quotes and dashes, no Markdown emphasis, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"\s+", " ", text).strip(" .;:,\"'")


def find_quote(draft: Draft, quote: str) -> DraftSentence | None:
    """The evidence sentence that contains the quote (or that the quote contains)."""
    wanted = normalize(quote)
    if len(wanted) < 8:
        return None
    for sentence in draft.evidence:
        have = normalize(sentence.text)
        if wanted in have or (len(have) >= 20 and have in wanted):
            return sentence
    # A quote spanning two sentences: match its first half.
    head = wanted[: max(20, len(wanted) // 2)]
    for sentence in draft.evidence:
        if head in normalize(sentence.text):
            return sentence
    return None


def merge_section(
    draft: Draft,
    offline: list[QuestionVerdict],
    judgement: SectionJudgement,
    scores: Matrix,
    rows: dict[str, int],
    thresholds: Thresholds,
    model: str,
) -> list[QuestionVerdict]:
    """The section's verdicts after checking the model's answers against the draft."""
    by_id = {v.question_id: v for v in judgement.verdicts}
    index = {id(s): i for i, s in enumerate(draft.sentences)}
    merged: list[QuestionVerdict] = []
    for base in offline:
        answer = by_id.get(base.question_id)
        if answer is None:
            merged.append(
                base.model_copy(
                    update={"reason": base.reason + " (the model gave no verdict; judged offline)"}
                )
            )
            continue
        verdict = Verdict(answer.verdict)
        if verdict is Verdict.MISSING:
            merged.append(
                QuestionVerdict(
                    question_id=base.question_id,
                    question=base.question,
                    verdict=verdict,
                    reason=answer.reason or "not answered",
                    judged_by=model,
                )
            )
            continue
        sentence = find_quote(draft, answer.quote) if answer.quote else None
        relevant = False
        if sentence is not None and base.question_id in rows:
            column = index[id(sentence)]
            relevant = bool(
                scores.shape[1]
                and float(scores[rows[base.question_id], column])
                >= thresholds.partial - thresholds.lexical_weight
            )
        if sentence is None or not relevant:
            why = (
                "its quote is not in the draft"
                if sentence is None
                else ("its quote is not about this question")
            )
            downgraded = (
                Verdict.PARTIAL
                if base.verdict in (Verdict.COVERED, Verdict.PARTIAL)
                else base.verdict
            )
            if verdict is Verdict.PARTIAL or verdict is Verdict.NOT_APPLICABLE:
                downgraded = (
                    base.verdict if base.verdict is not Verdict.COVERED else (Verdict.PARTIAL)
                )
            merged.append(
                base.model_copy(
                    update={
                        "verdict": downgraded,
                        "reason": f"the model said {verdict.value} but {why}; kept the offline "
                        f"judgement ({downgraded.value})",
                        "judged_by": f"{model} (downgraded)",
                    }
                )
            )
            continue
        section = draft.sections[sentence.section].heading
        evidence = [
            Evidence(
                quote=sentence.text,
                location=sentence.location,
                section=section,
                score=round(
                    float(np.max(scores[rows[base.question_id]])) if scores.shape[1] else 0.0, 3
                ),
            )
        ]
        merged.append(
            QuestionVerdict(
                question_id=base.question_id,
                question=base.question,
                verdict=verdict,
                evidence=evidence,
                reason=answer.reason or verdict.value,
                judged_by=model,
            )
        )
    return merged
