"""How much a chat answer may ask a slow model to read, so its first token comes quickly.

A local model on a laptop CPU reads 40-60 prompt tokens a second (Qwen2.5 1.5B on one core
here): five passages of guides (about 1,200 tokens) keep the user waiting 25 s for the first
word. With the model's measured speed (`mlsd llm check --speed`), the answer gets the best
passages that it can read within FIRST_TOKEN_SECONDS, at least one, under short
instructions (prompts/chat_answer_compact.md); a model too slow at
writing rewrites no follow-up question (the offline rewrite stands in), as that call would
come before the answer's first word too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.llm.plan import CHARS_PER_TOKEN, COMPACT_BELOW_TPS, ModelSpeed

if TYPE_CHECKING:
    from app.chat.models import ChatCitation

# The first streamed token should come within 10 s; reading is planned to take 8 of them.
FIRST_TOKEN_SECONDS = 8.0
# Tokens of the answer prompt besides the passages: the short instructions a slow reader gets
# (prompts/chat_answer_compact.md), the question, and at most SLOW_HISTORY_TOKENS of the
# conversation (its newest turns).
SLOW_HISTORY_TOKENS = 120
FIXED_PROMPT_TOKENS = 250


# Tokens of the full answer prompt with five passages: a model that reads these within
# FIRST_TOKEN_SECONDS needs no budget.
FULL_PROMPT_TOKENS = 1600


def slow_reader(speed: ModelSpeed | None) -> bool:
    """Whether the model (by its measured speed) cannot read a full answer prompt before its
    first token is due; unmeasured models are taken to be fast."""
    return speed is not None and speed.prompt_tps * FIRST_TOKEN_SECONDS < FULL_PROMPT_TOKENS


def passage_chars(speed: ModelSpeed | None) -> int | None:
    """Most characters of passages a slow reader can read before its first token is due;
    None for a fast or unmeasured model (no limit)."""
    if speed is None or not slow_reader(speed):
        return None
    tokens = FIRST_TOKEN_SECONDS * speed.prompt_tps - FIXED_PROMPT_TOKENS
    return max(0, int(tokens * CHARS_PER_TOKEN))


def fit_passages(citations: Sequence[ChatCitation], budget: int | None) -> list[ChatCitation]:
    """The best passages (in rank order) whose text fits `budget` characters; always the
    first one."""
    if budget is None:
        return list(citations)
    kept: list[ChatCitation] = []
    used = 0
    for citation in citations:
        size = len(citation.quote)
        if kept and used + size > budget:
            break
        kept.append(citation)
        used += size
    return kept


def rewrites_follow_ups(speed: ModelSpeed | None) -> bool:
    """Whether the model is fast enough at writing to rewrite a follow-up question first."""
    return speed is None or speed.output_tps >= COMPACT_BELOW_TPS
