"""A design doc's text as the blocks the reviewer's loader finds in it, with edits that know
where they land: the flaw injection suite (evals/realdocs/inject.py) edits docs through this."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from app.sentences import sentences
from ingest.loaders import load_bytes
from ingest.models import BlockKind

MAX_BYTES = 10_000_000
MAX_PAGES = 500

_MARKER = re.compile(r"^(\s*(?:>\s*)*(?:(?:[-*+•]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?)?)")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}")
_HEADING_PARTS = re.compile(r"^(\s*#{0,6}\s*(?:\*\*|__)?\s*)(.*?)(\s*(?:\*\*|__)?\s*#*\s*)$")
_HEADING_NUMBER = re.compile(
    r"^((?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXivx]{1,4}\.|[A-Za-z][.)])\s+|\W+\s*)"
)
_CONNECTOR = re.compile(r"\s*(?:,|&|/|\+|\band\b|\bor\b)\s*", re.IGNORECASE)
# Words that say nothing about a heading's topic: "Monitoring plan" is about monitoring only.
_HEADING_FILLER = re.compile(
    r"the|of|for|an?|our|to|in|on|plans?|strategy|section|approach(?:es)?|models?|solutions?|"
    r"methods?|results?|overview|details|setup|systems?|process(?:es)?|design"
)


@dataclass
class Block:
    """A heading, paragraph, list item, table row (or table head) or code block: its lines."""

    kind: str  # heading | text | item | row | head | code
    start: int  # 0-based first line
    end: int  # 0-based last line, inclusive
    level: int = 0


@dataclass
class Section:
    """A heading and the blocks under it, as block indexes."""

    heading: int | None  # block index of the heading, None for text before the first heading
    level: int
    title: str
    own: list[int]  # body blocks up to the next heading of any level
    extent: list[int]  # body blocks and subsections, up to a heading of the same level


@dataclass
class DocText:
    """Raw lines with the blocks the reviewer's loader finds in them; edits are recorded per
    block and rendered once, so every edit's place in the flawed text is known."""

    lines: list[str]
    blocks: list[Block]
    suffix: str
    edits: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)
    inserts: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)
    prepend: list[tuple[str, bool]] = field(default_factory=list)
    dropped: set[int] = field(default_factory=set)  # lines between deleted blocks

    @cached_property
    def sections(self) -> list[Section]:
        """Heading-delimited sections in document order."""
        heads = [i for i, b in enumerate(self.blocks) if b.kind == "heading"]
        out: list[Section] = []
        if not heads or heads[0] > 0:
            first = heads[0] if heads else len(self.blocks)
            body = list(range(first))
            out.append(Section(None, 0, "", body, body))
        for k, h in enumerate(heads):
            level = self.blocks[h].level
            nxt = heads[k + 1] if k + 1 < len(heads) else len(self.blocks)
            stop = next(
                (j for j in heads[k + 1 :] if self.blocks[j].level <= level), len(self.blocks)
            )
            title = " ".join(self.lines[self.blocks[h].start : self.blocks[h].end + 1])
            out.append(Section(h, level, title, list(range(h + 1, nxt)), list(range(h + 1, stop))))
        return out

    def raw(self, index: int) -> list[str]:
        """The block's lines as they stand in the clean text."""
        block = self.blocks[index]
        return self.lines[block.start : block.end + 1]

    def content(self, index: int) -> tuple[str, str]:
        """(list or quote marker, the block's text on one line)."""
        raw = self.raw(index)
        prefix = _MARKER.match(raw[0])
        marker = prefix.group(1) if prefix and self.blocks[index].kind != "row" else ""
        text = " ".join([raw[0][len(marker) :].strip(), *(r.strip() for r in raw[1:])]).strip()
        return marker, text

    def current(self, index: int) -> list[str]:
        """The block's lines with the edits made so far."""
        if index in self.edits:
            return [text for text, _ in self.edits[index]]
        return self.raw(index)

    def replace(self, index: int, lines: list[str], marked: list[bool] | None = None) -> None:
        """Replace a block's lines (an empty list deletes the block)."""
        flags = marked if marked is not None else [True] * len(lines)
        self.edits[index] = list(zip(lines, flags, strict=True))

    def delete(self, indexes: Iterable[int]) -> None:
        """Delete blocks."""
        for index in indexes:
            self.edits[index] = []

    def delete_section(self, section: Section) -> None:
        """Delete a heading and everything up to the next block after its extent, blank
        lines included, so no run of empty lines is left behind."""
        assert section.heading is not None
        indexes = [section.heading, *section.extent]
        self.delete(indexes)
        after = max(indexes) + 1
        stop = self.blocks[after].start if after < len(self.blocks) else len(self.lines)
        self.dropped.update(range(self.blocks[section.heading].start, stop))

    def deleted(self, index: int) -> bool:
        """True once a block has been deleted."""
        return self.edits.get(index) == []

    def append_to(self, section: Section, sentence: str) -> None:
        """Add a sentence as a paragraph at the end of a section's own text."""
        body = [b for b in section.own if not self.deleted(b)]
        anchor = body[-1] if body else section.heading
        if anchor is None:
            self.prepend += [(sentence, True), ("", False)]
            return
        self.inserts.setdefault(anchor, []).extend([("", False), (sentence, True)])

    def render(self) -> tuple[str, list[tuple[int, int]]]:
        """The flawed text and the merged 1-based spans of every edit in it."""
        out: list[str] = []
        marks: list[int] = []
        for text, flag in self.prepend:
            out.append(text)
            if flag:
                marks.append(len(out))
        starts = {b.start: i for i, b in enumerate(self.blocks)}
        line = 0
        while line < len(self.lines):
            index = starts.get(line)
            if index is None:
                if line not in self.dropped:
                    out.append(self.lines[line])
                line += 1
                continue
            block = self.blocks[index]
            if index in self.edits:
                if not self.edits[index]:
                    marks.append(len(out) + 1)
                for text, flag in self.edits[index]:
                    out.append(text)
                    if flag:
                        marks.append(len(out))
            else:
                out.extend(self.lines[block.start : block.end + 1])
            for text, flag in self.inserts.get(index, []):
                out.append(text)
                if flag:
                    marks.append(len(out))
            line = block.end + 1
        total = max(1, len(out))
        spans: list[tuple[int, int]] = []
        for mark in sorted(min(m, total) for m in marks):
            if spans and mark <= spans[-1][1] + 1:
                spans[-1] = (spans[-1][0], max(spans[-1][1], mark))
            else:
                spans.append((mark, mark))
        return "\n".join(out), spans


def parse(text: str, suffix: str) -> DocText:
    """Blocks of the text as the reviewer's loader sees them, table rows one by one."""
    lines = text.split("\n")
    doc = load_bytes(text.encode(), f"doc.{suffix}", max_bytes=MAX_BYTES, max_pages=MAX_PAGES)
    blocks: list[Block] = []
    taken = -1
    for block in sorted(
        (b for b in doc.blocks if b.location.line_start is not None),
        key=lambda b: b.location.line_start or 0,
    ):
        start = (block.location.line_start or 1) - 1
        end = min(len(lines) - 1, (block.location.line_end or start + 1) - 1)
        if start <= taken or start > end:
            continue  # nested or repeated spans (HTML blocks re-parsed as Markdown)
        taken = end
        if block.kind is BlockKind.TABLE:
            for k in range(start, end + 1):
                head = k == start or bool(_TABLE_SEPARATOR.match(lines[k]))
                blocks.append(Block("head" if head else "row", k, k))
            continue
        kind = {
            BlockKind.HEADING: "heading",
            BlockKind.LIST_ITEM: "item",
            BlockKind.CODE: "code",
        }.get(block.kind, "text")
        blocks.append(Block(kind, start, end, block.level if kind == "heading" else 0))
    return DocText(lines, blocks, suffix)


def _heading_title(line: str) -> tuple[str, str, str]:
    """(prefix with '#', emphasis and numbering; the title; the closing emphasis)."""
    parts = _HEADING_PARTS.match(line)
    head, title, tail = (
        (parts.group(1), parts.group(2), parts.group(3)) if parts else ("", line, "")
    )
    number = _HEADING_NUMBER.match(title)
    if number:
        head, title = head + number.group(1), title[number.end() :]
    return head, title, tail


def _strip_topic(line: str, topic: re.Pattern[str]) -> str | None:
    """The heading without the topic's words ("Deployment and monitoring" -> "Deployment"),
    or None when nothing but the topic is left."""
    head, title, tail = _heading_title(line)
    kept = []
    for part in _CONNECTOR.split(topic.sub(" ", title)):
        # "(Phase 8)" or "[draft]" says nothing about what the section is about.
        words = re.findall(r"[^\W_]+", re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", part).lower())
        if any(not _HEADING_FILLER.fullmatch(w) for w in words):
            kept.append(" ".join(part.split()))
    if not kept:
        return None
    rest = kept[0] if len(kept) == 1 else ", ".join(kept[:-1]) + " and " + kept[-1]
    return head + rest[0].upper() + rest[1:] + tail


def remove_topic(doc: DocText, topic: re.Pattern[str], rename: str = "") -> bool:
    """Delete the sections about a topic (or, with `rename`, retitle them and keep their other
    text) and every sentence, list item or table row that names it; headings that name it
    among other things lose the words. True if anything was removed."""
    changed = False
    for section in doc.sections:
        if section.heading is None or doc.deleted(section.heading):
            continue
        raw = doc.raw(section.heading)
        if not topic.search(" ".join(raw)):
            continue
        stripped = _strip_topic(raw[0], topic) if len(raw) == 1 else None
        if stripped is None and rename:
            head, _, tail = _heading_title(raw[0])
            doc.replace(section.heading, [head + rename + tail])
        elif stripped is None:
            doc.delete_section(section)
        else:
            doc.replace(section.heading, [stripped])
        changed = True
    for index, block in enumerate(doc.blocks):
        if doc.deleted(index) or block.kind in ("heading", "code", "head", "row"):
            continue
        marker, text = doc.content(index)
        parts = sentences(text)
        kept = [p for p in parts if not topic.search(p)]
        if len(kept) == len(parts):
            continue
        changed = True
        if kept:
            doc.replace(index, [marker + " ".join(kept)])
        else:
            doc.delete([index])
    changed |= _remove_rows(doc, topic)
    return changed


def _tables(doc: DocText) -> list[list[int]]:
    """Block indexes of each table: consecutive head and row blocks."""
    out: list[list[int]] = []
    for index, block in enumerate(doc.blocks):
        if block.kind not in ("head", "row"):
            continue
        previous = doc.blocks[index - 1] if index else None
        if (
            out
            and previous is not None
            and previous.end == block.start - 1
            and out[-1][-1] == (index - 1)
        ):
            out[-1].append(index)
        else:
            out.append([index])
    return out


def _remove_rows(doc: DocText, topic: re.Pattern[str]) -> bool:
    """Delete table rows that name the topic; a table whose header names it goes whole,
    because the reviewer reads each row together with the header."""
    changed = False
    for table in _tables(doc):
        live = [i for i in table if not doc.deleted(i)]
        if not live:
            continue
        head = [i for i in live if doc.blocks[i].kind == "head"]
        rows = [i for i in live if doc.blocks[i].kind == "row"]
        if any(topic.search(" ".join(doc.raw(i))) for i in head):
            doc.delete(live)
            changed = True
            continue
        hit = [i for i in rows if topic.search(" ".join(doc.raw(i)))]
        if hit:
            doc.delete(live if len(hit) == len(rows) else hit)
            changed = True
    return changed


def mentions(doc: DocText, pattern: re.Pattern[str]) -> bool:
    """True when any text outside code blocks matches."""
    return any(
        pattern.search(" ".join(doc.current(i)))
        for i, b in enumerate(doc.blocks)
        if b.kind != "code" and not doc.deleted(i)
    )


def find_section(doc: DocText, *preferences: re.Pattern[str]) -> Section | None:
    """The first section whose heading matches the first pattern that any heading matches,
    else the first section with text."""
    sections = [s for s in doc.sections if s.heading is None or not doc.deleted(s.heading)]
    for pattern in preferences:
        for section in sections:
            if section.heading is not None and pattern.search(section.title):
                return section
    return next((s for s in sections if any(doc.blocks[b].kind != "code" for b in s.own)), None)
