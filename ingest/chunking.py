"""Heading-aware chunking: passages never cross a heading, stay under the embedding model's
window, and keep the location (lines or pages) of the text they hold."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from ingest.models import Block, BlockKind, Chunk, Location, SourceDocument

# Shorter passages are labels or stray lines and retrieve badly.
MIN_CHUNK_CHARS = 24
# Bump when chunking changes, so that unchanged files are chunked again.
CHUNKER_VERSION = "2"


def _render(block: Block) -> str:
    if block.kind is BlockKind.LIST_ITEM:
        return "  " * max(0, block.level - 1) + "- " + block.text
    if block.kind is BlockKind.QUOTE:
        return "> " + block.text
    return block.text


def _sections(blocks: list[Block]) -> Iterator[tuple[list[str], list[Block]]]:
    """Runs of content blocks that share one heading path."""
    current: list[Block] = []
    path: list[str] = []
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            if current:
                yield path, current
            current, path = [], block.heading_path
            continue
        if block.heading_path != path and current:
            yield path, current
            current = []
        path = block.heading_path
        current.append(block)
    if current:
        yield path, current


class Chunker:
    """Splits SourceDocuments into Chunks of at most `chunk_size` characters."""

    def __init__(self, chunk_size: int = 900, chunk_overlap: int = 120) -> None:
        self.chunk_size = chunk_size
        self._overlap = chunk_overlap
        self._splitter_: Any = None

    @property
    def _splitter(self) -> Any:
        """LangChain's splitter for oversized blocks, imported on first use (a review that
        only hashes its chunker settings never loads LangChain)."""
        if self._splitter_ is None:
            from langchain_text_splitters import RecursiveCharacterTextSplitter

            self._splitter_ = RecursiveCharacterTextSplitter(
                chunk_size=self.chunk_size,
                chunk_overlap=self._overlap,
                separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            )
        return self._splitter_

    def source_hash(self, doc: SourceDocument) -> str:
        """The file's hash combined with how it is chunked: either changing re-indexes it."""
        signature = f"{CHUNKER_VERSION}:{self.chunk_size}:{self._overlap}:{doc.content_hash}"
        return hashlib.sha256(signature.encode()).hexdigest()

    def _pieces(self, blocks: list[Block]) -> Iterator[tuple[str, Location]]:
        """Pack consecutive blocks up to the chunk size; split blocks that are too long."""
        texts: list[str] = []
        loc: Location | None = None
        size = 0
        for block in blocks:
            text = _render(block)
            if len(text) > self.chunk_size:
                if texts and loc is not None:
                    yield "\n".join(texts), loc
                texts, loc, size = [], None, 0
                for part in self._splitter.split_text(text):
                    yield part, block.location
                continue
            if texts and size + len(text) + 1 > self.chunk_size and loc is not None:
                yield "\n".join(texts), loc
                texts, loc, size = [], None, 0
            texts.append(text)
            size += len(text) + 1
            loc = block.location if loc is None else loc.merge(block.location)
        if texts and loc is not None:
            yield "\n".join(texts), loc

    def split(self, doc: SourceDocument, embedding_model: str) -> list[Chunk]:
        """Chunks of a document, with ids that depend only on source, headings and text."""
        chunks: list[Chunk] = []
        seen: dict[str, int] = {}
        url = doc.metadata.get("url", "")
        source_hash = self.source_hash(doc)
        tags = [t for t in doc.metadata.get("tags", "").split(",") if t]
        for path, blocks in _sections(doc.blocks):
            # The document's own title heads every path; it is kept once, as the title.
            if path and path[0] == doc.title:
                path = path[1:]
            for text, loc in self._pieces(blocks):
                text = text.strip()
                if len(text) < MIN_CHUNK_CHARS:
                    continue
                key = "\0".join([doc.source_id, " > ".join(path), text])
                occurrence = seen.get(key, 0)
                seen[key] = occurrence + 1
                digest = hashlib.sha256(f"{key}\0{occurrence}".encode()).hexdigest()[:32]
                chunks.append(
                    Chunk(
                        id=digest,
                        text=text,
                        source_id=doc.source_id,
                        title=doc.title,
                        heading_path=path,
                        location=loc,
                        source_hash=source_hash,
                        embedding_model=embedding_model,
                        url=url,
                        tags=tags,
                    )
                )
        return chunks
