"""Is this a design doc at all? A changelog or a code file renamed .md gets a clear word,
not a wall of false gaps.

Three checks, each on the draft alone (no model): most lines are code; most headings are
versions or dates; or the text touches almost none of the template's topics.
"""

from __future__ import annotations

import re

from app.draft import Draft
from app.review.sections import section_cues
from app.rubric.models import Rubric

# Share of non-blank lines that look like code at which a draft is taken for a code file.
CODE_LINE_SHARE = 0.6
# Share of headings that are versions or dates at which a draft is taken for a changelog.
VERSION_HEADING_SHARE = 0.6
# A draft whose sentences touch fewer template sections than this (by their topic cues)
# is not about an ML system; only checked once it has enough sentences to tell.
MIN_TOPICS = 4
MIN_SENTENCES_TO_TELL = 15

_CODE_LINE = re.compile(
    r"^\s*(def |class |import |from \S+ import |return\b|if .*:$|for .*:$|while .*:$|"
    r"#include|function\b|const |let |var |public |private |package |using |@\w+|"
    r"[\w.\[\]]+\s*=\s*\S|[})\];]+\s*$|.*[;{]\s*$|//|/\*|\*/)"
)
_VERSION = re.compile(
    r"^\s*\[?v?\d+\.\d+(\.\d+)?([-+.\w]*)?\]?(\s*[-–(]\s*\d{4}-\d\d-\d\d\)?)?\s*$|"
    r"^\s*\[?unreleased\]?\s*$|^\s*\d{4}-\d\d-\d\d\s*$",
    re.IGNORECASE,
)


def _code_share(draft: Draft) -> float:
    lines = [line for line in draft.text.splitlines() if line.strip()]
    if not lines:
        return 0.0
    return sum(1 for line in lines if _CODE_LINE.match(line)) / len(lines)


def not_a_design_doc(draft: Draft, rubric: Rubric) -> str:
    """Why the draft is not a design doc ('' when it may well be one)."""
    if draft.format in ("markdown", "text") and _code_share(draft) >= CODE_LINE_SHARE:
        return "it reads like source code"
    headings = [s.heading for s in draft.sections if s.heading]
    if len(headings) >= 3:
        versions = sum(1 for h in headings if _VERSION.match(h))
        if versions / len(headings) >= VERSION_HEADING_SHARE:
            return "it reads like a changelog"
    usable = [s.text for s in draft.evidence]
    if len(usable) >= MIN_SENTENCES_TO_TELL:
        touched = sum(
            1
            for section in rubric.sections
            if any(r.search(t) for t in usable for r in section_cues(section))
        )
        if touched < min(MIN_TOPICS, len(rubric.sections)):
            return f"it touches only {touched} of the template's {len(rubric.sections)} topics"
    return ""
