"""The Markdown report: GitHub-flavoured, fit for a pull-request comment or a docs page."""

from __future__ import annotations

import re

from app.reports._common import (
    KIND_LABELS,
    VERDICT_MARKS,
    VERDICT_WORDS,
    by_kind,
    citation_label,
    counts_label,
    document_label,
    edit_label,
    evidence_label,
    fix_first_line,
    mode_label,
    percent,
    rubric_label,
    safe_url,
    score_label,
    section_label,
    strip_controls,
    suppression_lines,
)
from app.review.findings import rank
from app.review.models import (
    Citation,
    Finding,
    FindingKind,
    QuestionVerdict,
    Review,
    SectionReview,
)

# Characters that would start Markdown or HTML markup inside inline text.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_BLOCK_START = re.compile(r"^([#>+=-])")
_ESCAPED = r"\\\1"


def inline(text: str) -> str:
    """Text safe inside a Markdown paragraph or table cell: one line, markup and HTML defused."""
    text = " ".join(strip_controls(text).split())
    # '<' is enough to stop a tag; '&' keeps entities in the draft from being decoded.
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _INLINE_SPECIAL.sub(_ESCAPED, text)


def code_span(text: str) -> str:
    """Text as an inline code span, fenced with more backticks than it holds."""
    text = " ".join(strip_controls(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def blockquote(text: str, indent: str = "") -> list[str]:
    """A passage as a Markdown blockquote, one '> ' per line."""
    lines = [inline(line) for line in strip_controls(text).strip().splitlines()] or [""]
    # A quoted line must not turn into a heading, a nested quote or a list item.
    return [f"{indent}> {_BLOCK_START.sub(_ESCAPED, line)}".rstrip() for line in lines]


def fenced(text: str, info: str, indent: str = "") -> list[str]:
    """Text in a fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    body = [f"{indent}{line}".rstrip() for line in strip_controls(text).splitlines()]
    return [f"{indent}{fence}{info}", *body, f"{indent}{fence}"]


def _summary(review: Review) -> list[str]:
    lines = [
        f"# mlsd review: {inline(document_label(review))}",
        "",
        "| | |",
        "| --- | --- |",
        f"| Document | {code_span(review.document)} ({inline(review.document_format)}) |",
        f"| Template | {inline(rubric_label(review))} |",
        f"| Mode | {inline(mode_label(review.mode))}{' (cached)' if review.cached else ''} |",
        f"| Score | **{score_label(review.score)}** |",
        f"| Findings | {counts_label(review)} |",
    ]
    if review.sections:
        lines += [
            "",
            "| Section | Coverage | Findings | Draft headings |",
            "| --- | ---: | ---: | --- |",
        ]
        for s in review.sections:
            headings = ", ".join(f"{inline(a.heading)} ({a.confidence:.2f})" for a in s.aligned)
            lines.append(
                f"| {inline(section_label(s))} | {percent(s.coverage)} | {len(s.findings)}"
                f" | {headings or '—'} |"
            )
    return lines


def _verdict_row(verdict: QuestionVerdict) -> str:
    evidence = ""
    if verdict.evidence:
        first = verdict.evidence[0]
        where = evidence_label(first)
        quote = f"“{inline(first.quote)}”" if first.quote else ""
        evidence = " ".join(p for p in (quote, f"({inline(where)})" if where else "") if p)
    mark = inline(VERDICT_MARKS[verdict.verdict])
    return (
        f"| {mark} {VERDICT_WORDS[verdict.verdict]} | {inline(verdict.question)}"
        f" | {evidence or '—'} | {inline(verdict.reason) or '—'} |"
    )


def _citation(citation: Citation, indent: str) -> list[str]:
    url = safe_url(citation.url)
    link = f" ([link](<{url}>))" if url else ""
    lines = [
        f"{indent}- Source: **{inline(citation.title)}** — {inline(citation_label(citation))}"
        f" (score {citation.score:.2f}){link}"
    ]
    lines += blockquote(citation.quote, indent + "  ")
    return lines


def _finding(finding: Finding) -> list[str]:
    lines = [
        f"- **{finding.severity.value}** · **{inline(finding.title)}**"
        f" {code_span(finding.rule_id)}",
        f"  {inline(finding.message)}",
    ]
    for evidence in finding.evidence:
        where = evidence_label(evidence)
        if evidence.quote:
            lines.append(f"  - Draft{f' ({inline(where)})' if where else ''}:")
            lines += blockquote(evidence.quote, "    ")
        elif where:
            lines.append(f"  - Draft: nothing found ({inline(where)})")
    if finding.suggested_edit is not None:
        lines.append(f"  - Suggested edit ({inline(edit_label(finding.suggested_edit))}):")
        lines.append("")
        lines += fenced(finding.suggested_edit.text, "markdown", "    ")
        lines.append("")
    for citation in finding.citations:
        lines += _citation(citation, "  ")
    return lines


def _findings(findings: list[Finding], level: str) -> list[str]:
    lines: list[str] = []
    for kind, members in by_kind(findings):
        lines += ["", f"{level} {KIND_LABELS[kind]}", ""]
        for finding in members:
            lines += _finding(finding)
    return lines


def _section(section: SectionReview) -> list[str]:
    lines = ["", f"## {inline(section_label(section))} — {percent(section.coverage)}", ""]
    if section.aligned:
        found = "; ".join(
            f"**{inline(a.heading)}** ("
            + ", ".join(p for p in (a.location.label(), f"confidence {a.confidence:.2f}") if p)
            + ")"
            for a in section.aligned
        )
        lines.append(f"Draft headings: {found}")
    else:
        lines.append("Draft headings: none matched this section.")
    if section.note:
        lines += ["", f"_{inline(section.note)}_"]
    if section.verdicts:
        lines += [
            "",
            "| Verdict | Question | Evidence | Reason |",
            "| --- | --- | --- | --- |",
        ]
        lines += [_verdict_row(v) for v in section.verdicts]
    lines += _findings(section.findings, "###")
    return lines


# Lines of the summary before its section table; findings the default report shows.
SUMMARY_HEAD = 9
SHOWN_FINDINGS = 20


def _fix_first(review: Review) -> list[str]:
    top = review.top()
    if not top:
        return []
    lines = ["", "## Fix these first", ""]
    lines += [f"{i}. {inline(fix_first_line(review, f))}" for i, f in enumerate(top, start=1)]
    return lines


def _compact(review: Review) -> list[str]:
    ranked = rank([f for f in review.all_findings() if f.kind is not FindingKind.SUGGESTION])
    shown = ranked[:SHOWN_FINDINGS]
    lines = ["", f"## Findings ({len(ranked)}, most impact first)", ""]
    for finding in shown:
        lines.append(
            f"- **{finding.severity.value}** · **{inline(finding.title)}**"
            f" {code_span(finding.rule_id)}: {inline(finding.message)}"
        )
        if finding.citations:
            lines.append(f"  - See: {inline(citation_label(finding.citations[0]))}")
    hidden = len(ranked) - len(shown)
    lines += [
        "",
        "_"
        + (f"{hidden} more findings, " if hidden else "")
        + "the question-by-question verdicts and the suggested edits are in the full report "
        "(`--all`) and in the JSON report._",
    ]
    return lines


def render_markdown(review: Review, full: bool = False) -> str:
    """The review as GitHub-flavoured Markdown: what to fix first, the coverage and the
    ranked findings; `full` adds every section's verdicts, findings, edits and citations."""
    summary = _summary(review)
    # What to fix first goes right under the document's details, above the section table.
    lines = summary[:SUMMARY_HEAD] + _fix_first(review) + summary[SUMMARY_HEAD:]
    if full:
        for section in review.sections:
            lines += _section(section)
        if review.findings:
            lines += ["", "## Whole document"]
            lines += _findings(review.findings, "###")
    else:
        lines += _compact(review)
    if review.suppressed:
        lines += ["", f"## Suppressed ({len(review.suppressed)}, not counted)", ""]
        lines += [f"- {inline(line)}" for line in suppression_lines(review)]
    if review.warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- {inline(w)}" for w in review.warnings]
    return "\n".join(lines) + "\n"
