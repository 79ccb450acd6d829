"""Report renderers: one Review in, one document out, in any of `FORMATS`.

    from app.reports import render
    print(render(review, "markdown"))

Renderers are pure functions of the Review; writing files and choosing names (with
`FILE_SUFFIX`) is the caller's job.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from app.errors import MlsdError

if TYPE_CHECKING:
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


# Each format's renderer, imported when that format is asked for.
_RENDERERS: dict[str, str] = {
    "json": "app.reports.json_report:render_json",
    "html": "app.reports.html_page:render_html",
    "sarif": "app.reports.sarif:render_sarif",
    "github": "app.reports.github:render_github",
}


def render(review: Review, fmt: str, full: bool = False) -> str:
    """The review as a report in format `fmt`, one of `FORMATS`. Text and Markdown show what
    to fix first and the ranked findings; `full` adds every verdict, finding and edit (JSON,
    HTML and SARIF always hold everything)."""
    if fmt == "text":
        from app.reports.text import render_text

        return render_text(review, full)
    if fmt == "markdown":
        from app.reports.markdown import render_markdown

        return render_markdown(review, full)
    try:
        module, name = _RENDERERS[fmt].split(":")
    except KeyError:
        raise MlsdError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}") from None
    text: str = getattr(importlib.import_module(module), name)(review)
    return text


def render_sarif_many(reviews: list[Review]) -> str:
    """One SARIF log holding several reviews (a batch)."""
    from app.reports.sarif import render_sarif_many as render_many

    return render_many(reviews)


def review_json_schema() -> dict[str, Any]:
    """The JSON Schema of a JSON report: `Review.model_json_schema()` with the 2020-12
    dialect, a stable `$id` and a title."""
    from app.review.models import Review

    schema = Review.model_json_schema()
    schema.pop("title", None)
    return {"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID, "title": SCHEMA_TITLE, **schema}
