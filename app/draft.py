"""A draft design doc as sections and sentences, each with its place in the file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from app.sentences import is_instruction, is_placeholder, sentences
from ingest.errors import LoadError
from ingest.loaders import DEFAULT_MAX_UNPACKED, DEFAULT_READ_SECONDS, load_bytes, read_file
from ingest.models import Block, BlockKind, Location, SourceDocument
from ingest.textrepair import decode_bytes

# Sentences shorter than this carry no evidence ("Yes.", a lone label).
MIN_SENTENCE_CHARS = 12
# The judged text may hold max_sentences times this many characters (prose sentences average
# about 100 to 150): a draft of pasted logs or one endless paragraph costs no more to embed
# than one of ordinary sentences.
CHARS_PER_SENTENCE = 120


class DraftSentence(BaseModel):
    """One sentence (or list item, or table row) of the draft."""

    text: str
    section: int
    location: Location
    placeholder: bool = False
    instruction: bool = False  # text aimed at the reviewer, not about the system


class DraftSection(BaseModel):
    """A heading and what stands under it, up to the next heading."""

    index: int
    heading: str
    level: int
    path: list[str] = Field(default_factory=list)
    location: Location = Field(default_factory=Location)
    text: str = ""

    @property
    def body_chars(self) -> int:
        """Length of the section's own text."""
        return len(self.text)


class Draft(BaseModel):
    """A parsed draft: sections in order, sentences with locations, the raw text."""

    source_id: str
    title: str
    format: str
    content_hash: str
    text: str
    raw_lines: list[str] = Field(default_factory=list)
    sections: list[DraftSection]
    sentences: list[DraftSentence]
    warnings: list[str] = Field(default_factory=list)

    @property
    def has_headings(self) -> bool:
        """False when the draft is one block of text with no headings at all."""
        return any(s.heading for s in self.sections)

    @property
    def evidence(self) -> list[DraftSentence]:
        """Sentences that can count as evidence: not placeholders, not instructions."""
        return [s for s in self.sentences if not (s.placeholder or s.instruction)]

    @property
    def instructions(self) -> list[DraftSentence]:
        """Sentences that try to instruct the reviewer; they are never evidence."""
        return [s for s in self.sentences if s.instruction]

    @property
    def placeholders(self) -> list[DraftSentence]:
        """Sentences that hold a placeholder (TBD, TODO, X%...)."""
        return [s for s in self.sentences if s.placeholder]

    @property
    def word_count(self) -> int:
        """Words in the draft's content."""
        return sum(len(s.text.split()) for s in self.sentences)


def _block_sentences(block: Block) -> list[tuple[str, Location]]:
    """Sentences of a block with the line each starts on (Markdown keeps line breaks)."""
    loc = block.location
    if block.kind in (BlockKind.LIST_ITEM, BlockKind.QUOTE):
        parts = sentences(block.text.replace("\n", " "))
        return [(p, loc) for p in parts] if len(parts) > 1 else [(block.text, loc)]
    if block.kind is BlockKind.TABLE:
        rows = block.text.split("\n")
        header = rows[0] if rows else ""
        out = []
        for i, row in enumerate(rows[1:], start=1):
            line = loc.line_start + i if loc.line_start is not None else None
            # Keep the header with each row: "Metric | Target" + "p99 latency | 80 ms".
            out.append(
                (
                    f"{header}: {row}",
                    loc.model_copy(
                        update={
                            "line_start": line + 1 if line else None,
                            "line_end": line + 1 if line else None,
                        }
                    ),
                )
            )
        return out or [(block.text, loc)]
    if block.kind is BlockKind.CODE:
        return []
    text = block.text
    flat = text.replace("\n", " ")
    out = []
    cursor = 0
    breaks = 0  # line breaks before `counted`, counted once each (a long block is linear)
    counted = 0

    def line_breaks_before(at: int) -> int:
        nonlocal breaks, counted
        if at > counted:
            breaks += text.count("\n", counted, at)
            counted = at
        return breaks

    for sentence in sentences(flat):
        # Find where the sentence starts in the original text to count line breaks before it.
        at = flat.find(sentence[:20], cursor)
        if at < 0:
            at = cursor
        cursor = at + len(sentence)
        if loc.line_start is not None:
            start = loc.line_start + line_breaks_before(at)
            end = loc.line_start + line_breaks_before(min(len(text), cursor))
            out.append((sentence, loc.model_copy(update={"line_start": start, "line_end": end})))
        else:
            out.append((sentence, loc))
    return out


def _cut_warning(judged: str, where: Location) -> str:
    setting = "MLSD_MAX_SECTIONS" if "sections" in judged else "MLSD_MAX_SENTENCES"
    return (
        f"judged {judged} ({setting}); the rest of the draft, from {_where(where)} on, was not read"
    )


def _where(loc: Location) -> str:
    if loc.line_start is not None:
        return f"line {loc.line_start}"
    if loc.page is not None:
        return f"page {loc.page}"
    if loc.paragraph is not None:
        return f"paragraph {loc.paragraph}"
    return "there"


def draft_from_document(
    doc: SourceDocument,
    raw_text: str = "",
    *,
    max_sections: int | None = None,
    max_sentences: int | None = None,
) -> Draft:
    """Sections and sentences of a loaded document; past `max_sections` sections or
    `max_sentences` sentences the rest is not read, and a warning says from where."""
    sections: list[DraftSection] = []
    sents: list[DraftSentence] = []
    texts: list[list[str]] = []
    warnings = list(doc.warnings)
    # What embedding costs is text, not sentences: long pieces count for several sentences.
    budget = max_sentences * CHARS_PER_SENTENCE if max_sentences is not None else None
    judged = 0
    for block in doc.blocks:
        if (
            max_sections is not None
            and block.kind is BlockKind.HEADING
            and len(sections) >= max_sections
        ):
            warnings.append(_cut_warning(f"the first {max_sections} sections", block.location))
            break
        if block.kind is BlockKind.HEADING:
            sections.append(
                DraftSection(
                    index=len(sections),
                    heading=block.text,
                    level=block.level,
                    path=block.heading_path,
                    location=block.location,
                )
            )
            texts.append([])
            continue
        if not sections:
            sections.append(DraftSection(index=0, heading="", level=0, location=block.location))
            texts.append([])
        current = sections[-1]
        current.location = current.location.merge(block.location)
        texts[-1].append(block.text)
        cut: Location | None = None
        for sentence, loc in _block_sentences(block):
            if (max_sentences is not None and len(sents) >= max_sentences) or (
                budget is not None and judged >= budget
            ):
                cut = loc
                break
            judged += len(sentence)
            if len(sentence) < MIN_SENTENCE_CHARS and not is_placeholder(sentence):
                continue
            sents.append(
                DraftSentence(
                    text=sentence,
                    section=current.index,
                    location=loc,
                    placeholder=is_placeholder(sentence),
                    instruction=is_instruction(sentence),
                )
            )
        if cut is not None:
            limit = (
                f"the first {max_sentences} sentences"
                if max_sentences is not None and len(sents) >= max_sentences
                else f"the first {judged:,} characters"
            )
            warnings.append(_cut_warning(limit, cut))
            break
    for section, parts in zip(sections, texts, strict=True):
        section.text = "\n".join(parts)
    return Draft(
        source_id=doc.source_id,
        title=doc.title,
        format=doc.format.value,
        content_hash=doc.content_hash,
        text=doc.text,
        raw_lines=raw_text.split("\n") if raw_text else [],
        sections=sections,
        sentences=sents,
        warnings=warnings,
    )


def draft_lines_text(data: bytes) -> str:
    """A text draft's own lines, numbered as the parser numbers them: decoded as the loader
    decodes it (UTF-16, Latin-1...), with CR and CRLF line ends read as LF (a file saved
    with old Mac line ends is one 'line' to a plain split)."""
    try:
        text = decode_bytes(data).text
    except ValueError:
        text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_draft(
    path: Path,
    source_id: str | None = None,
    *,
    max_bytes: int,
    max_pages: int,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    read_seconds: float = DEFAULT_READ_SECONDS,
    max_sections: int | None = None,
    max_sentences: int | None = None,
) -> Draft:
    """Load a draft file (Markdown, text, PDF, DOCX). Raises LoadError. The limits are
    Settings.draft_limits (see load_bytes and draft_from_document)."""
    name = source_id or str(path)
    if path.is_dir():
        raise LoadError(name, "is a folder, not a file")
    # Refuses FIFOs and devices without blocking, and never reads past the limit.
    data = read_file(path, name, max_bytes)
    return load_draft_bytes(
        data,
        name,
        max_bytes=max_bytes,
        max_pages=max_pages,
        max_unpacked=max_unpacked,
        read_seconds=read_seconds,
        max_sections=max_sections,
        max_sentences=max_sentences,
    )


def load_draft_bytes(
    data: bytes,
    name: str,
    *,
    max_bytes: int,
    max_pages: int,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    read_seconds: float = DEFAULT_READ_SECONDS,
    max_sections: int | None = None,
    max_sentences: int | None = None,
) -> Draft:
    """Load an uploaded draft. Raises LoadError."""
    doc = load_bytes(
        data,
        name,
        max_bytes=max_bytes,
        max_pages=max_pages,
        max_unpacked=max_unpacked,
        read_seconds=read_seconds,
    )
    # The file's own lines (not the repaired text) are what a suggested-edit diff applies to.
    raw = draft_lines_text(data) if doc.format.value in ("markdown", "text") else ""
    return draft_from_document(doc, raw, max_sections=max_sections, max_sentences=max_sentences)
