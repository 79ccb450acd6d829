"""The Review tab: upload or paste a draft, pick the template, run, read the result, download
the reports and the suggested edits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.ui import actions
from app.ui.actions import USER_ERRORS, ReviewedDraft, SessionPrefs, UIContext
from app.ui.files import write_review_files
from app.ui.view import mode_markdown, review_summary, status_html
from app.ui.view_review import EMPTY_HTML, review_html

DRAFT_TYPES = [".md", ".markdown", ".txt", ".pdf", ".docx"]
TEMPLATE_TYPES = [".md", ".markdown", ".txt", ".yaml", ".yml"]
log = logging.getLogger("mlsd.ui")


@dataclass
class ReviewTab:
    """Components other tabs update."""

    mode: gr.Markdown


def _failure(exc: Exception, outputs: int) -> tuple[Any, ...]:
    """A status box saying what went wrong; every other output keeps its value."""
    if isinstance(exc, USER_ERRORS):
        message, hint = f"Could not review: {exc}", "Fix the file or choose another one."
    else:
        log.exception("review failed")
        message = f"Internal error: {type(exc).__name__}: {exc}"
        hint = "Please report it; the app keeps working."
    gr.Warning(message)
    return (status_html("error", message, [hint]), *[gr.skip()] * (outputs - 1))


def build(ctx: UIContext, prefs: gr.State, reviewed: gr.State) -> ReviewTab:
    """Lay out the tab and wire its events."""
    settings = ctx.settings
    with gr.Tab("Review", id="review"), gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            draft = gr.File(
                label="Draft (Markdown, text, PDF or Word)",
                file_types=DRAFT_TYPES,
                elem_id="mlsd-draft",
            )
            with gr.Accordion("…or paste the draft's text", open=False):
                pasted = gr.Textbox(
                    show_label=False,
                    lines=10,
                    max_lines=30,
                    placeholder="# My design doc\n\n## Problem statement\n...",
                    elem_id="mlsd-pasted",
                )
            with gr.Accordion("Template: the bundled one (upload another)", open=False):
                template = gr.File(
                    label="Template (Markdown, text or YAML rubric)",
                    file_types=TEMPLATE_TYPES,
                    elem_id="mlsd-template",
                )
            mode = gr.Markdown(mode_markdown(settings, "review"), elem_id="mlsd-review-mode")
            gr.Markdown(
                f"<sub>Up to {settings.max_file_mb:g} MB and {settings.max_pages} PDF pages.</sub>"
            )
            run = gr.Button("Review draft", variant="primary", elem_id="mlsd-review-run")
            status = gr.HTML("", label="Status", elem_id="mlsd-review-status", js_on_load=None)
            markdown = gr.DownloadButton("Report · Markdown", visible=False, size="sm")
            json_file = gr.DownloadButton("Report · JSON", visible=False, size="sm")
            html_file = gr.DownloadButton("Report · HTML", visible=False, size="sm")
            diff = gr.DownloadButton("Suggested edits · .diff", visible=False, size="sm")
        with gr.Column(scale=3, min_width=480):
            result = gr.HTML(
                EMPTY_HTML, label="Review", elem_id="mlsd-review-result", js_on_load=None
            )

    outputs = [status, result, reviewed, markdown, json_file, html_file, diff]

    def on_review(
        draft_path: str | None,
        pasted_text: str | None,
        template_path: str | None,
        session: SessionPrefs | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's way to ask for a bar)
    ) -> tuple[Any, ...]:
        try:
            done: ReviewedDraft = actions.review_draft(
                ctx,
                session,
                draft_path,
                pasted_text or "",
                template_path,
                lambda fraction, stage: progress(fraction, desc=stage),
            )
            files = write_review_files(done.review, done.data, ctx.workspace.job("review"))
        except Exception as exc:
            return _failure(exc, len(outputs))
        review = done.review
        return (
            status_html(
                "warning" if review.warnings else "ok", review_summary(review), review.warnings
            ),
            review_html(review),
            done,
            gr.update(value=str(files.markdown), visible=True),
            gr.update(value=str(files.json), visible=True),
            gr.update(value=str(files.html), visible=True),
            gr.update(value=str(files.diff) if files.diff else None, visible=bool(files.diff)),
        )

    run.click(
        on_review,
        inputs=[draft, pasted, template, prefs],
        outputs=outputs,
        api_name="review",
        show_progress_on=[result],
    )
    return ReviewTab(mode=mode)
