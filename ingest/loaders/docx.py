"""DOCX into blocks with paragraph indexes, via python-docx."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from ingest.loaders.structure import BlockBuilder, numbered_heading_level
from ingest.models import Block, BlockKind, Location
from ingest.textrepair import normalize_bullets, repair_text


class DocxProblem(ValueError):
    """The DOCX cannot be read; the message says why."""


def _heading_level(style_name: str) -> int | None:
    name = style_name.lower()
    if name == "title":
        return 1
    match = re.match(r"heading\s*(\d)", name)
    return int(match.group(1)) if match else None


# Parts a .docx may hold: more is a zip bomb of tiny entries, not a document.
MAX_PARTS = 2_000


def check_unpacked_size(data: bytes, max_unpacked: int) -> None:
    """Refuse a .docx whose parts unpack to more than `max_unpacked` bytes (a zip bomb) or
    that holds too many parts, before any part is read. The sizes are those the archive
    declares; reading never goes past them (zipfile stops at the declared size)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DocxProblem(f"corrupt or not a DOCX file ({type(exc).__name__})") from exc
    if len(entries) > MAX_PARTS:
        raise DocxProblem(f"{len(entries)} parts in the archive, over the limit of {MAX_PARTS}")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > max_unpacked:
        raise DocxProblem(
            f"unpacks to {unpacked / 1e6:.0f} MB, over the limit of "
            f"{max_unpacked / 1e6:.0f} MB (MLSD_MAX_UNPACKED_MB; a zip bomb?)"
        )


def parse_docx(data: bytes, max_unpacked: int) -> tuple[str, list[Block], str]:
    """Clean text, blocks and the document title (core property) of a DOCX file. Raises
    DocxProblem for a damaged file or one over the unpacked-size limit."""
    check_unpacked_size(data, max_unpacked)
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from lxml.etree import LxmlError

    try:
        document = Document(BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError) as exc:
        raise DocxProblem(f"corrupt or not a DOCX file ({type(exc).__name__})") from exc

    builder = BlockBuilder()
    texts: list[str] = []
    last_level = 0
    index = 0
    for item in document.iter_inner_content():
        index += 1
        loc = Location(paragraph=index)
        if isinstance(item, Table):
            rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows]
            text = repair_text("\n".join(rows))
            texts.append(text)
            builder.add(BlockKind.TABLE, text, loc)
            continue
        assert isinstance(item, Paragraph)
        text = normalize_bullets(repair_text(item.text)).strip()
        if not text:
            continue
        texts.append(text)
        style = item.style.name if item.style is not None and item.style.name else ""
        level = _heading_level(style)
        runs = [r for r in item.runs if r.text.strip()]
        all_bold = bool(runs) and all(r.bold for r in runs)
        if level is None and all_bold and len(text) < 100 and not text.endswith((".", ":")):
            level = min(6, last_level + 1)
        if level is None and len(text) < 100:
            level = numbered_heading_level(text)
        if level is not None:
            builder.heading(text, level, loc)
            last_level = level
            continue
        is_list = "list" in style.lower() or (
            item._p.pPr is not None and item._p.pPr.numPr is not None
        )
        if is_list or text.startswith("- "):
            builder.add(BlockKind.LIST_ITEM, text.removeprefix("- "), loc, level=1)
        else:
            builder.add(BlockKind.PARAGRAPH, text, loc)
    title = (document.core_properties.title or "").strip()
    return "\n".join(texts), builder.blocks, title
