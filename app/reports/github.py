"""GitHub Actions annotations: one workflow command per finding, printed to a job's log.

`::error file=docs/design.md,line=12,title=No baseline::The draft names no baseline.`
"""

from __future__ import annotations

from app.reports._common import document_path, finding_line, finding_message, strip_controls
from app.review.models import Finding, Review
from app.rubric.models import Severity

COMMANDS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message the way the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property (file, title): as data, plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(review: Review, finding: Finding) -> str:
    """The workflow command for one finding."""
    properties = ",".join(
        f"{name}={escape_property(strip_controls(value))}"
        for name, value in (
            ("file", document_path(review)),
            ("line", str(finding_line(review, finding))),
            ("title", finding.title),
        )
    )
    message = escape_data(strip_controls(finding_message(finding)))
    return f"::{COMMANDS[finding.severity]} {properties}::{message}"


def render_github(review: Review) -> str:
    """Every finding as a GitHub Actions annotation line ('' when there are none)."""
    return "".join(annotation(review, f) + "\n" for f in review.all_findings())
