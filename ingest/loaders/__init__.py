"""Load files of any supported format into a SourceDocument.

`load_path` reads a file from disk; `load_bytes` takes an upload. Both raise LoadError with a
one-line reason (empty, binary, corrupt, encrypted, too large, unsupported format).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import Any, NamedTuple

from ingest.errors import LoadError
from ingest.loaders.markdown import parse_markdown, split_front_matter
from ingest.loaders.text import looks_like_markdown, parse_text
from ingest.models import Block, BlockKind, DocFormat, SourceDocument
from ingest.textrepair import decode_bytes, normalize_bullets, repair_text

__all__ = [
    "PARSER_VERSION",
    "SUFFIXES",
    "LoadError",
    "file_kind",
    "load_bytes",
    "load_path",
    "read_file",
    "supported",
]

# Bump when parsing changes what a file yields, so unchanged files are ingested again.
PARSER_VERSION = "1"

# Defaults of the limits app.settings declares (max_unpacked_mb, read_seconds).
DEFAULT_MAX_UNPACKED = 50_000_000
DEFAULT_READ_SECONDS = 20.0

SUFFIXES: dict[str, DocFormat] = {
    ".md": DocFormat.MARKDOWN,
    ".markdown": DocFormat.MARKDOWN,
    ".mdx": DocFormat.MARKDOWN,
    ".txt": DocFormat.TEXT,
    ".text": DocFormat.TEXT,
    ".rst": DocFormat.TEXT,
    ".pdf": DocFormat.PDF,
    ".docx": DocFormat.DOCX,
    ".html": DocFormat.HTML,
    ".htm": DocFormat.HTML,
}


def supported(path: Path) -> bool:
    """True when a loader reads files with this name."""
    return path.suffix.lower() in SUFFIXES


def content_hash(data: bytes) -> str:
    """Hash of a file's bytes and the parser version."""
    return hashlib.sha256(PARSER_VERSION.encode() + b"\0" + data).hexdigest()


def load_path(
    path: Path,
    source_id: str | None = None,
    *,
    max_bytes: int,
    max_pages: int,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    read_seconds: float = DEFAULT_READ_SECONDS,
) -> SourceDocument:
    """Read and parse one file. Raises LoadError naming the file and the reason."""
    name = source_id or str(path)
    data = read_file(path, name, max_bytes)
    return load_bytes(
        data,
        name,
        max_bytes=max_bytes,
        max_pages=max_pages,
        max_unpacked=max_unpacked,
        read_seconds=read_seconds,
    )


def read_file(path: Path, name: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most `max_bytes` of them. Raises LoadError.

    A FIFO, device or socket is refused without reading from it (a FIFO would block
    forever, /dev/zero never ends), and a file is never read past the limit, whatever size
    it claims (a /proc file says 0 bytes).
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as exc:
        dangling = os.path.islink(path)
        raise LoadError(name, "broken symbolic link" if dangling else "no such file") from exc
    except IsADirectoryError as exc:
        raise LoadError(name, "is a folder, not a file") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LoadError(name, "symbolic link loop") from exc
        raise LoadError(name, f"cannot read ({exc.strerror or exc})") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LoadError(name, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(name, f"not a regular file ({file_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise LoadError(name, _too_large(info.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            block = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
    except OSError as exc:
        raise LoadError(name, f"cannot read ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
    if size > max_bytes:
        # The file grew, or its size was not known in advance (a /proc file, a pipe).
        raise LoadError(name, f"larger than the limit of {max_bytes / 1e6:.0f} MB")
    return b"".join(chunks)


def _too_large(size: int, max_bytes: int) -> str:
    return f"{size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB"


def file_kind(mode: int) -> str:
    """What a non-regular file is, for messages: 'FIFO', 'device', 'socket'."""
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"


def load_bytes(
    data: bytes,
    name: str,
    *,
    max_bytes: int,
    max_pages: int,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    read_seconds: float = DEFAULT_READ_SECONDS,
) -> SourceDocument:
    """Parse the bytes of a file called `name` (its suffix picks the format).

    Limits: `max_bytes` of file, `max_pages` of PDF, `max_unpacked` bytes out of a .docx
    archive or one PDF stream, and `read_seconds` of PDF text extraction (the pages read by
    then are kept, with a warning naming what was skipped)."""
    suffix = Path(name).suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        known = ", ".join(sorted(SUFFIXES))
        raise LoadError(name, f"unsupported format '{suffix or 'no suffix'}' (use one of {known})")
    if not data.strip():
        raise LoadError(name, "empty file")
    if len(data) > max_bytes:
        raise LoadError(name, _too_large(len(data), max_bytes))
    warnings: list[str] = []
    try:
        limits = _Limits(max_pages, max_unpacked, read_seconds)
        text, blocks, title, meta = _parse(data, name, fmt, limits, warnings)
        metadata = _flat_metadata(meta)
    except LoadError:
        raise
    except Exception as exc:
        # A parser library can fail in ways it does not document (lxml, zlib, recursion in
        # a pathological nest): one bad file is a one-line error, never a crash.
        raise LoadError(name, f"cannot parse this file ({_one_line(exc)})") from exc
    if not blocks:
        raise LoadError(name, "no text found")
    title = str(meta.get("title") or title or "").strip()
    if not title:
        first = next((b for b in blocks if b.kind is BlockKind.HEADING), None)
        title = first.text if first else Path(name).stem.replace("-", " ").replace("_", " ")
    return SourceDocument(
        source_id=name,
        title=repair_text(title),
        format=fmt,
        text=text,
        blocks=blocks,
        content_hash=content_hash(data),
        metadata=metadata,
        warnings=warnings,
    )


def _one_line(exc: BaseException) -> str:
    detail = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class _Limits(NamedTuple):
    max_pages: int
    max_unpacked: int
    read_seconds: float


def _parse(
    data: bytes, name: str, fmt: DocFormat, limits: _Limits, warnings: list[str]
) -> tuple[str, list[Block], str, dict[str, Any]]:
    """(text, blocks, title, front matter) of a file's bytes. Raises LoadError."""
    meta: dict[str, Any] = {}
    title = ""
    # The PDF, DOCX and HTML parsers (pypdf, python-docx, BeautifulSoup) are imported only
    # for their own formats: a command that reads Markdown starts without them.
    if fmt is DocFormat.PDF:
        from ingest.loaders.pdf import PdfProblem, parse_pdf

        if not data.startswith(b"%PDF"):
            raise LoadError(name, "not a PDF (no %PDF header)")
        try:
            text, blocks = parse_pdf(
                data,
                limits.max_pages,
                max_unpacked=limits.max_unpacked,
                read_seconds=limits.read_seconds,
                warnings=warnings,
            )
        except PdfProblem as exc:
            raise LoadError(name, str(exc)) from exc
    elif fmt is DocFormat.DOCX:
        from ingest.loaders.docx import DocxProblem, parse_docx

        try:
            text, blocks, title = parse_docx(data, limits.max_unpacked)
        except DocxProblem as exc:
            raise LoadError(name, str(exc)) from exc
    else:
        try:
            decoded = decode_bytes(data)
        except ValueError as exc:
            raise LoadError(name, str(exc)) from exc
        warnings.extend(decoded.warnings)
        text = normalize_bullets(repair_text(decoded.text))
        if fmt is DocFormat.MARKDOWN or (fmt is DocFormat.TEXT and looks_like_markdown(text)):
            meta, body, offset = split_front_matter(text, warnings)
            blocks = parse_markdown(body, offset)
        elif fmt is DocFormat.HTML:
            from ingest.loaders.html import parse_html

            text, blocks, title = parse_html(text)
        else:
            blocks = parse_text(text)
    return text, blocks, title, meta


def _flat_metadata(meta: dict[str, Any]) -> dict[str, str]:
    """Front matter as strings; the URL comes from `url`, `canonical` or the first source."""
    out: dict[str, str] = {}
    for key in ("title", "url", "canonical", "license", "author", "summary"):
        if meta.get(key):
            out[key] = str(meta[key])
    if "url" not in out:
        if "canonical" in out:
            out["url"] = out["canonical"]
        else:
            sources = meta.get("sources")
            if isinstance(sources, list) and sources and isinstance(sources[0], dict):
                url = sources[0].get("url")
                if url:
                    out["url"] = str(url)
    tags = [
        str(t)
        for key in ("sections", "topics", "tags")
        if isinstance(meta.get(key), list)
        for t in meta[key]
    ]
    if tags:
        out["tags"] = ",".join(dict.fromkeys(tags))
    sources = meta.get("sources")
    if isinstance(sources, list):
        titles = [str(s.get("title", "")) for s in sources if isinstance(s, dict)]
        out["sources"] = "; ".join(t for t in titles if t)
    return out
