"""Checking a question, and rewriting an offline follow-up so retrieval can find its topic."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.chat.models import ChatError, ChatTurn

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FOLLOW_UP_START = re.compile(
    r"^(and|but|or|also|so|then|what about|how about|what if|why not|same for|and if|"
    r"and for|and what|and how|ok(ay)?|then what)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(
    r"\b(it|its|that|this|these|those|them|they|one|ones|there|then)\b", re.IGNORECASE
)
# A question this short rarely names its own topic ("and for streaming?").
_SHORT_WORDS = 5


@dataclass(frozen=True)
class CleanQuestion:
    """A question ready to answer, and whether it had to be cut."""

    text: str
    truncated: bool
    original_chars: int


def clean_question(question: str, max_chars: int) -> CleanQuestion:
    """Strip control characters and outer space; cut at `max_chars` (at a word boundary).

    Raises ChatError for an empty question."""
    text = " ".join(_CONTROL.sub(" ", question or "").split())
    if not text:
        raise ChatError("the question is empty: ask something, e.g. 'batch or online inference?'")
    if len(text) <= max_chars:
        return CleanQuestion(text, False, len(text))
    cut = text[:max_chars]
    space = cut.rfind(" ")
    if space > max_chars * 0.8:
        cut = cut[:space]
    return CleanQuestion(cut.rstrip(), True, len(text))


def looks_like_follow_up(question: str) -> bool:
    """True for questions that lean on the conversation: 'and for streaming?', 'is it costly?'."""
    words = question.split()
    if len(words) <= _SHORT_WORDS:
        return True
    return bool(_FOLLOW_UP_START.match(question)) or (
        len(words) <= 10 and bool(_PRONOUN.search(question))
    )


def offline_standalone(question: str, history: list[ChatTurn]) -> str:
    """Without a model to rewrite a follow-up, search for it together with the questions it
    follows, back to the last one that stood on its own (three at most)."""
    if not looks_like_follow_up(question):
        return question
    context: list[str] = []
    for turn in reversed(history):
        if turn.role != "user":
            continue
        context.insert(0, turn.content)
        if not looks_like_follow_up(turn.content) or len(context) == 3:
            break
    return " ".join([*context, question])
