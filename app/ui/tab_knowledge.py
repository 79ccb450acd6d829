"""The Knowledge tab: the sources the answers and citations come from, new guides to ingest,
and a search over the passages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.ui import actions
from app.ui.actions import USER_ERRORS, UIContext
from app.ui.view import (
    SOURCE_HEADERS,
    hits_html,
    ingest_summary,
    kb_summary,
    source_rows,
    status_html,
)
from ingest.loaders import SUFFIXES

log = logging.getLogger("mlsd.ui")


@dataclass
class KnowledgeTab:
    """What the page refreshes when it loads."""

    summary: gr.Markdown
    sources: gr.Dataframe


def _error(what: str, exc: Exception) -> str:
    if not isinstance(exc, USER_ERRORS):
        log.exception("%s failed", what)
    gr.Warning(f"{what} failed: {exc}")
    return status_html("error", f"{what} failed: {exc}")


def list_sources(ctx: UIContext) -> tuple[str, list[list[str]]]:
    """The summary line and the sources table."""
    try:
        stats = actions.kb_stats(ctx)
    except Exception as exc:
        return f"**The knowledge base cannot be read:** {_error('Reading the store', exc)}", []
    return kb_summary(stats), source_rows(stats)


def build(ctx: UIContext) -> KnowledgeTab:
    """Lay out the tab and wire its events."""
    with gr.Tab("Knowledge", id="knowledge"):
        with gr.Row(equal_height=True):
            summary = gr.Markdown("", elem_id="mlsd-kb-summary")
            refresh = gr.Button("Refresh", size="sm", scale=0)
        sources = gr.Dataframe(
            headers=SOURCE_HEADERS,
            datatype="str",
            interactive=False,
            wrap=True,
            label="Sources",
            max_height=360,
            column_widths=["36%", "40%", "8%", "16%"],
            elem_id="mlsd-kb-sources",
        )
        with gr.Row(equal_height=False):
            with gr.Column():
                gr.Markdown("### Add guides")
                guides = gr.File(
                    label="Guides (Markdown, text, PDF, HTML, Word)",
                    file_count="multiple",
                    file_types=sorted(SUFFIXES),
                    elem_id="mlsd-kb-files",
                )
                ingest = gr.Button("Ingest", variant="primary")
                ingest_status = gr.HTML("", js_on_load=None)
            with gr.Column():
                gr.Markdown("### Search the guides")
                query = gr.Textbox(
                    show_label=False,
                    placeholder="e.g. rollback plan for a model release",
                    elem_id="mlsd-kb-query",
                )
                k = gr.Slider(1, 20, value=5, step=1, label="Passages")
                search = gr.Button("Search")
                hits = gr.HTML("", js_on_load=None, elem_id="mlsd-kb-hits")

    def on_ingest(
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's way to ask for a bar)
    ) -> tuple[Any, ...]:
        try:
            report = actions.ingest_guides(
                ctx, list(files or []), lambda fraction, stage: progress(fraction, desc=stage)
            )
        except Exception as exc:
            return (_error("Ingest", exc), gr.skip(), gr.skip())
        message, lines = ingest_summary(report)
        kind = "ok" if report.ok and not report.warnings else "warning"
        return (status_html(kind, message, lines), *list_sources(ctx))

    def on_search(text: str | None, top: float) -> str:
        try:
            return hits_html(text or "", actions.search_kb(ctx, text or "", int(top)))
        except Exception as exc:
            return _error("Search", exc)

    refresh.click(lambda: list_sources(ctx), outputs=[summary, sources], api_name="kb_sources")
    ingest.click(
        on_ingest, inputs=[guides], outputs=[ingest_status, summary, sources], api_name="kb_ingest"
    )
    search.click(on_search, inputs=[query, k], outputs=[hits], api_name="kb_search")
    query.submit(on_search, inputs=[query, k], outputs=[hits], api_visibility="undocumented")
    return KnowledgeTab(summary=summary, sources=sources)
