"""Citation markers in a model's text: [1], [2, 3], [1][4], [2-4]. A marker may only point at a
retrieved passage; the others are removed (and counted) as the text streams, so the reader
never sees an invented citation, not even for a moment."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEP = r"\s*(?:,|;|-|–|—|and)\s*"
_MARKER = re.compile(rf"(?<![ \t])([ \t]*+)\[\s*(\d{{1,4}}(?:{_SEP}\d{{1,4}})*)\s*\]")
# The end of a buffer that may still become a marker once the next tokens arrive.
_OPEN_TAIL = re.compile(r"[ \t]*(\[[\d\s,;\-–—and]{0,40})?$")
_NUMBER_OR_RANGE = re.compile(r"(\d+)(?:\s*(?:-|–|—)\s*(\d+))?")
# A range longer than this is not a citation ("[1-100]" in a formula).
_MAX_RANGE = 30


def _numbers(body: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", body):
        match = _NUMBER_OR_RANGE.fullmatch(part.strip())
        if not match:
            continue
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start
        if end < start or end - start > _MAX_RANGE:
            out.append(start)
            continue
        out.extend(range(start, end + 1))
    return out


class MarkerFilter:
    """Cleans citation markers in text fed piece by piece.

    `feed` returns the text that is safe to show; `flush` returns the rest at the end.
    `cited` lists the valid numbers in order of first use; `removed` counts invalid ones."""

    def __init__(self, valid: Iterable[int]) -> None:
        self.valid = set(valid)
        self.cited: list[int] = []
        self.removed = 0
        self._buffer = ""

    def _replace(self, match: re.Match[str]) -> str:
        space, body = match.group(1), match.group(2)
        numbers = _numbers(body)
        kept = [n for n in dict.fromkeys(numbers) if n in self.valid]
        self.removed += len(numbers) - len([n for n in numbers if n in self.valid])
        for n in kept:
            if n not in self.cited:
                self.cited.append(n)
        if not kept:
            return ""  # the space before a dropped marker goes with it: "risk [9]." -> "risk."
        if len(kept) == len(numbers):
            return match.group(0)
        return f"{space}[{', '.join(str(n) for n in kept)}]"

    def feed(self, text: str) -> str:
        """Add streamed text; return what can be shown now."""
        self._buffer += text
        tail = _OPEN_TAIL.search(self._buffer)
        hold = tail.start() if tail else len(self._buffer)
        ready, self._buffer = self._buffer[:hold], self._buffer[hold:]
        return _MARKER.sub(self._replace, ready)

    def flush(self) -> str:
        """The text still held back, cleaned."""
        rest, self._buffer = self._buffer, ""
        return _MARKER.sub(self._replace, rest)


def clean_markers(text: str, valid: Iterable[int]) -> tuple[str, list[int], int]:
    """(text without invalid markers, valid numbers cited in order, count removed)."""
    marker_filter = MarkerFilter(valid)
    cleaned = marker_filter.feed(text) + marker_filter.flush()
    return cleaned, marker_filter.cited, marker_filter.removed
