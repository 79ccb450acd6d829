"""Plain text into blocks, guessing headings from the shape of lines."""

from __future__ import annotations

import re

from ingest.loaders.structure import BlockBuilder, looks_like_title_line, numbered_heading_level
from ingest.models import Block, BlockKind, Location

_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")


def heading_level_of_line(line: str, prev_blank: bool, next_line: str) -> int | None:
    """Level of a plain-text heading line, or None for body text.

    Recognises Markdown hashes, numbered headings ('2.1 Data'), labels ending with ':' on their
    own line ('Problem Navigation:'), and short capitalised lines set apart by blank lines.
    """
    stripped = line.strip()
    if not stripped:
        return None
    md = _MD_HEADING.match(stripped)
    if md:
        return len(md.group("hashes"))
    numbered = numbered_heading_level(stripped)
    if numbered is not None and prev_blank:
        return numbered
    if _LIST_LINE.match(line):
        return None
    if prev_blank and looks_like_title_line(stripped):
        next_stripped = next_line.strip()
        if stripped.endswith(":"):
            return 2
        if stripped.isupper() and len(stripped) > 3:
            return 1
        # A title line is followed by a blank line or by body text, not by more title lines.
        if not next_stripped or len(next_stripped) > len(stripped):
            return 3
    return None


def looks_like_markdown(text: str) -> bool:
    """Many .txt files are Markdown: two or more '#' heading lines say so."""
    return len(re.findall(r"^#{1,6}\s+\S", text, re.MULTILINE)) >= 2


def parse_text(text: str) -> list[Block]:
    """Blocks of a plain-text document; locations are 1-based line spans."""
    lines = text.split("\n")
    builder = BlockBuilder()
    para: list[str] = []
    para_start = 0

    def flush(end: int) -> None:
        nonlocal para
        if para:
            loc = Location(line_start=para_start + 1, line_end=end)
            builder.add(BlockKind.PARAGRAPH, " ".join(s.strip() for s in para), loc)
            para = []

    prev_blank = True
    for idx, line in enumerate(lines):
        next_line = lines[idx + 1] if idx + 1 < len(lines) else ""
        if not line.strip():
            flush(idx)
            prev_blank = True
            continue
        level = heading_level_of_line(line, prev_blank, next_line)
        loc = Location(line_start=idx + 1, line_end=idx + 1)
        if level is not None:
            flush(idx)
            md = _MD_HEADING.match(line.strip())
            title = md.group("text") if md else line.strip().rstrip(":")
            builder.heading(title, level, loc)
        elif (item := _LIST_LINE.match(line)) is not None:
            flush(idx)
            depth = 1 + (len(line) - len(line.lstrip())) // 2
            builder.add(BlockKind.LIST_ITEM, item.group("text"), loc, level=depth)
        else:
            if not para:
                para_start = idx
            para.append(line)
        prev_blank = False
    flush(len(lines))
    return builder.blocks
