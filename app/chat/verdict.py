"""What the review found, said first: a question about one of the draft's own sections ("Is my
monitoring section enough?") is answered by the review's verdict for that template section
before the guide passages. The review is computed once per draft and chat session and handed
to the chat as a DraftReview value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.chat.section_match import match_section
from app.review.models import FindingKind, Review, SectionReview, Verdict
from app.rubric.models import Rubric

# Open questions listed in the verdict, and the longest one shown.
MAX_OPEN = 4
MAX_FLAGGED = 3
_QUESTION_CHARS = 70
# Each alternative starts where its leading spaces start (no quadratic search in a long
# run of spaces).
_ASIDE = re.compile(
    r"(?<!\s)\s*+\((?:[^()]*)\)|(?<![\s,]),?\s*+\b(?:for example|e\.g\.|such as)\b[^,;?]*"
)
_STATUS = {"not_applicable": "not applicable"}


@dataclass(frozen=True)
class DraftReview:
    """The review of the chat's draft and the rubric it was judged against.

    `rubric` adds each section's aliases and cues to what a question is matched with; it is
    dropped when it is not the version the review used (sections are then matched by their
    titles, guiding questions and aligned headings alone)."""

    review: Review
    rubric: Rubric | None = None

    def __post_init__(self) -> None:
        if self.rubric is not None and self.rubric.version != self.review.rubric_version:
            object.__setattr__(self, "rubric", None)

    def section_for(self, question: str) -> SectionReview | None:
        """The reviewed section the question asks about, or None (see match_section)."""
        return match_section(question, self.review, self.rubric)

    def verdict_for(self, *questions: str) -> tuple[SectionReview, str] | None:
        """The section and its verdict text for the first question that names one."""
        for question in questions:
            section = self.section_for(question)
            if section is not None:
                return section, verdict_text(section)
        return None


def compact_question(text: str, limit: int = _QUESTION_CHARS) -> str:
    """A guiding question short enough for a list: asides and examples dropped, cut at a
    clause when still long. 'How will drift be detected, with which statistic and which
    alert threshold?' -> 'How will drift be detected, with which statistic and which alert
    threshold'."""
    short = " ".join(_ASIDE.sub("", text).split()).rstrip(" ?.,;")
    if len(short) <= limit:
        return short
    cut = short[:limit]
    clause = max(cut.rfind(", "), cut.rfind("; "))
    if clause >= limit // 2:
        return cut[:clause]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…"


def _where(section: SectionReview) -> str:
    """Where the draft answers the section: its best-matching heading and lines."""
    if not section.aligned:
        return "no heading of its own"
    best = max(section.aligned, key=lambda a: a.confidence)
    place = best.location.label()
    if best.heading.strip().lower() == section.title.strip().lower():
        where = place or "its own heading"
    else:
        where = f'under "{best.heading}"' + (f", {place}" if place else "")
    others = len(section.aligned) - 1
    if others:
        where += f", and {others} more heading{'s' if others > 1 else ''}"
    return where


def _open(section: SectionReview) -> str:
    missing = [v for v in section.verdicts if v.verdict is Verdict.MISSING]
    partial = [v for v in section.verdicts if v.verdict is Verdict.PARTIAL]
    items = [compact_question(v.question) for v in missing]
    items += [f"{compact_question(v.question)} (partly)" for v in partial]
    if not items:
        return "" if section.status == "not_applicable" else "Open: none."
    more = len(items) - MAX_OPEN
    shown = "; ".join(items[:MAX_OPEN])
    if more > 0:
        return f"Open: {shown}; and {more} more."
    return f"Open: {shown}" + ("" if shown.endswith("…") else ".")


def _flagged(section: SectionReview) -> str:
    kinds = (FindingKind.RISK, FindingKind.CONSISTENCY)
    titles = list(dict.fromkeys(f.title for f in section.findings if f.kind in kinds))
    if not titles:
        return ""
    return "Flagged: " + "; ".join(titles[:MAX_FLAGGED]) + "."


def verdict_text(section: SectionReview) -> str:
    """The review's verdict for one section, in a few lines: where the draft answers it, its
    status and coverage, the open questions in short, and the risks the review flagged.

    'Your draft's "Testing, monitoring and drift" section (under "Monitoring", lines 40-52):
    partial, coverage 50%.' then 'Open: ...' and 'Flagged: ...'."""
    status = _STATUS.get(section.status, section.status)
    head = f'Your draft\'s "{section.title}" section ({_where(section)}): {status}'
    if section.status != "not_applicable":
        head += f", coverage {section.coverage:.0f}%"
    lines = [head + ".", _open(section), _flagged(section)]
    return "\n".join(line for line in lines if line)
