"""Everything LLM in one package: the chat model from settings (provider), prompts, the one
timeout path (calls), speed and planning (speed, plan), the connection check (check), and the
section judge: asking the model (judge) and believing it only as far as the draft supports
(review)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import lazy_attributes

if TYPE_CHECKING:
    from app.llm.provider import LLMError, build_chat_model, describe_spec

__all__ = ["LLMError", "build_chat_model", "describe_spec"]

__getattr__ = lazy_attributes(
    __name__,
    {
        "LLMError": "app.llm.provider",
        "build_chat_model": "app.llm.provider",
        "describe_spec": "app.llm.provider",
    },
)
