"""Checks from a template's prose, for sections that ask no explicit question.

Real templates often guide with prose ("Why the problem is important to solve, and why now")
or with fill-in lines ("p99 latency < `y` ms") instead of questions. Each such sentence or
item says what the draft must say, so it becomes a check; a fill-in placeholder means a number
is expected. Questions that hold a parenthesis ("... (e.g., GDPR?)") are kept whole.
"""

from __future__ import annotations

import re

from app.sentences import sentences

MAX_PROSE_CHECKS = 6
MIN_CHECK_WORDS = 3
MAX_CHECK_CHARS = 300

# Fill-ins that stand for a figure: `y` ms, X%, <number>, ___, [N], TBD ms.
_FILL_IN = re.compile(
    r"`[A-Za-z]{1,2}`|`[^`]{0,12}\b[xyzXYZN]\b[^`]{0,12}`|\b[XYNxy]\s*(%|ms|s|qps|rps|k|m|gb|tb|\$)"
    r"|\$\s*[XYN]\b|<\s*(number|value|n|x|target)\s*>|_{3,}|\[\s*(x|y|n|number|value|target)\s*\]"
    r"|\b(TBD|TBC)\s*(%|ms|s)\b",
)
# Openers that only say what the section is ("This section describes ...").
_META = re.compile(
    r"^(in this section,?\s+|this section\s+(should|must|will|can)?\s*"
    r"(describes?|explains?|covers?|lists?|outlines?|summari[sz]es?|contains?|"
    r"is (for|about|where))\s*)",
    re.IGNORECASE,
)
_NOT_GUIDANCE = re.compile(
    r"^(e\.g\.|for example|example:|note:|tip:|see |optional\b|delete this|remove this|"
    r"\(.*\)\.?$)",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """A question, also when it ends inside a parenthesis or quote: '... (e.g., GDPR?)'."""
    return text.rstrip(" )]\"'”’*_.").endswith("?")


def balanced_sentences(text: str) -> list[str]:
    """Sentences, with pieces the splitter cut inside a parenthesis joined again."""
    out: list[str] = []
    for piece in sentences(text):
        if out and out[-1].count("(") > out[-1].count(")"):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def unfinished(question: str) -> bool:
    """A question cut short: an open parenthesis, or ending on a comma or 'e.g.'."""
    stripped = question.rstrip()
    return (
        stripped.count("(") > stripped.count(")")
        or stripped.endswith((",", "(", ":", ";"))
        or stripped.lower().endswith(("e.g.", "i.e.", "e.g.,"))
    )


def expects_number(text: str) -> bool:
    """Whether a fill-in in the guidance stands for a figure."""
    return bool(_FILL_IN.search(text))


def prose_checks(paragraphs: list[str]) -> list[str]:
    """What a section's prose says the draft must cover, as up to MAX_PROSE_CHECKS checks:
    its sentences and list items in the order they come."""
    candidates = [
        sentence for paragraph in paragraphs for sentence in balanced_sentences(paragraph)
    ]
    checks: list[str] = []
    seen: set[str] = set()
    for raw in candidates:
        text = " ".join(raw.split()).strip()
        text = _META.sub("", text).strip()
        if not text or _NOT_GUIDANCE.match(text):
            continue
        if len(text.split()) < MIN_CHECK_WORDS and not expects_number(text):
            continue
        text = text[0].upper() + text[1:]
        if len(text) > MAX_CHECK_CHARS:
            text = text[: MAX_CHECK_CHARS - 3].rsplit(" ", 1)[0] + "..."
        key = text.lower()
        if key in seen:
            continue
        seen.add(key)
        checks.append(text)
        if len(checks) == MAX_PROSE_CHECKS:
            break
    return checks


def title_check(title: str) -> str:
    """The one check of a heading with no guidance at all: that the draft covers it."""
    return f"What does the document say about {title.strip().rstrip(':?').lower()}?"
