"""Chat about ML design trade-offs, grounded in the knowledge base and the user's draft.

from app.chat import answer
reply = answer("Batch or online inference for a daily forecast?", settings=load_settings())
print(reply.text, [c.label() for c in reply.citations])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import lazy_attributes

if TYPE_CHECKING:
    from app.chat.engine import ChatSession, answer, load_chat_draft, stream_answer
    from app.chat.models import DEFAULT_K, Answer, ChatCitation, ChatError, ChatTurn
    from app.chat.retrieval import RELEVANCE_FLOOR

__all__ = [
    "DEFAULT_K",
    "RELEVANCE_FLOOR",
    "Answer",
    "ChatCitation",
    "ChatError",
    "ChatSession",
    "ChatTurn",
    "answer",
    "load_chat_draft",
    "stream_answer",
]

__getattr__ = lazy_attributes(
    __name__,
    {
        "DEFAULT_K": "app.chat.models",
        "ChatSession": "app.chat.engine",
        "answer": "app.chat.engine",
        "load_chat_draft": "app.chat.engine",
        "stream_answer": "app.chat.engine",
        "Answer": "app.chat.models",
        "ChatCitation": "app.chat.models",
        "ChatError": "app.chat.models",
        "ChatTurn": "app.chat.models",
        "RELEVANCE_FLOOR": "app.chat.retrieval",
    },
)
