"""Report renderers: one Review in, one document out, in any of `FORMATS`.

    from app.reports import render
    print(render(review, "markdown"))

Renderers are pure functions of the Review; writing files and choosing names (with
`FILE_SUFFIX`) is the caller's job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.errors import MlsdError
from app.reports.github import render_github
from app.reports.html_page import render_html
from app.reports.markdown import render_markdown
from app.reports.sarif import render_sarif, render_sarif_many
from app.reports.text import render_text
from app.review.models import Review

__all__ = [
    "FILE_SUFFIX",
    "FORMATS",
    "render",
    "render_sarif_many",
    "review_json_schema",
]

FORMATS = ("text", "markdown", "json", "html", "sarif", "github")

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://github.com/mlsd/mlsd/schemas/review.schema.json"
SCHEMA_TITLE = "mlsd review"

FILE_SUFFIX = {
    "markdown": ".md",
    "json": ".json",
    "html": ".html",
    "sarif": ".sarif",
    "github": ".txt",
    "text": ".txt",
}


def _render_json(review: Review) -> str:
    return review.model_dump_json(indent=2)


_RENDERERS: dict[str, Callable[[Review], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": _render_json,
    "html": render_html,
    "sarif": render_sarif,
    "github": render_github,
}


def render(review: Review, fmt: str, full: bool = False) -> str:
    """The review as a report in format `fmt`, one of `FORMATS`. Text and Markdown show what
    to fix first and the ranked findings; `full` adds every verdict, finding and edit (JSON,
    HTML and SARIF always hold everything)."""
    if fmt == "text":
        return render_text(review, full)
    if fmt == "markdown":
        return render_markdown(review, full)
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise MlsdError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}") from None
    return renderer(review)


def review_json_schema() -> dict[str, Any]:
    """The JSON Schema of a JSON report: `Review.model_json_schema()` with the 2020-12
    dialect, a stable `$id` and a title."""
    schema = Review.model_json_schema()
    schema.pop("title", None)
    return {"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID, "title": SCHEMA_TITLE, **schema}
