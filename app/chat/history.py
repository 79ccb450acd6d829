"""Conversation history: accepted in the shapes callers have, bounded by a token budget."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from app.chat.models import ChatTurn

# Enough for a few question-and-answer pairs without crowding out the passages.
DEFAULT_HISTORY_TOKENS = 1500


def approx_tokens(text: str) -> int:
    """About four characters per token for English prose.

    tiktoken would count exactly, but its encodings are fetched from the network on first use,
    and the budget is only a bound, not a price."""
    return (len(text) + 3) // 4


_ROLES: dict[str, Literal["user", "assistant"]] = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "bot": "assistant",
}


def _content_text(content: Any) -> str:
    # Gradio 6 sends content as a list of {"type": "text", "text": ...} blocks.
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        return str(content.get("text", ""))
    if isinstance(content, Iterable):
        return "".join(_content_text(part) for part in content)
    return str(content)


def normalize_history(items: Sequence[Any] | None) -> list[ChatTurn]:
    """ChatTurns from ChatTurns, {'role', 'content'} mappings or (user, assistant) pairs.

    Other roles (system, tool) and empty messages are dropped."""
    turns: list[ChatTurn] = []
    candidates: list[tuple[str, str]]
    for item in items or []:
        if isinstance(item, ChatTurn):
            candidates = [(item.role, item.content)]
        elif isinstance(item, Mapping):
            candidates = [(str(item.get("role", "")), _content_text(item.get("content", "")))]
        elif isinstance(item, tuple | list) and len(item) == 2:
            candidates = [("user", _content_text(item[0])), ("assistant", _content_text(item[1]))]
        else:
            continue
        for given, content in candidates:
            role = _ROLES.get(given.lower())
            if role is not None and content.strip():
                turns.append(ChatTurn(role=role, content=content.strip()))
    return turns


def bound_history(turns: Sequence[ChatTurn], max_tokens: int) -> list[ChatTurn]:
    """The newest turns that fit in `max_tokens`, oldest first.

    A long answer is cut to half the budget first (its start holds the gist), so that one
    long answer never pushes out the question before it."""
    per_turn = max(max_tokens // 2, 1)
    kept: list[ChatTurn] = []
    used = 0
    for turn in reversed(turns):
        content = turn.content
        if approx_tokens(content) > per_turn:
            content = content[: per_turn * 4].rstrip() + " …"
        cost = approx_tokens(content)
        if used + cost > max_tokens:
            break
        kept.append(ChatTurn(role=turn.role, content=content))
        used += cost
    kept.reverse()
    # A conversation shown to a model starts with the user's turn.
    while kept and kept[0].role != "user":
        kept.pop(0)
    return kept


def render_history(turns: Sequence[ChatTurn]) -> str:
    """'User: ...' / 'Assistant: ...' lines for the condense prompt."""
    return "\n".join(f"{'User' if t.role == 'user' else 'Assistant'}: {t.content}" for t in turns)
