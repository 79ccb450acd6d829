"""GitHub Actions annotations: one workflow command per problem, printed to a job's log.

`::error file=docs/design.md,line=12,title=No baseline::The draft names no baseline.`
"""

from __future__ import annotations

from app.reports._common import document_path, finding_line, finding_message, strip_controls
from app.review.findings import rank
from app.review.models import Finding, FindingKind, Review
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


def annotated(review: Review) -> list[Finding]:
    """The findings worth an annotation: at most one per section (its open questions or
    placeholders, whichever matters more) and one per risk or inconsistency; suggested
    edits are left to the report and `--diff`."""
    chosen: list[Finding] = []
    seen: set[str] = set()
    for finding in rank(review.all_findings()):
        if finding.kind is FindingKind.SUGGESTION:
            continue
        key = finding.section_id if finding.kind is FindingKind.GAP else finding.rule_id
        if key in seen:
            continue
        seen.add(key)
        chosen.append(finding)
    return chosen


def render_github(review: Review) -> str:
    """The findings as GitHub Actions annotation lines ('' when there are none), at most one
    per section and risk."""
    return "".join(annotation(review, f) + "\n" for f in annotated(review))
