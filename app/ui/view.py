"""Display values for the web app: status boxes, tables, search results, chat answers and the
LLM check, each a pure function of an API result (no Gradio here)."""

from __future__ import annotations

import time
from html import escape
from typing import Any

from app.chat.models import Answer, ChatCitation
from app.llm.check import LLMCheck
from app.llm.provider import LLMError, describe_spec
from app.reports._common import counts_label, mode_label, score_label
from app.review.batch import BatchItem
from app.review.models import Review
from app.rubric.models import Severity
from app.settings import Settings
from ingest.pipeline import IngestReport
from ingest.store import Hit, StoreStats

BATCH_HEADERS = ["document", "score", "errors", "warnings", "notes", "status"]
SOURCE_HEADERS = ["source", "title", "chunks", "last ingested"]
QUOTE_CHARS = 600
# Separates an answer's text from the notes and sources shown under it (an HTML comment:
# invisible on the page, and kept in the history the page sends back).
EXTRAS_MARK = "\n\n<!-- mlsd:sources -->\n\n"


def e(text: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape(str(text), quote=True)


def status_html(kind: str, message: str, details: list[str] | None = None) -> str:
    """A status box: kind is 'ok', 'info', 'warning' or 'error'."""
    items = "".join(f"<li>{e(d)}</li>" for d in details or [])
    more = f"<ul>{items}</ul>" if items else ""
    role = ' role="alert"' if kind == "error" else ""
    return f'<div class="mlsd-status mlsd-status-{e(kind)}"{role}><p>{e(message)}</p>{more}</div>'


def session_mode(settings: Settings) -> str:
    """'offline' or 'LLM provider:model' for the settings' chat model."""
    try:
        provider, _ = describe_spec(settings.llm)
    except LLMError:
        return "offline (the LLM setting is invalid)"
    return "offline" if provider == "none" else mode_label(settings.llm)


def mode_markdown(settings: Settings, what: str) -> str:
    """The line that tells the user which mode a tab runs in."""
    mode = session_mode(settings)
    if mode == "offline":
        hint = "no LLM: verdicts from embeddings and cues" if what == "review" else "quotes"
        return f"**Mode:** offline ({hint}). Set an LLM in the Settings tab."
    return f"**Mode:** {mode}" + (f" at {settings.llm_base_url}" if settings.llm_base_url else "")


def review_summary(review: Review) -> str:
    """'Reviewed x.md: 54/100, 1 error, 3 warnings, 2 notes, 3.2 s.'"""
    cached = ", from the cache" if review.cached else f", {review.timings.total:.1f} s"
    return (
        f"Reviewed {review.document}: {score_label(review.score)}, {counts_label(review)}{cached}."
    )


def item_error(item: BatchItem) -> str:
    """Why a batch document failed, without repeating its name."""
    return item.error.removeprefix(f"{item.path}: ")


def batch_rows(items: list[BatchItem]) -> list[list[str]]:
    """One table row per document: name, score, counts by severity, status."""
    rows = []
    for item in items:
        review = item.review
        if review is None:
            rows.append([item.path, "—", "—", "—", "—", f"failed: {item_error(item)}"])
            continue
        status = "reviewed" + (" (cached)" if review.cached else "")
        if review.warnings:
            status += f", {len(review.warnings)} warning(s)"
        rows.append(
            [
                item.path,
                f"{review.score:.0f}",
                str(review.count(Severity.ERROR)),
                str(review.count(Severity.WARNING)),
                str(review.count(Severity.NOTE)),
                status,
            ]
        )
    return rows


def batch_summary(items: list[BatchItem]) -> str:
    """'3 reviewed, 1 failed, mean score 52.'"""
    reviews = [i.review for i in items if i.review is not None]
    failed = len(items) - len(reviews)
    mean = f", mean score {sum(r.score for r in reviews) / len(reviews):.0f}" if reviews else ""
    return f"{len(reviews)} reviewed, {failed} failed{mean}."


def when(timestamp: float) -> str:
    """A local 'YYYY-MM-DD HH:MM' for a Unix time."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else ""


def source_rows(stats: StoreStats) -> list[list[str]]:
    """One row per knowledge-base source, newest ingest first."""
    ordered = sorted(stats.sources, key=lambda s: (-s.ingested_at, s.source_id))
    return [[s.source_id, s.title, str(s.chunks), when(s.ingested_at)] for s in ordered]


def kb_summary(stats: StoreStats) -> str:
    """A line about the store: sources, chunks, model and backend."""
    return (
        f"**{len(stats.sources)} sources, {stats.chunks} chunks** · embedding model "
        f"`{stats.embedding_model}` · {stats.backend} (collection `{stats.collection}`)"
    )


def ingest_summary(report: IngestReport) -> tuple[str, list[str]]:
    """A status line and one line per file that changed or failed."""
    lines = []
    for r in report.results:
        if r.status == "failed":
            lines.append(f"failed: {r.message}")
        elif r.status in ("added", "updated"):
            lines.append(f"{r.status} {r.source_id} (+{r.chunks_added} -{r.chunks_removed})")
        elif r.status == "unchanged":
            lines.append(f"unchanged {r.source_id}")
    lines += [f"warning: {w}" for w in report.warnings]
    message = (
        f"{report.files} file(s): {report.chunks_added} chunks added, {report.unchanged} "
        f"unchanged, {report.failed} failed; {report.total_chunks} chunks in the knowledge base "
        f"({report.seconds:.1f} s)."
    )
    return message, lines


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rstrip() + " …"


def hits_html(query: str, hits: list[Hit]) -> str:
    """Search results as cards: title, heading path, source, location, score and the text."""
    if not hits:
        return status_html("info", f"Nothing in the knowledge base matches “{query}”.")
    cards = []
    for rank, hit in enumerate(hits, start=1):
        where = hit.location.label()
        heading = f" — {e(hit.heading_label)}" if hit.heading_label else ""
        cards.append(
            '<article class="mlsd-hit">'
            f'<header><span class="mlsd-cite-n">{rank}.</span> <strong>{e(hit.title)}</strong>'
            f"{heading}</header>"
            f'<p class="mlsd-loc"><code>{e(hit.source_id)}</code>'
            f"{', ' + e(where) if where else ''} · relevance {hit.score:.2f}</p>"
            f'<blockquote class="mlsd-quote">{e(_quote(hit.text))}</blockquote></article>'
        )
    return f'<div class="mlsd-hits">{"".join(cards)}</div>'


def citation_line(citation: ChatCitation) -> str:
    """'your draft: draft.md — Serving, lines 3-9' or 'guides/x.md — Drift, lines 3-9'."""
    origin = "your draft: " if citation.kind == "draft" else ""
    return f"{origin}{citation.label()}"


def answer_markdown(answer: Answer) -> str:
    """The answer, its notes, then its numbered sources; each source opens on its passage.
    Everything after the answer's own text follows EXTRAS_MARK, so history can drop it."""
    text = answer.text.strip()
    verdict = answer.verdict.strip()
    if verdict and text.startswith(verdict):
        # The verdict's lines (where and status, open questions, flags) stay separate lines.
        text = "  \n".join(verdict.splitlines()) + text[len(verdict) :]
    parts = [text, EXTRAS_MARK.strip()]
    if answer.notes:
        parts.append("\n>\n".join(f"> {e(n)}" for n in answer.notes))
    if answer.citations:
        sources = []
        for c in answer.citations:
            sources.append(
                f'<details class="mlsd-chat-cite"><summary>[{c.number}] '
                f"{e(citation_line(c))} · {c.score:.2f}</summary>"
                f"<blockquote>{e(_quote(c.quote))}</blockquote></details>"
            )
        parts.append("**Sources**\n\n" + "\n".join(sources))
    footer = (
        "offline answer: the best passages, quoted" if answer.mode == "offline" else answer.mode
    )
    parts.append(f"<sub>{e(footer)}</sub>")
    return "\n\n".join(p for p in parts if p)


def check_text(result: LLMCheck) -> str:
    """The diagnosis `mlsd llm check` prints, line for line."""
    if result.ok:
        return f"ok: {result.message} ({result.base_url})"
    who = f"{result.provider}:{result.model} at {result.base_url}: " if result.model else ""
    lines = [f"not ok: {who}{result.message}"]
    if result.fix:
        lines.append(f"fix: {result.fix}")
    return "\n".join(lines)


def _text_of(content: object) -> str:
    # Gradio 6 sends message content as a list of {"type": "text", "text": ...} blocks.
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, list | tuple):
        return "".join(_text_of(part) for part in content)
    return ""


def plain_history(history: list[Any] | None) -> list[dict[str, str]]:
    """The chat so far as {'role', 'content'} turns, answers without their sources."""
    turns = []
    for message in history or []:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            continue
        text = _text_of(message.get("content", ""))
        if message["role"] == "assistant":
            text = text.split(EXTRAS_MARK.strip(), 1)[0]
        if text.strip():
            turns.append({"role": str(message["role"]), "content": text.strip()})
    return turns
