"""Wording and lookups every report format shares, so the formats say the same thing."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from app.review.models import (
    Citation,
    Evidence,
    Finding,
    FindingKind,
    Review,
    SectionReview,
    SuggestedEdit,
    Verdict,
)
from app.rubric.models import Severity
from ingest.models import Location

VERDICT_MARKS: dict[Verdict, str] = {
    Verdict.COVERED: "[x]",
    Verdict.PARTIAL: "[~]",
    Verdict.MISSING: "[ ]",
    Verdict.NOT_APPLICABLE: "[-]",
}

VERDICT_WORDS: dict[Verdict, str] = {
    Verdict.COVERED: "covered",
    Verdict.PARTIAL: "partial",
    Verdict.MISSING: "missing",
    Verdict.NOT_APPLICABLE: "n/a",
}

# The order findings are grouped in, and the heading of each group.
KIND_LABELS: dict[FindingKind, str] = {
    FindingKind.GAP: "Gaps",
    FindingKind.RISK: "Risks",
    FindingKind.CONSISTENCY: "Consistency",
    FindingKind.SUGGESTION: "Suggestions",
}

SEVERITIES: tuple[Severity, ...] = (Severity.ERROR, Severity.WARNING, Severity.NOTE)

_OFFLINE_MODES = {"", "offline", "none"}

# C0/C1 control characters but tab, newline and carriage return: a draft must not be able to
# move a terminal's cursor or recolour a CI log through a report.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """The text without control characters (tab, newline and carriage return kept)."""
    return _CONTROLS.sub("", text)


def mode_label(mode: str) -> str:
    """'offline', or 'LLM openai:gpt-4o' when a chat model judged the draft."""
    if mode.strip().lower() in _OFFLINE_MODES or mode.startswith("offline"):
        return mode.strip() or "offline"
    return f"LLM {mode}"


def plural(count: int, word: str) -> str:
    """'1 error', '2 errors'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def counts_label(review: Review) -> str:
    """'2 errors, 1 warning, 0 notes'."""
    return ", ".join(plural(review.count(s), s.value) for s in SEVERITIES)


def score_label(score: float) -> str:
    """'71/100'."""
    return f"{score:.0f}/100"


def percent(coverage: float) -> str:
    """'62%' for a 0-100 coverage."""
    return f"{coverage:.0f}%"


def section_label(section: SectionReview) -> str:
    """'2.4 Business metrics'."""
    return f"{section.number} {section.title}".strip()


def document_label(review: Review) -> str:
    """The draft's title when it has one, else its path."""
    return review.document_title or review.document


def rubric_label(review: Review) -> str:
    """'ML system design (default, version 3f2a…)'."""
    name = review.rubric_title or review.rubric_id
    details = [review.rubric_id] if review.rubric_title else []
    details.append(f"version {review.rubric_version}")
    return f"{name} ({', '.join(details)})"


def heading_path(path: list[str]) -> str:
    """Headings joined the way people read them: 'Monitoring > Drift'."""
    return " > ".join(h for h in path if h)


def citation_label(citation: Citation) -> str:
    """'source — heading path, lines 12-20' (parts that are unknown are left out)."""
    where = ", ".join(
        p for p in (heading_path(citation.heading_path), citation.location.label()) if p
    )
    return f"{citation.source} — {where}" if where else citation.source


def citation_title(citation: Citation) -> str:
    """'title — heading', the short name of a cited passage."""
    heading = heading_path(citation.heading_path)
    return f"{citation.title} — {heading}" if heading else citation.title


def evidence_label(evidence: Evidence) -> str:
    """Where evidence sits: 'lines 40-42', 'page 3', or its section when nothing else is known."""
    return evidence.location.label() or evidence.section


def safe_url(url: str) -> str:
    """The URL when it is an absolute http(s) URL, else '' (never link `javascript:` etc.).

    Spaces, quotes, angle brackets and other characters a URL may not hold are
    percent-encoded, so the URL cannot break out of a Markdown link or an attribute."""
    url = strip_controls(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def finding_message(finding: Finding) -> str:
    """The message plus 'See: <first citation>' when the finding cites something."""
    if not finding.citations:
        return finding.message
    return f"{finding.message} See: {citation_title(finding.citations[0])}"


def by_kind(findings: list[Finding]) -> list[tuple[FindingKind, list[Finding]]]:
    """Findings grouped by kind in the fixed kind order, most severe first; empty groups out."""
    groups: list[tuple[FindingKind, list[Finding]]] = []
    for kind in KIND_LABELS:
        members = [f for f in findings if f.kind is kind]
        if members:
            members.sort(key=lambda f: -f.severity.rank)
            groups.append((kind, members))
    return groups


def section_of(review: Review, finding: Finding) -> SectionReview | None:
    """The section review a finding belongs to, if any."""
    for section in review.sections:
        if section.section_id == finding.section_id:
            return section
    return None


def finding_location(review: Review, finding: Finding) -> Location:
    """Where a finding points in the draft: its first evidence with a place, else where its
    section was found in the draft, else nowhere."""
    for evidence in finding.evidence:
        if evidence.location.label():
            return evidence.location
    section = section_of(review, finding)
    if section is not None:
        for aligned in section.aligned:
            if aligned.location.label():
                return aligned.location
    return Location()


def finding_line(review: Review, finding: Finding) -> int:
    """The draft line a finding points at (1 when no line is known; never below 1)."""
    for evidence in finding.evidence:
        if evidence.location.line_start is not None:
            return max(1, evidence.location.line_start)
    section = section_of(review, finding)
    if section is not None:
        for aligned in section.aligned:
            if aligned.location.line_start is not None:
                return max(1, aligned.location.line_start)
    return 1


def document_path(review: Review) -> str:
    """The draft's path with forward slashes, as annotations and SARIF want it."""
    return review.document.replace("\\", "/")


def edit_label(edit: SuggestedEdit) -> str:
    """What a suggested edit does: 'insert after line 42 in Business goals (new section)'."""
    if edit.action == "replace" and edit.replace_start is not None:
        end = edit.replace_end if edit.replace_end is not None else edit.replace_start
        where = f"replace lines {edit.replace_start}-{end}"
    elif edit.after_line is not None:
        where = (
            "insert at the top" if edit.after_line == 0 else f"insert after line {edit.after_line}"
        )
    else:
        where = edit.action
    if edit.anchor:
        where += f" in {edit.anchor}"
    if edit.new_section:
        where += " (new section)"
    return where


def fix_first_line(review: Review, finding: Finding) -> str:
    """One line for 'Fix these first': severity, what, where in the draft, and why."""
    where = next((evidence_label(e) for e in finding.evidence if evidence_label(e)), "")
    section = next(
        (section_label(s) for s in review.sections if s.section_id == finding.section_id), ""
    )
    if section and finding.title.startswith(section):
        section = ""  # a gap's title already names its section
    place = ", ".join(p for p in (section, where) if p) or "whole document"
    why = finding.message.split(". ")[0].rstrip(".")
    if len(why) > 160:
        why = why[:157].rstrip() + "..."
    located = f" ({place})" if place != "whole document" or not finding.section_id else ""
    end = "" if why.endswith(("...", "?", "!")) else "."
    return f"[{finding.severity.value}] {finding.title}{located}: {why}{end}"


def suppression_lines(review: Review, shown_rules: int = 4) -> list[str]:
    """One line per reason findings were silenced: the comment's line and reason, the kind
    of doc, the configuration or the baseline, with the rules it silenced."""
    groups: dict[tuple[str, str, int | None], list[str]] = {}
    for item in review.suppressed:
        groups.setdefault((item.by, item.reason, item.line), []).append(item.finding.rule_id)
    lines = []
    for (by, reason, line), rules in groups.items():
        if by == "inline":
            who = f"line {line}" if line else "a comment in the draft"
        elif by.startswith("kind:"):
            who = f"kind of doc '{by.removeprefix('kind:')}'"
        elif by == "baseline":
            who = "the baseline"
        else:
            who = "the configuration"
        listed = ", ".join(rules[:shown_rules])
        if len(rules) > shown_rules:
            listed += f" and {len(rules) - shown_rules} more"
        text = f"{who}: {plural(len(rules), 'finding')} ({listed})"
        if reason:
            text += f", because: {reason}"
        lines.append(strip_controls(text))
    return lines
