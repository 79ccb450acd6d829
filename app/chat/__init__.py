"""Chat about ML design trade-offs, grounded in the knowledge base and the user's draft.

from app.chat import answer
reply = answer("Batch or online inference for a daily forecast?", settings=load_settings())
print(reply.text, [c.label() for c in reply.citations])
"""

from app.chat.engine import DEFAULT_K, ChatSession, answer, load_chat_draft, stream_answer
from app.chat.models import Answer, ChatCitation, ChatError, ChatTurn
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
