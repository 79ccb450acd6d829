"""The Batch tab: several drafts or a .zip of a docs folder, a table of scores and counts,
each row opening its review, and every report in one .zip."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from app.ui import actions
from app.ui.actions import USER_ERRORS, BatchResult, SessionPrefs, UIContext
from app.ui.view import BATCH_HEADERS, batch_rows, batch_summary, item_error, status_html
from app.ui.view_review import review_html

BATCH_TYPES = [".zip", ".md", ".markdown", ".txt", ".pdf", ".docx"]
PICK_HTML = '<p class="mlsd-muted">Choose a document in the table to see its review.</p>'
log = logging.getLogger("mlsd.ui")


def document_view(result: BatchResult | None, document: str | None) -> str:
    """The review of one batch document, or why there is none."""
    if result is None or not document:
        return PICK_HTML
    item = next((i for i in result.items if i.path == document), None)
    if item is None:
        return PICK_HTML
    if item.review is None:
        return status_html("error", f"{item.path} could not be reviewed: {item_error(item)}")
    return review_html(item.review)


def build(ctx: UIContext, prefs: gr.State, batch: gr.State) -> None:
    """Lay out the tab and wire its events."""
    settings = ctx.settings
    with gr.Tab("Batch", id="batch"):
        gr.Markdown(
            "Review many design docs at once: upload several drafts, or a `.zip` of a docs "
            "folder. README, CHANGELOG, LICENSE and hidden files are skipped. "
            f"<sub>Limits: {settings.max_zip_entries} entries and {settings.max_zip_mb:g} MB "
            f"uncompressed per .zip, {settings.max_file_mb:g} MB per file.</sub>"
        )
        with gr.Row(equal_height=False):
            uploads = gr.File(
                label="Drafts or .zip",
                file_count="multiple",
                file_types=BATCH_TYPES,
                scale=3,
                elem_id="mlsd-batch-files",
            )
            with gr.Column(scale=1, min_width=220):
                run = gr.Button("Review all", variant="primary", elem_id="mlsd-batch-run")
                download = gr.DownloadButton(
                    "Download all reports (.zip)", visible=False, elem_id="mlsd-batch-zip"
                )
        status = gr.HTML("", label="Status", js_on_load=None)
        table = gr.Dataframe(
            headers=BATCH_HEADERS,
            datatype="str",
            interactive=False,
            wrap=True,
            label="Documents (click a row to open its review)",
            elem_id="mlsd-batch-table",
            column_widths=["34%", "8%", "8%", "9%", "8%", "33%"],
        )
        choose = gr.Dropdown(
            choices=[], label="Document", interactive=True, elem_id="mlsd-batch-pick"
        )
        detail = gr.HTML(PICK_HTML, label="Review", js_on_load=None, elem_id="mlsd-batch-review")

    def on_batch(
        files: list[str] | None,
        session: SessionPrefs | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's way to ask for a bar)
    ) -> tuple[Any, ...]:
        try:
            result = actions.batch_review(
                ctx,
                session,
                list(files or []),
                lambda fraction, stage: progress(fraction, desc=stage),
            )
        except Exception as exc:
            if not isinstance(exc, USER_ERRORS):
                log.exception("batch failed")
            gr.Warning(f"Could not review the batch: {exc}")
            return (
                status_html("error", f"Could not review the batch: {exc}"),
                *[gr.skip()] * 5,
            )
        names = [i.path for i in result.items]
        first = next((i.path for i in result.items if i.review is not None), names[0])
        failed = any(i.review is None for i in result.items)
        kind = "warning" if failed or result.skipped else "ok"
        return (
            status_html(kind, batch_summary(result.items), result.skipped),
            batch_rows(result.items),
            gr.update(choices=names, value=first),
            document_view(result, first),
            gr.update(value=str(result.zip_path), visible=True),
            result,
        )

    def on_select(result: BatchResult | None, event: gr.SelectData) -> Any:
        row = event.row_value or []
        return gr.update(value=row[0]) if row else gr.skip()

    run.click(
        on_batch,
        inputs=[uploads, prefs],
        outputs=[status, table, choose, detail, download, batch],
        api_name="batch",
        show_progress_on=[table],
    )
    table.select(on_select, inputs=[batch], outputs=[choose], api_visibility="undocumented")
    choose.change(
        document_view, inputs=[batch, choose], outputs=[detail], api_name="batch_document"
    )
