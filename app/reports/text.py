"""The terminal report: plain text, no colour codes, readable in a CI log."""

from __future__ import annotations

import textwrap

from app.reports._common import (
    KIND_LABELS,
    VERDICT_MARKS,
    by_kind,
    citation_label,
    counts_label,
    edit_label,
    evidence_label,
    fix_first_line,
    mode_label,
    percent,
    rubric_label,
    score_label,
    section_label,
    strip_controls,
    suppression_lines,
)
from app.review.findings import rank
from app.review.models import Finding, FindingKind, QuestionVerdict, Review, SectionReview

WIDTH = 100
BAR_CELLS = 10
# Findings the default report shows; --all shows every one.
SHOWN_FINDINGS = 20


def bar(coverage: float) -> str:
    """A ten-cell ASCII bar: '[######----]' for 62%."""
    filled = round(max(0.0, min(100.0, coverage)) / 100 * BAR_CELLS)
    return "[" + "#" * filled + "-" * (BAR_CELLS - filled) + "]"


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    """Wrap one paragraph; `first` replaces the indent of its first line."""
    lines = textwrap.wrap(
        " ".join(text.split()),
        width=WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [(indent if first is None else first).rstrip()]


def _header(review: Review) -> list[str]:
    lines = [f"mlsd review of {review.document}"]
    if review.document_title:
        lines.append(f"  Document: {review.document_title} ({review.document_format})")
    else:
        lines.append(f"  Document: {review.document} ({review.document_format})")
    lines += [
        f"  Template: {rubric_label(review)}",
        f"  Mode:     {mode_label(review.mode)}{'  (cached)' if review.cached else ''}",
        f"  Score:    {score_label(review.score)}",
        f"  Findings: {counts_label(review)}",
    ]
    return lines


def _summary(review: Review) -> list[str]:
    if not review.sections:
        return []
    width = max(len(section_label(s)) for s in review.sections)
    lines = ["", "Coverage"]
    for s in review.sections:
        lines.append(
            f"  {section_label(s).ljust(width)}  {percent(s.coverage).rjust(4)}  {bar(s.coverage)}"
        )
    return lines


def _verdict(verdict: QuestionVerdict) -> list[str]:
    mark = VERDICT_MARKS[verdict.verdict]
    lines = _wrap(verdict.question, " " * 8, first=f"    {mark} ")
    place = ""
    if verdict.evidence:
        place = evidence_label(verdict.evidence[0])
        quote = verdict.evidence[0].quote
        if quote:
            lines += _wrap(f'"{quote}"' + (f" ({place})" if place else ""), " " * 8)
        elif place:
            lines += _wrap(place, " " * 8)
    if verdict.reason:
        lines += _wrap(verdict.reason, " " * 10, first=" " * 8 + "- ")
    return lines


def _finding(finding: Finding) -> list[str]:
    tag = finding.severity.value.upper()
    lines = _wrap(
        f"{finding.title} [{finding.rule_id}]",
        " " * 14,
        first=f"    {tag.ljust(8)}  ",
    )
    lines += _wrap(finding.message, " " * 14)
    for evidence in finding.evidence[:1]:
        where = evidence_label(evidence)
        if evidence.quote:
            lines += _wrap(
                f'Draft: "{evidence.quote}"' + (f" ({where})" if where else ""), " " * 14
            )
        elif where:
            lines += _wrap(f"Draft: {where}", " " * 14)
    if finding.suggested_edit is not None:
        edit = finding.suggested_edit
        lines.append(" " * 14 + f"Suggested edit ({edit_label(edit)}):")
        lines += [" " * 16 + line for line in edit.text.splitlines()]
    if finding.citations:
        lines += _wrap(f"See: {citation_label(finding.citations[0])}", " " * 14)
    return lines


def _findings(findings: list[Finding]) -> list[str]:
    lines: list[str] = []
    for kind, members in by_kind(findings):
        lines.append(f"  {KIND_LABELS[kind]}:")
        for finding in members:
            lines += _finding(finding)
    return lines


def _section(section: SectionReview) -> list[str]:
    lines = ["", f"{section_label(section)}  {percent(section.coverage)}  {bar(section.coverage)}"]
    if section.aligned:
        lines.append("  Draft headings:")
        width = max(len(a.heading) for a in section.aligned)
        for aligned in section.aligned:
            place = aligned.location.label()
            lines.append(
                f"    {aligned.heading.ljust(width)}  {place.ljust(12)}"
                f"  confidence {aligned.confidence:.2f}".rstrip()
            )
    else:
        lines.append("  Draft headings: none matched this section")
    if section.note:
        lines += _wrap(section.note, "    ", first="  Note: ")
    if section.verdicts:
        lines.append("  Questions:")
        for verdict in section.verdicts:
            lines += _verdict(verdict)
    lines += _findings(section.findings)
    return lines


def _fix_first(review: Review) -> list[str]:
    top = review.top()
    if not top:
        return []
    lines = ["", "Fix these first"]
    for number, finding in enumerate(top, start=1):
        lines += _wrap(fix_first_line(review, finding), " " * 5, first=f"  {number}. ")
    return lines


def _compact(review: Review) -> list[str]:
    """The ranked findings, a few lines each, up to SHOWN_FINDINGS."""
    ranked = rank([f for f in review.all_findings() if f.kind is not FindingKind.SUGGESTION])
    shown = ranked[:SHOWN_FINDINGS]
    lines = ["", f"Findings ({len(ranked)}, most impact first)"]
    for finding in shown:
        tag = finding.severity.value.upper()
        lines += _wrap(
            f"{finding.title} [{finding.rule_id}]", " " * 14, first=f"  {tag.ljust(10)}  "
        )
        lines += _wrap(finding.message, " " * 14)
        where = next((evidence_label(e) for e in finding.evidence if evidence_label(e)), "")
        if where:
            lines += _wrap(f"Draft: {where}", " " * 14)
        if finding.citations:
            lines += _wrap(f"See: {citation_label(finding.citations[0])}", " " * 14)
    hidden = len(ranked) - len(shown)
    edits = sum(1 for f in review.all_findings() if f.suggested_edit is not None)
    lines.append("")
    lines += _wrap(
        (f"{hidden} more findings, " if hidden else "")
        + f"the question-by-question verdicts and {edits} suggested edits: run with --all, "
        "or --diff for the edits, or --format json.",
        "  ",
    )
    return lines


def render_text(review: Review, full: bool = False) -> str:
    """The review as a plain-text terminal report: what to fix first, the coverage, and
    the ranked findings; `full` adds every section's verdicts, findings and edits."""
    lines = _header(review) + _fix_first(review) + _summary(review)
    if full:
        for section in review.sections:
            lines += _section(section)
        if review.findings:
            lines += ["", "Whole document"]
            lines += _findings(review.findings)
    else:
        lines += _compact(review)
    if review.suppressed:
        lines += ["", f"Suppressed ({len(review.suppressed)}, not counted)"]
        for line in suppression_lines(review):
            lines += _wrap(line, "    ", first="  - ")
    if review.warnings:
        lines += ["", "Warnings"]
        for warning in review.warnings:
            lines += _wrap(warning, "    ", first="  - ")
    # A bare carriage return would let a draft overwrite what the terminal shows.
    return strip_controls("\n".join(line.rstrip() for line in lines) + "\n").replace("\r", "")
