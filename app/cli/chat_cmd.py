"""`mlsd ask`, `mlsd chat` and `mlsd llm check`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.chat.models import DEFAULT_K, Answer, ChatCitation, ChatError
from app.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    FirstBuild,
    echo_json,
    make_settings,
    settings_options,
    warn,
)
from app.errors import UnsupportedDocument
from app.llm.check import DEFAULT_CHECK_TIMEOUT, LLMCheck, check_llm, diagnose
from app.settings import Settings

_QUIT = {"/quit", "/exit", "/q"}
_CHAT_HELP = (
    "Ask about ML system design trade-offs; follow-up questions use the conversation.\n"
    "/clear forgets the conversation, /quit (or Ctrl-D) leaves."
)

_draft_option = click.option(
    "--draft",
    "draft_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Your design-doc draft (Markdown, text, PDF, DOCX): its passages are cited too, and "
    "a question about one of its sections opens with the review's verdict for it.",
)
_k_option = click.option(
    "-k",
    "--top",
    "k",
    default=DEFAULT_K,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Most passages to retrieve and cite.",
)

if TYPE_CHECKING:
    from app.chat import ChatSession
    from app.chat.verdict import DraftReview
    from app.draft import Draft
    from ingest.store import KnowledgeStore


def _review(draft: Draft, settings: Settings, store: KnowledgeStore) -> DraftReview | None:
    """The draft's offline review (from the review cache when `mlsd review` saw this draft),
    or None with a warning when the reviewer cannot judge it."""
    from app.chat.verdict import DraftReview
    from app.review import Reviewer

    reviewer = Reviewer(settings, store)
    try:
        return DraftReview(reviewer.review(draft), reviewer.rubric)
    except UnsupportedDocument as exc:
        warn(f"mlsd: answers cite the draft but give no review verdict: {exc}")
        return None


def _session(settings: Settings, draft_path: Path | None, k: int) -> ChatSession:
    """Store (built on first use), model, draft and its review, set up once."""
    from app import knowledge
    from app.chat import ChatSession, load_chat_draft

    draft = load_chat_draft(draft_path, settings) if draft_path is not None else None
    store = knowledge.open_store(settings)
    if store.count() == 0:
        knowledge.ensure_knowledge_base(settings, store, progress=FirstBuild(settings).start())
    review = _review(draft, settings, store) if draft is not None else None
    return ChatSession(settings, draft=draft, review=review, store=store, k=k)


def format_citation(citation: ChatCitation) -> str:
    """'[2] guides/x.md — Serving > Batch, lines 3-9 (score 0.61)'."""
    origin = "draft " if citation.kind == "draft" else ""
    return f"[{citation.number}] {origin}{citation.label()}  (score {citation.score:.2f})"


def _print_end(answer: Answer, streamed: str) -> None:
    """After the streamed text (if any): the answer when it differs, then sources and notes."""
    if answer.text.strip() != streamed.strip():
        if streamed.strip():
            click.echo("\n")
        click.echo(answer.text)
    else:
        click.echo()
    if answer.citations:
        click.echo("\nSources:")
        for citation in answer.citations:
            click.echo(f"  {format_citation(citation)}")
    for note in answer.notes:
        warn(f"mlsd: {note}")


def _stream(events: Iterator[str | Answer]) -> Answer:
    """Print text pieces as they arrive; return the final answer."""
    from app.chat import Answer

    streamed: list[str] = []
    for event in events:
        if isinstance(event, Answer):
            _print_end(event, "".join(streamed))
            return event
        streamed.append(event)
        click.echo(event, nl=False)
        sys.stdout.flush()
    raise ChatError("the answer ended without a result")  # stream_answer always ends with one


@click.command("ask")
@click.argument("question")
@_draft_option
@_k_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer and citations as JSON.")
@settings_options
def ask_command(
    question: str,
    draft_path: Path | None,
    k: int,
    as_json: bool,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Answer one QUESTION about ML design trade-offs, with numbered citations.

    Offline (the default) the answer quotes the best passages of the guides (and of --draft);
    with --llm the model writes an answer that cites them, streamed as it comes. Citations
    list source, headings, lines or page, and score.
    """
    from app.chat import Answer
    from app.chat.question import clean_question

    settings = make_settings(data_dir, llm, llm_base_url)
    clean_question(question, settings.max_question_chars)  # fail before any slow setup
    session = _session(settings, draft_path, k)
    if as_json:
        final = None
        for event in session.ask(question):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        echo_json(final)
        return EXIT_OK
    _stream(session.ask(question))
    return EXIT_OK


def _read_line(interactive: bool) -> str | None:
    """The next line of input, or None at end of input."""
    if interactive:
        try:
            return input("you> ")
        except EOFError:
            click.echo()
            return None
    line = sys.stdin.readline()
    return line if line else None


@click.command("chat")
@_draft_option
@_k_option
@settings_options
def chat_command(
    draft_path: Path | None,
    k: int,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Talk about ML design trade-offs, one question per line, with the conversation kept.

    Reads questions from the terminal (or stdin); follow-ups such as 'and for streaming?' use
    the earlier turns. /clear forgets them; /quit or end of input (Ctrl-D) leaves.
    """
    settings = make_settings(data_dir, llm, llm_base_url)
    session = _session(settings, draft_path, k)
    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
    draft_note = f", draft {draft_path}" if draft_path else ""
    warn(f"mlsd chat ({session.mode}{draft_note}). {_CHAT_HELP}")
    while True:
        line = _read_line(interactive)
        if line is None:
            return EXIT_OK
        question = line.strip()
        if not question:
            continue
        if question.lower() in _QUIT:
            return EXIT_OK
        if question.lower() == "/clear":
            session.reset()
            warn("mlsd: conversation cleared")
            continue
        if question.lower() in ("/help", "/?"):
            warn(_CHAT_HELP)
            continue
        try:
            _stream(session.ask(question))
        except ChatError as exc:
            warn(f"mlsd: {exc}")
        except KeyboardInterrupt:
            warn("\nmlsd: answer interrupted")
        click.echo()


@click.group("llm")
def llm_group() -> None:
    """Check the configured LLM."""


@llm_group.command("check")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=DEFAULT_CHECK_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the answer.",
)
@click.option(
    "--speed",
    is_flag=True,
    help="Also measure the model's prompt and answer speed (tokens/s) and store it in the "
    "data directory, so reviews plan their LLM calls within --llm-budget.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@settings_options
def llm_check_command(
    timeout: float,
    speed: bool,
    as_json: bool,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Send one tiny prompt to the configured LLM: provider, model and latency when it
    answers; what is wrong and how to fix it when not. Exit 0 when it answers, 2 when not."""
    settings = make_settings(data_dir, llm, llm_base_url)
    result = check_llm(settings, timeout=timeout)
    if result.ok and speed:
        result = _with_speed(settings, result, timeout)
    if as_json:
        echo_json(result)
    elif result.ok:
        click.echo(f"ok: {result.message} ({result.base_url})")
        if result.speed is not None:
            click.echo(
                f"speed: {result.speed.prompt_tps:.0f} prompt tokens/s, "
                f"{result.speed.output_tps:.1f} answer tokens/s (stored for review planning)"
            )
    else:
        who = f"{result.provider}:{result.model} at {result.base_url}: " if result.model else ""
        click.echo(f"not ok: {who}{result.message}")
        if result.fix:
            click.echo(f"fix: {result.fix}")
    return EXIT_OK if result.ok else EXIT_ERROR


def _with_speed(settings: Settings, result: LLMCheck, timeout: float) -> LLMCheck:
    """The check with the model's measured speed, stored in the data directory."""
    from app.llm.plan import save_speed, speeds_path
    from app.llm.provider import build_chat_model
    from app.llm.speed import measure_speed

    # A slow local model needs far longer than the check's tiny prompt.
    patient = max(timeout, settings.llm_timeout)
    try:
        model = build_chat_model(settings.model_copy(update={"llm_timeout": patient}))
        measured = measure_speed(model, settings.llm, result.base_url, patient)
    except Exception as exc:  # the check already passed: report, do not fail the check
        diagnosis = diagnose(exc, settings, patient)
        return result.model_copy(
            update={"ok": False, "message": f"speed not measured: {diagnosis.message}"}
        )
    save_speed(speeds_path(settings.data_dir), measured)
    return result.model_copy(update={"speed": measured})
