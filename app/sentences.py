"""Sentence splitting and placeholder detection shared by the rubric parser and the reviewer."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"\b(e\.g|i\.e|etc|vs|cf|approx|incl|fig|no|mr|ms|dr|est|avg|resp)\.$", re.IGNORECASE
)
# Text that stands in for content not written yet.
PLACEHOLDER = re.compile(
    r"\b(TBD|TBC|TBA|TODO|FIXME|XXX)\b|\blorem ipsum\b|\?{3,}|"
    r"\[(insert|add|fill|placeholder)[^\]]*\]|<(insert|placeholder|fill)[^>]*>|"
    r"(?<![\w.$])\$?X{1,3}(\.X+)?\s?(%|ms|s\b|k\b|M\b|qps\b|users\b|per\b)|"
    r"\bN\s?%|\bto be (decided|determined|defined|confirmed)\b",
    re.IGNORECASE,
)
# Case matters for the short markers: "todo" in prose is rare, "TBD" is the convention.
_PLACEHOLDER_CASE = re.compile(r"\b(tbd|tbc|tba|todo|fixme|xxx)\b")


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as 'e.g.' inside them."""
    parts = _SENTENCE_END.split(text.strip())
    out: list[str] = []
    for part in parts:
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [p.strip() for p in out if p.strip()]


def is_placeholder(text: str) -> bool:
    """True when the text holds a placeholder (TBD, TODO, 'X%', '[insert ...]', lorem ipsum)."""
    match = PLACEHOLDER.search(text)
    if not match:
        return False
    word = match.group(1)
    # Lower-case 'todo' or 'tbd' inside prose is not a marker.
    return not (word and _PLACEHOLDER_CASE.fullmatch(word))


# Text addressed to a reviewer or a model rather than describing the system.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|guidelines)\b|"
    r"\b(score|rate|grade)\b.{0,30}\b(100|10/10|five stars|perfect|full marks)\b|"
    r"\bmark\b.{0,40}\b(as )?(covered|complete|passed|approved)\b|"
    r"\b(system prompt|you are (now )?(an?|the) (ai|assistant|language model|reviewer))\b|"
    r"\b(as an ai|reviewer,? (please|you must))\b",
    re.IGNORECASE,
)


def is_instruction(text: str) -> bool:
    """True for text that tries to instruct the reviewer ("ignore previous instructions")."""
    return bool(_INSTRUCTION.search(text))
