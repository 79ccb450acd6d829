"""Typed contracts between the ingestion stages: documents, blocks and chunks."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class DocFormat(StrEnum):
    """Formats the loaders read."""

    MARKDOWN = "markdown"
    TEXT = "text"
    PDF = "pdf"
    DOCX = "docx"
    HTML = "html"


class BlockKind(StrEnum):
    """What a block of a document is."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    CODE = "code"
    TABLE = "table"
    QUOTE = "quote"


class Location(BaseModel):
    """Where a passage sits in its file: a line span (text formats), a page (PDF), a paragraph
    index (DOCX). Lines and pages count from 1."""

    line_start: int | None = None
    line_end: int | None = None
    page: int | None = None
    page_end: int | None = None
    paragraph: int | None = None

    def merge(self, other: Location) -> Location:
        """The smallest location that covers both."""

        def lo(a: int | None, b: int | None) -> int | None:
            return (
                min(x for x in (a, b) if x is not None) if a is not None or b is not None else None
            )

        def hi(a: int | None, b: int | None) -> int | None:
            return (
                max(x for x in (a, b) if x is not None) if a is not None or b is not None else None
            )

        return Location(
            line_start=lo(self.line_start, other.line_start),
            line_end=hi(self.line_end, other.line_end),
            page=lo(self.page, other.page),
            page_end=hi(self.page_end or self.page, other.page_end or other.page),
            paragraph=lo(self.paragraph, other.paragraph),
        )

    def label(self) -> str:
        """Short human form: 'lines 12-30', 'page 4', 'pages 4-5', 'paragraph 7'."""
        if self.page is not None:
            end = self.page_end if self.page_end is not None else self.page
            return f"page {self.page}" if end == self.page else f"pages {self.page}-{end}"
        if self.line_start is not None:
            end = self.line_end if self.line_end is not None else self.line_start
            return (
                f"line {self.line_start}"
                if end == self.line_start
                else (f"lines {self.line_start}-{end}")
            )
        if self.paragraph is not None:
            return f"paragraph {self.paragraph}"
        return ""


class Block(BaseModel):
    """One structural unit of a document with the path of headings above it."""

    kind: BlockKind
    text: str
    heading_path: list[str] = Field(default_factory=list)
    level: int = 0  # heading level for HEADING blocks, nesting depth for list items
    anchor: str | None = None  # explicit `{#id}` of a Markdown heading
    location: Location = Field(default_factory=Location)


class SourceDocument(BaseModel):
    """A loaded file: clean text split into blocks, plus front-matter metadata."""

    source_id: str
    title: str
    format: DocFormat
    text: str
    blocks: list[Block]
    content_hash: str
    metadata: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


class Chunk(BaseModel):
    """A retrievable passage. `id` is a content hash, stable across runs."""

    id: str
    text: str
    source_id: str
    title: str
    heading_path: list[str]
    location: Location
    source_hash: str
    embedding_model: str
    url: str = ""
    tags: list[str] = Field(default_factory=list)  # from front matter: sections, topics
    # Absolute location of the file the chunk came from (see ingest.pipeline.entry_path):
    # what pruning compares, since a source id may be relative to a working directory.
    path: str = ""

    @property
    def heading_label(self) -> str:
        """Heading path joined the way people read it: 'Monitoring > Drift'."""
        return " > ".join(self.heading_path)

    def embedding_text(self) -> str:
        """What is embedded: the headings give a short passage its topic."""
        context = " > ".join([self.title, *self.heading_path[-2:]])
        return f"{context}\n{self.text}"
