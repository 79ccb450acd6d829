"""Load files of any supported format into a SourceDocument.

`load_path` reads a file from disk; `load_bytes` takes an upload. Both raise LoadError with a
one-line reason (empty, binary, corrupt, encrypted, too large, unsupported format).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ingest.errors import LoadError
from ingest.loaders.docx import DocxProblem, parse_docx
from ingest.loaders.html import parse_html
from ingest.loaders.markdown import parse_markdown, split_front_matter
from ingest.loaders.pdf import PdfProblem, parse_pdf
from ingest.loaders.text import looks_like_markdown, parse_text
from ingest.models import BlockKind, DocFormat, SourceDocument
from ingest.textrepair import decode_bytes, normalize_bullets, repair_text

__all__ = ["PARSER_VERSION", "SUFFIXES", "LoadError", "load_bytes", "load_path", "supported"]

# Bump when parsing changes what a file yields, so unchanged files are ingested again.
PARSER_VERSION = "1"

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
    path: Path, source_id: str | None = None, *, max_bytes: int, max_pages: int
) -> SourceDocument:
    """Read and parse one file. Raises LoadError naming the file and the reason."""
    name = source_id or str(path)
    if not path.exists():
        raise LoadError(name, "no such file")
    if path.is_dir():
        raise LoadError(name, "is a folder, not a file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                name, f"{size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(name, f"cannot read ({exc.strerror or exc})") from exc
    return load_bytes(data, name, max_bytes=max_bytes, max_pages=max_pages)


def load_bytes(data: bytes, name: str, *, max_bytes: int, max_pages: int) -> SourceDocument:
    """Parse the bytes of a file called `name` (its suffix picks the format)."""
    suffix = Path(name).suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        known = ", ".join(sorted(SUFFIXES))
        raise LoadError(name, f"unsupported format '{suffix or 'no suffix'}' (use one of {known})")
    if not data.strip():
        raise LoadError(name, "empty file")
    if len(data) > max_bytes:
        raise LoadError(
            name, f"{len(data) / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB"
        )
    meta: dict[str, Any] = {}
    warnings: list[str] = []
    title = ""
    if fmt is DocFormat.PDF:
        if not data.startswith(b"%PDF"):
            raise LoadError(name, "not a PDF (no %PDF header)")
        try:
            text, blocks = parse_pdf(data, max_pages)
        except PdfProblem as exc:
            raise LoadError(name, str(exc)) from exc
    elif fmt is DocFormat.DOCX:
        try:
            text, blocks, title = parse_docx(data)
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
            meta, body, offset = split_front_matter(text)
            blocks = parse_markdown(body, offset)
        elif fmt is DocFormat.HTML:
            text, blocks, title = parse_html(text)
        else:
            blocks = parse_text(text)
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
        metadata=_flat_metadata(meta),
        warnings=warnings,
    )


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
