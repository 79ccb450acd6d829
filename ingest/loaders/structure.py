"""Shared pieces for turning a document into blocks with heading paths."""

from __future__ import annotations

import re

from ingest.models import Block, BlockKind, Location

# Underscores mark emphasis only at word edges: `trips_last_hour` keeps its underscores.
_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)")
_HEADING_ID = re.compile(r"\s*\{#[\w.-]+\}\s*$")
_INLINE_HTML = re.compile(r"</?[a-zA-Z][^>]*>")
_NUMBERED_HEADING = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.{1,90})$")
_WORD = re.compile(r"[A-Za-z][\w'-]*")


def strip_inline_markup(text: str) -> str:
    """Plain text of a heading or a line: no emphasis markers, no inline HTML, no {#id}."""
    text = _HEADING_ID.sub("", text)
    text = _INLINE_HTML.sub("", text)
    for _ in range(2):
        text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(4) or "", text)
    text = text.replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def heading_id(text: str) -> str | None:
    """The explicit `{#id}` at the end of a heading, if any."""
    match = re.search(r"\{#([\w.-]+)\}\s*$", text)
    return match.group(1) if match else None


def numbered_heading_level(line: str) -> int | None:
    """Level of a numbered heading line such as '2.4 Business metrics' (2), or None.

    Sentences are not headings: the title must be short and not end like a sentence.
    """
    match = _NUMBERED_HEADING.match(line.strip())
    if not match:
        return None
    title = match.group("title").strip()
    words = _WORD.findall(title)
    if not words or len(words) > 12 or title[-1] in ".;,!?" or not title[0].isupper():
        return None
    return match.group("num").count(".") + 1


def looks_like_title_line(line: str) -> bool:
    """A short line that reads like a heading: few words, no sentence ending, capitalised."""
    text = line.strip()
    words = _WORD.findall(text)
    if not 1 <= len(words) <= 9 or len(text) > 80:
        return False
    if text[-1] in ".;,!?)" or text.startswith(("-", "*", "•")):
        return False
    if text.endswith(":"):
        return True
    capitalised = sum(1 for w in words if w[0].isupper() or len(w) <= 3)
    return text[0].isupper() and capitalised >= max(1, int(len(words) * 0.6))


class BlockBuilder:
    """Collects blocks and keeps the heading path that applies to each."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._stack: list[tuple[int, str]] = []

    @property
    def path(self) -> list[str]:
        """Current heading path, outermost first."""
        return [title for _, title in self._stack]

    @property
    def depth(self) -> int:
        """Level of the innermost open heading (0 when none)."""
        return self._stack[-1][0] if self._stack else 0

    def heading(self, title: str, level: int, location: Location) -> None:
        """Open a heading: closes headings at the same or a deeper level."""
        anchor = heading_id(title)
        title = strip_inline_markup(title)
        if not title:
            return
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
        self.blocks.append(
            Block(
                kind=BlockKind.HEADING,
                text=title,
                heading_path=self.path,
                level=level,
                anchor=anchor,
                location=location,
            )
        )

    def add(self, kind: BlockKind, text: str, location: Location, level: int = 0) -> None:
        """Add a content block under the current headings; blank text is ignored."""
        text = text.strip()
        if not text:
            return
        self.blocks.append(
            Block(kind=kind, text=text, heading_path=self.path, level=level, location=location)
        )
