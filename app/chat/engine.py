"""Answering a question: clean it, rewrite a follow-up, retrieve from the guides and the
draft, then either quote the best passages (offline) or stream an LLM's answer whose citation
markers are checked against the passages. An LLM that fails or stalls gives way to the
offline answer, with a note that says why. A question about one of the draft's own sections
is answered first with the review's verdict for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import knowledge
from app.chat.budget import (
    FIRST_TOKEN_SECONDS,
    SLOW_HISTORY_TOKENS,
    fit_passages,
    passage_chars,
    rewrites_follow_ups,
    slow_reader,
)
from app.chat.draft_index import DraftIndex, draft_index
from app.chat.extractive import extractive_answer, nothing_relevant
from app.chat.history import DEFAULT_HISTORY_TOKENS, bound_history, normalize_history
from app.chat.llm import LLMFailure, answer_messages, condense, prefill, stream_text
from app.chat.markers import MarkerFilter
from app.chat.models import DEFAULT_K, Answer, ChatError, ChatTurn
from app.chat.question import clean_question, offline_standalone
from app.chat.retrieval import RELEVANCE_FLOOR, Retrieval, retrieve
from app.chat.verdict import DraftReview
from app.draft import Draft, load_draft
from app.llm.check import base_url, diagnose
from app.llm.plan import ModelSpeed, load_speed, speeds_path
from app.llm.provider import build_chat_model, describe_spec
from app.settings import Settings
from ingest.errors import LoadError
from ingest.store import KnowledgeStore

Event = str | Answer


def model_name(settings: Settings, model: Any) -> str:
    """The name an answer gives its author: the settings' spec, or the model's own name."""
    provider, _ = describe_spec(settings.llm)
    if provider != "none":
        return settings.llm
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def load_chat_draft(path: Path, settings: Settings) -> Draft:
    """Load a draft to chat about. Raises ChatError with the reason when it cannot be read."""
    try:
        draft = load_draft(path, **settings.draft_limits)
    except LoadError as exc:
        raise ChatError(f"cannot use the draft {exc.path}: {exc.reason}") from exc
    if not draft.sentences:
        raise ChatError(f"cannot use the draft {path}: it holds no text to search")
    return draft


def _index(draft: Draft | DraftIndex | None, store: KnowledgeStore) -> DraftIndex | None:
    if draft is None or isinstance(draft, DraftIndex):
        return draft
    return draft_index(draft, store.embedder)


def _failure_note(name: str, failure: LLMFailure, settings: Settings, partial: bool) -> str:
    diagnosis = diagnose(failure.cause, settings)
    what = "stopped mid-answer" if partial else "did not answer"
    return (
        f"The LLM ({name}) {what}: {diagnosis.message}. Showing the best passages instead; "
        f"to fix: {diagnosis.fix}."
    )


def _speed(settings: Settings) -> ModelSpeed | None:
    """The configured model's measured speed (`mlsd llm check --speed`), if any."""
    provider, _ = describe_spec(settings.llm)
    if provider == "none":
        return None
    return load_speed(speeds_path(settings.data_dir), settings.llm, base_url(settings, provider))


def _standalone(
    question: str,
    turns: list[ChatTurn],
    model: Any | None,
    settings: Settings,
    speed: ModelSpeed | None = None,
) -> tuple[str, LLMFailure | None]:
    """The question retrieval should search for, and the model's failure if it had one."""
    if not turns:
        return question, None
    if model is None or not rewrites_follow_ups(speed):
        return offline_standalone(question, turns), None
    try:
        return condense(model, question, turns, settings.llm_timeout), None
    except LLMFailure as exc:
        return offline_standalone(question, turns), exc


@dataclass
class _Context:
    """What every kind of answer to one question shares."""

    settings: Settings
    store: KnowledgeStore
    found: Retrieval
    name: str
    fields: dict[str, Any]  # question, standalone_question, truncated, notes, verdict...
    speed: ModelSpeed | None = None

    @property
    def verdict(self) -> str:
        verdict: str = self.fields["verdict"]
        return verdict

    @property
    def notes(self) -> list[str]:
        notes: list[str] = self.fields["notes"]
        return notes

    def offline(self, *, hint: bool, fallback: bool) -> Answer:
        question = self.fields["standalone_question"]
        text, cited = extractive_answer(
            question, self.found.citations, self.store.embedder, hint=hint, lead=self.verdict
        )
        return Answer(text=text, citations=cited, fallback=fallback, **self.fields)


def _lead(verdict: str) -> str:
    """The verdict as the opening paragraph of an answer."""
    return f"{verdict}\n\n" if verdict else ""


def _generated(model: Any, turns: list[ChatTurn], ctx: _Context) -> Iterator[Event]:
    """Stream the model's answer with its markers checked; fall back when it fails."""
    if slow_reader(ctx.speed):
        # The conversation is re-read with every question (it follows the passages, which
        # change): a slow reader gets only its newest turns.
        turns = bound_history(turns, SLOW_HISTORY_TOKENS)
    citations = fit_passages(ctx.found.citations, passage_chars(ctx.speed))
    if len(citations) < len(ctx.found.citations) and ctx.speed is not None:
        ctx.notes.append(
            f"The LLM read the {len(citations)} best of {len(ctx.found.citations)} passages: "
            f"at its measured {ctx.speed.prompt_tps:.0f} prompt tokens/s, more would delay "
            f"its first word past {FIRST_TOKEN_SECONDS:.0f} s."
        )
    markers = MarkerFilter(range(1, len(citations) + 1))
    shown: list[str] = []
    messages = answer_messages(
        ctx.fields["question"], citations, turns, review=ctx.verdict, compact=slow_reader(ctx.speed)
    )
    # The verdict goes out with the model's first words: shown before a model that then fails
    # at once, it would be printed again by the offline answer that stands in.
    lead = _lead(ctx.verdict)
    try:
        for piece in stream_text(model, messages, ctx.settings.llm_timeout):
            visible = markers.feed(piece)
            if visible and not shown and lead:
                visible = lead + visible.lstrip()
            if visible:
                shown.append(visible)
                yield visible
        rest = markers.flush()
        if rest:
            shown.append(rest)
            yield rest
    except LLMFailure as exc:
        partial = bool("".join(shown)[len(lead) :].strip())
        ctx.notes.append(_failure_note(ctx.name, exc, ctx.settings, partial=partial))
        yield ctx.offline(hint=False, fallback=True)
        return
    text = "".join(shown).strip()
    if not text[len(lead.strip()) :].strip():
        ctx.notes.append(f"The LLM ({ctx.name}) returned an empty answer; here are the passages.")
        yield ctx.offline(hint=False, fallback=True)
        return
    if markers.removed:
        ctx.notes.append(
            f"Removed {markers.removed} citation marker(s) that pointed at no retrieved passage."
        )
    cited = [c for c in citations if c.number in markers.cited]
    if not cited:
        ctx.notes.append("The answer cites none of the retrieved passages: check it against them.")
    yield Answer(
        text=text, citations=cited, mode=ctx.name, removed_markers=markers.removed, **ctx.fields
    )


def stream_answer(
    question: str,
    *,
    settings: Settings,
    history: Sequence[Any] | None = None,
    draft: Draft | DraftIndex | None = None,
    review: DraftReview | None = None,
    store: KnowledgeStore | None = None,
    model: Any | None = None,
    k: int = DEFAULT_K,
    history_tokens: int = DEFAULT_HISTORY_TOKENS,
) -> Iterator[Event]:
    """Answer a question: text pieces as they stream (LLM mode), then the final Answer.

    `history` holds earlier turns (ChatTurn, {'role', 'content'} or (user, assistant) pairs);
    `draft` adds the user's draft as a source; `review` is that draft's review, whose verdict
    for the section a question asks about leads the answer; `model` overrides the settings'
    LLM (None and settings.llm 'none' mean offline). The final Answer's text is what the
    pieces spelled, except after a fallback, when it is the offline answer. Raises ChatError
    for an empty question or an empty knowledge base with no draft."""
    asked = clean_question(question, settings.max_question_chars)
    notes: list[str] = []
    if asked.truncated:
        notes.append(
            f"The question was cut from {asked.original_chars} to {len(asked.text)} characters "
            f"(max_question_chars is {settings.max_question_chars})."
        )
    turns = bound_history(normalize_history(history), history_tokens)
    store = store or knowledge.open_store(settings)
    index = _index(draft, store)
    if index is not None and not index.passages:
        notes.append("The draft holds no text to search; only the guides were searched.")
        index = None
    if index is None and store.count() == 0:
        raise ChatError("the knowledge base is empty: run `mlsd ingest` first")
    model = model if model is not None else build_chat_model(settings)
    name = model_name(settings, model) if model is not None else "offline"

    speed = _speed(settings) if model is not None else None
    standalone, failure = _standalone(asked.text, turns, model, settings, speed)
    if standalone != asked.text:
        notes.append(f"Searched for: {standalone}")
    found = retrieve(standalone, store, k=k, draft=index)
    # A follow-up the model rewrote may name the section only in its rewrite; the offline
    # rewrite glues earlier questions on, so "batch or online?" after "is my monitoring
    # section enough?" would look like a question about monitoring.
    rewritten = [standalone] if model is not None and failure is None else []
    verdict = review.verdict_for(asked.text, *rewritten) if review is not None else None
    fields = {
        "question": asked.text,
        "standalone_question": standalone,
        "truncated": asked.truncated,
        "notes": notes,
        "section_id": verdict[0].section_id if verdict else None,
        "verdict": verdict[1] if verdict else "",
    }
    ctx = _Context(settings, store, found, name, fields, speed)
    if failure is not None:
        notes.append(_failure_note(name, failure, settings, partial=False))
    if not found.relevant:
        if model is not None and failure is None:
            notes.append("The LLM was not asked: no passage is relevant enough to ground it.")
        text = nothing_relevant(found.best_score, RELEVANCE_FLOOR, index is not None)
        text = _lead(ctx.verdict) + text
        yield Answer(text=text, relevant=False, fallback=failure is not None, **fields)
    elif model is None or failure is not None:
        yield ctx.offline(hint=model is None, fallback=failure is not None)
    else:
        yield from _generated(model, turns, ctx)


def answer(
    question: str,
    *,
    settings: Settings,
    history: Sequence[Any] | None = None,
    draft: Draft | DraftIndex | None = None,
    review: DraftReview | None = None,
    store: KnowledgeStore | None = None,
    model: Any | None = None,
    k: int = DEFAULT_K,
    history_tokens: int = DEFAULT_HISTORY_TOKENS,
) -> Answer:
    """Answer a question in one go (see stream_answer for the arguments)."""
    final: Answer | None = None
    for event in stream_answer(
        question,
        settings=settings,
        history=history,
        draft=draft,
        review=review,
        store=store,
        model=model,
        k=k,
        history_tokens=history_tokens,
    ):
        if isinstance(event, Answer):
            final = event
    assert final is not None  # stream_answer always ends with an Answer
    return final


class ChatSession:
    """A conversation: the store, model, draft index and the draft's review are set up once,
    history grows."""

    def __init__(
        self,
        settings: Settings,
        *,
        draft: Draft | None = None,
        review: DraftReview | None = None,
        store: KnowledgeStore | None = None,
        model: Any | None = None,
        k: int = DEFAULT_K,
        history_tokens: int = DEFAULT_HISTORY_TOKENS,
    ) -> None:
        self.settings = settings
        self.store = store or knowledge.open_store(settings)
        self.model = model if model is not None else build_chat_model(settings)
        self.draft = _index(draft, self.store)
        # The draft's review, computed once by the caller; kept beside the draft's index.
        self.review = review if self.draft is not None else None
        self.k = k
        self.history_tokens = history_tokens
        self.history: list[ChatTurn] = []
        self._prefill()

    def _prefill(self) -> None:
        """For a model with a measured speed slow enough to limit its passages (a local
        one), have its server read the answer prompt's fixed start while the user types."""
        if self.model is None or not slow_reader(_speed(self.settings)):
            return
        model = self.model
        timeout = self.settings.llm_timeout
        threading.Thread(
            target=prefill, args=(model, timeout, True), daemon=True, name="mlsd-chat-prefill"
        ).start()

    @property
    def mode(self) -> str:
        """'offline' or the LLM's name."""
        return model_name(self.settings, self.model) if self.model is not None else "offline"

    def ask(self, question: str) -> Iterator[Event]:
        """Stream the answer to the next question and remember the exchange."""
        for event in stream_answer(
            question,
            settings=self.settings,
            history=self.history,
            draft=self.draft,
            review=self.review,
            store=self.store,
            model=self.model,
            k=self.k,
            history_tokens=self.history_tokens,
        ):
            if isinstance(event, Answer):
                self.history += [
                    ChatTurn(role="user", content=event.question),
                    ChatTurn(role="assistant", content=event.text),
                ]
            yield event

    def reset(self) -> None:
        """Forget the conversation."""
        self.history.clear()
