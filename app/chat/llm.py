"""The chat's calls to a LangChain chat model: rewriting a follow-up, streaming an answer.

Each call runs in a daemon thread and is abandoned after a timeout, so a hung server can never
hang the chat (nor, on exit, the interpreter)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from app.chat.history import render_history
from app.chat.models import ChatCitation, ChatTurn
from app.llm.calls import CallTimeout, call_with_timeout
from app.llm.prompts import load_prompt
from app.llm.provider import with_answer_limit

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

ANSWER_FIELDS = frozenset({"passages", "question", "count"})
CONDENSE_FIELDS = frozenset({"history", "question"})
# A rewritten question longer than this is an answer, not a question.
_MAX_CONDENSED = 1000

T = TypeVar("T")
Message = tuple[str, str]


class LLMFailure(Exception):
    """The model failed or did not answer in time; `cause` is what the client raised."""

    def __init__(self, message: str, cause: BaseException) -> None:
        super().__init__(message)
        self.cause = cause


def chunk_text(message: Any) -> str:
    """The visible text of a message or chunk (string content, or text content blocks)."""
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type", "text") == "text":
                parts.append(str(block.get("text", "")))
        return "".join(parts)
    return ""


def run_with_timeout(call: Callable[[], T], timeout: float) -> T:
    """The call's result, or LLMFailure when it raises or takes longer than `timeout` s."""
    try:
        return call_with_timeout(call, timeout)
    except Exception as exc:
        raise LLMFailure(str(exc), exc) from exc


# Answer lengths: a small local model otherwise repeats itself until its context is full.
ANSWER_MAX_TOKENS = 700
CONDENSE_MAX_TOKENS = 80


def stream_text(model: BaseChatModel, messages: Sequence[Message], timeout: float) -> Iterator[str]:
    """The model's answer as text pieces, as they arrive.

    Raises LLMFailure when the stream fails or no piece arrives for `timeout` s (a slow but
    steady model is not cut off)."""
    pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            for chunk in with_answer_limit(model, ANSWER_MAX_TOKENS).stream(list(messages)):
                if stop.is_set():
                    return
                text = chunk_text(chunk)
                if text:
                    pieces.put(("text", text))
            pieces.put(("end", None))
        except BaseException as exc:  # handed to the caller's thread
            pieces.put(("error", exc))

    threading.Thread(target=work, daemon=True, name="mlsd-llm-stream").start()
    try:
        while True:
            try:
                kind, value = pieces.get(timeout=timeout)
            except queue.Empty:
                late = CallTimeout(f"no answer within {timeout:g} s")
                raise LLMFailure(str(late), late) from None
            if kind == "end":
                return
            if kind == "error":
                raise LLMFailure(str(value), value) from value
            yield value
    finally:
        stop.set()


def render_passages(citations: Sequence[ChatCitation]) -> str:
    """The numbered passages as the model sees them."""
    blocks = []
    for c in citations:
        where = ", ".join(x for x in (c.heading_label, c.location.label()) if x)
        origin = f"draft {c.source}" if c.kind == "draft" else f"guide: {c.title or c.source}"
        text = c.quote.replace("</passages>", "< /passages>")
        blocks.append(f"[{c.number}] ({origin}{'; ' + where if where else ''})\n{text}")
    return "\n\n".join(blocks)


def with_review(question: str, review: str) -> str:
    """The question with the review's verdict on the section it asks about, which the answer
    already opens with: the model builds on it rather than repeating or contradicting it."""
    if not review:
        return question
    return (
        f"{question}\n\nThe answer shown to me already opens with what mlsd's review of my "
        f"draft found for this section (not a passage; do not cite it with a number):\n{review}"
        "\n\nDo not repeat it; explain from the passages what the section needs next."
    )


def answer_messages(
    question: str,
    citations: Sequence[ChatCitation],
    history: Sequence[ChatTurn],
    *,
    review: str = "",
    compact: bool = False,
) -> list[Message]:
    """System prompt with the numbered passages, the conversation, then the question (with
    the review's verdict on the draft section it asks about, when there is one). `compact`
    uses the short instructions of prompts/chat_answer_compact.md (a slow model reads them
    in 2 s instead of 6)."""
    prompt = load_prompt(answer_prompt_name(compact), ANSWER_FIELDS)
    system, user = prompt.render(
        passages=render_passages(citations),
        question=with_review(question, review),
        count=str(len(citations)),
    )
    turns = [("human" if t.role == "user" else "ai", t.content) for t in history]
    return [("system", system), *turns, ("human", user)]


def answer_prompt_name(compact: bool) -> str:
    """The answer prompt's file name: the short one for a slow model."""
    return "chat_answer_compact" if compact else "chat_answer"


def answer_prefix(compact: bool = False) -> str:
    """The part of the answer prompt that is the same for every question (everything before
    the passages): a server that caches prompt prefixes reads it once, ahead of time."""
    prompt = load_prompt(answer_prompt_name(compact), ANSWER_FIELDS)
    return prompt.system.split("{passages}", 1)[0]


def prefill(model: BaseChatModel, timeout: float, compact: bool = False) -> None:
    """Have the server read the answer prompt's fixed start now (a one-token call), so the
    first answer of a conversation starts as fast as the later ones. Best effort."""
    messages: list[Message] = [("system", answer_prefix(compact)), ("human", "ok")]
    try:
        call_with_timeout(lambda: with_answer_limit(model, 1).invoke(list(messages)), timeout)
    except Exception:  # the real question will say what is wrong with the model
        return


def _clean_condensed(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[0]
    for prefix in ("standalone question:", "question:"):
        if line.lower().startswith(prefix):
            line = line[len(prefix) :].strip()
    return line.strip("\"'“”` ")


def condense(model: Any, question: str, history: Sequence[ChatTurn], timeout: float) -> str:
    """The follow-up rewritten as a standalone question (the question itself when the model
    returns nothing usable). Raises LLMFailure when the model fails or times out."""
    prompt = load_prompt("chat_condense", CONDENSE_FIELDS)
    system, user = prompt.render(history=render_history(history), question=question)
    messages = [("system", system), ("human", user)] if system else [("human", user)]
    limited = with_answer_limit(model, CONDENSE_MAX_TOKENS)
    reply = run_with_timeout(lambda: limited.invoke(messages), timeout)
    rewritten = _clean_condensed(chunk_text(reply))
    if not rewritten or len(rewritten) > _MAX_CONDENSED:
        return question
    return rewritten
