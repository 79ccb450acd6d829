"""Is this a design doc at all? A changelog or a code file renamed .md gets a clear word,
not a wall of false gaps.

Three checks, each on the draft alone (no model, any template): most lines are code; most
headings are versions or dates; or the text uses almost none of the words ML design is made of.
"""

from __future__ import annotations

import re

from app.draft import Draft
from app.rubric.models import Rubric

# Share of non-blank lines that look like code at which a draft is taken for a code file.
CODE_LINE_SHARE = 0.6
# Share of headings that are versions or dates at which a draft is taken for a changelog.
VERSION_HEADING_SHARE = 0.6
# A draft that uses fewer distinct words of ML engineering than this is not about an ML
# system (whatever the template); only checked once it has enough sentences to tell.
MIN_ML_TERMS = 3
MIN_SENTENCES_TO_TELL = 15
_ML_TERMS = re.compile(
    r"\b(model|training|trained|train|predict|prediction|inference|feature|dataset|data set|"
    r"label|classifier|classification|regression|ranking|recommend|forecast|embedding|"
    r"neural|machine learning|\bml\b|\bai\b|llm|accuracy|precision|recall|metric|evaluat|"
    r"baseline|deploy|serving|pipeline|drift|monitor|retrain|algorithm|fine-tun|overfit)\w*",
    re.IGNORECASE,
)

# Matched against a stripped line (a pattern starting with \s* would backtrack over every
# indentation width: a line of 4,000 spaces took seconds).
_CODE_LINE = re.compile(
    r"^(def |class |import |from \S+ import |return\b|if .*:$|for .*:$|while .*:$|"
    r"#include|function\b|const |let |var |public |private |package |using |@\w+|"
    r"[\w.\[\]]+\s*=\s*\S|[})\];]+\s*$|.*[;{]\s*$|//|/\*|\*/)"
)
_VERSION = re.compile(
    r"^\s*\[?v?\d+\.\d+(\.\d+)?([-+.\w]*)?\]?(\s*[-–(]\s*\d{4}-\d\d-\d\d\)?)?\s*$|"
    r"^\s*\[?unreleased\]?\s*$|^\s*\d{4}-\d\d-\d\d\s*$",
    re.IGNORECASE,
)


# Longer lines are prose (or minified code, which no design doc is either).
_MAX_CODE_LINE = 400


def _code_share(draft: Draft) -> float:
    lines = [line.strip() for line in draft.text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return 0.0
    code = sum(1 for line in lines if len(line) <= _MAX_CODE_LINE and _CODE_LINE.match(line))
    return code / len(lines)


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
        found = {m.group(0).lower()[:6] for t in usable for m in _ML_TERMS.finditer(t)}
        if len(found) < MIN_ML_TERMS:
            return f"it uses {len(found)} of the words an ML design doc is made of"
    return ""
