"""One Markdown page for a whole run: a row per document and what to fix first in each.

`mlsd review --out DIR` writes it as `summary.md`; the GitHub Action appends it to the job
summary. Like every renderer it is a pure function of the reviews.
"""

from __future__ import annotations

from app.reports._common import fix_first_line
from app.reports.markdown import inline
from app.review.models import Review
from app.rubric.models import Severity

TOP_PER_DOCUMENT = 3


def render_summary(
    reviews: list[tuple[str, Review]],
    failed: list[tuple[str, str]] | None = None,
    skipped: list[tuple[str, str]] | None = None,
    title: str = "mlsd review",
) -> str:
    """The run as Markdown: documents with score and counts, then the top findings of each
    document that has any, then the documents that failed or were skipped, with why."""
    failed, skipped = failed or [], skipped or []
    lines = [f"## {inline(title)}", ""]
    if not reviews and not failed:
        lines.append("No design docs to review." if not skipped else "No design docs reviewed.")
    if reviews:
        lines += [
            "| Document | Score | Errors | Warnings | Notes | Suppressed |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, review in reviews:
            lines.append(
                f"| {inline(name)} | {review.score:.0f} | {review.count(Severity.ERROR)} | "
                f"{review.count(Severity.WARNING)} | {review.count(Severity.NOTE)} | "
                f"{len(review.suppressed)} |"
            )
        for name, review in reviews:
            top = review.top()[:TOP_PER_DOCUMENT]
            if not top:
                continue
            lines += ["", f"**{inline(name)}**: fix these first", ""]
            lines += [f"{i}. {inline(fix_first_line(review, f))}" for i, f in enumerate(top, 1)]
    if failed:
        lines += ["", "**Could not be reviewed**", ""]
        lines += [f"- {inline(name)}: {inline(reason)}" for name, reason in failed]
    if skipped:
        lines += ["", "**Skipped** (not ML design docs, or not in English)", ""]
        lines += [f"- {inline(name)}" for name, _ in skipped]
    return "\n".join(lines) + "\n"
