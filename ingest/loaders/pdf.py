"""PDF into blocks with page numbers, via pypdf.

pypdf gives plain lines. Headings are found by font size (larger than the body text) or by
shape (numbered titles); running headers and footers ("Page 3/12") are dropped; hard-wrapped
lines are joined into paragraphs, also across a page break.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from io import BytesIO
from typing import Any

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError

from ingest.loaders.structure import BlockBuilder, looks_like_title_line, numbered_heading_level
from ingest.models import Block, BlockKind, Location
from ingest.textrepair import normalize_bullets, repair_text

_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)
# pypdf logs recoverable damage as warnings; the loader reports what matters itself.
logging.getLogger("pypdf").setLevel(logging.ERROR)
_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+(?P<text>\S.*)$")


class PdfProblem(ValueError):
    """The PDF cannot be read; the message says why."""


def _page_lines(page: Any) -> tuple[list[str], dict[str, float]]:
    """Lines of a page, and the largest font size seen for each stripped text fragment."""
    sizes: dict[str, float] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        frag = text.strip()
        if not frag:
            return
        try:
            scale = abs(float(tm[3])) or 1.0
        except (TypeError, IndexError, ValueError):
            scale = 1.0
        effective = float(size or 0) * scale
        bold = bool(font) and "bold" in str(font.get("/BaseFont", "")).lower()
        # Bold body-size text weighs a little more, so bold run-in headings are found too.
        sizes[frag] = max(sizes.get(frag, 0.0), effective + (0.5 if bold else 0.0))

    text = page.extract_text(visitor_text=visit) or ""
    return text.split("\n"), sizes


def _strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and lines repeated at the top or bottom of most pages."""

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().lower())

    edge: Counter[str] = Counter()
    for lines in pages:
        content = [ln for ln in lines if ln.strip()]
        for ln in {*content[:2], *content[-2:]}:
            edge[key(ln)] += 1
    threshold = max(2, int(len(pages) * 0.5) + 1) if len(pages) >= 3 else 10**9
    repeated = {k for k, n in edge.items() if n >= threshold}
    cleaned = []
    for lines in pages:
        cleaned.append(
            [ln for ln in lines if not _PAGE_NUMBER.match(ln) and key(ln) not in repeated]
        )
    return cleaned


def read_pdf(
    data: bytes,
    max_pages: int,
    *,
    max_unpacked: int,
    read_seconds: float,
    warnings: list[str] | None = None,
) -> list[tuple[int, list[str], dict[str, float]]]:
    """(page number, lines, font sizes) for each page read. Raises PdfProblem with a reason.

    No stream unpacks to more than `max_unpacked` bytes (a Flate bomb stops there), and
    pages are read for at most `read_seconds`: the pages read by then are kept, and a line
    in `warnings` says how many were skipped."""
    limits: dict[str, Any] = {
        name: max_unpacked
        for name in (
            "zlib_maximum_output_length",
            "lzw_maximum_output_length",
            "run_length_maximum_output_length",
            "brotli_maximum_output_length",
            "array_based_stream_maximum_output_length",
            "jbig2_maximum_output_length",
            "maximum_declared_stream_length",
            "image_maximum_buffer_size",
        )
    }
    try:
        with apply_configuration(**limits):
            pages = _read_pages(data, max_pages, read_seconds, warnings)
    except PdfProblem:
        raise
    except LimitReachedError as exc:
        raise PdfProblem(
            f"PDF over the reading limits ({exc}; MLSD_MAX_UNPACKED_MB is "
            f"{max_unpacked / 1e6:.0f} MB)"
        ) from exc
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, OSError, IndexError) as exc:
        raise PdfProblem(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(line.strip() for _, lines, _ in pages for line in lines):
        raise PdfProblem("no text layer (a scanned PDF?); run OCR first or export text")
    return pages


def _read_pages(
    data: bytes, max_pages: int, read_seconds: float, warnings: list[str] | None
) -> list[tuple[int, list[str], dict[str, float]]]:
    reader = PdfReader(BytesIO(data))
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as exc:  # pypdf raises several types for unsupported crypto
            raise PdfProblem("encrypted PDF; remove the password and try again") from exc
        if not ok:
            raise PdfProblem("encrypted PDF; remove the password and try again")
    count = len(reader.pages)
    if count > max_pages:
        raise PdfProblem(f"{count} pages, over the limit of {max_pages} (MLSD_MAX_PAGES)")
    deadline = time.monotonic() + read_seconds
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        if number > 1 and time.monotonic() > deadline:
            if warnings is not None:
                warnings.append(
                    f"read {number - 1} of {count} pages in {read_seconds:g} s; pages "
                    f"{number} to {count} were not read (MLSD_READ_SECONDS)"
                )
            break
        lines, sizes = _page_lines(page)
        pages.append((number, lines, sizes))
    return pages


def parse_pdf(
    data: bytes,
    max_pages: int,
    *,
    max_unpacked: int,
    read_seconds: float,
    warnings: list[str] | None = None,
) -> tuple[str, list[Block]]:
    """Clean text and blocks of a PDF (limits as read_pdf). Raises PdfProblem."""
    pages = read_pdf(
        data, max_pages, max_unpacked=max_unpacked, read_seconds=read_seconds, warnings=warnings
    )
    cleaned = _strip_running_lines([lines for _, lines, _ in pages])
    all_sizes = Counter[float]()
    for (_, _, sizes), lines in zip(pages, cleaned, strict=True):
        for ln in lines:
            size = sizes.get(ln.strip())
            if size:
                all_sizes[round(size, 1)] += len(ln)
    body_size = all_sizes.most_common(1)[0][0] if all_sizes else 0.0
    heading_sizes = sorted({s for s in all_sizes if s >= body_size + 1.0}, reverse=True)

    builder = BlockBuilder()
    para: list[str] = []
    para_loc: Location | None = None
    full_text: list[str] = []

    def flush() -> None:
        nonlocal para, para_loc
        if para and para_loc is not None:
            builder.add(BlockKind.PARAGRAPH, " ".join(para), para_loc)
        para, para_loc = [], None

    for (number, _, sizes), lines in zip(pages, cleaned, strict=True):
        lengths = [len(ln.strip()) for ln in lines if ln.strip()]
        typical = sorted(lengths)[len(lengths) * 3 // 4] if lengths else 80
        for raw in lines:
            line = normalize_bullets(repair_text(raw)).strip()
            if not line:
                flush()
                continue
            full_text.append(line)
            loc = Location(page=number, page_end=number)
            size = round(sizes.get(raw.strip(), 0.0), 1)
            level: int | None = None
            if size in heading_sizes and len(line) < 120:
                level = heading_sizes.index(size) + 1
            elif (numbered := numbered_heading_level(line)) is not None:
                level = numbered
            elif size > body_size and looks_like_title_line(line):
                level = len(heading_sizes) + 1
            if level is not None:
                flush()
                builder.heading(line, level, loc)
                continue
            item = _LIST_LINE.match(line)
            if item:
                flush()
                builder.add(BlockKind.LIST_ITEM, item.group("text"), loc, level=1)
                continue
            para_loc = para_loc.merge(loc) if para and para_loc is not None else loc
            para.append(line)
            # A short line ending a sentence closes the paragraph.
            if line[-1] in ".!?:" and len(line) < typical * 0.8:
                flush()
        # A paragraph whose last line does not end a sentence continues on the next page.
        if para and para[-1][-1] in ".!?:":
            flush()
    flush()
    return "\n".join(full_text), builder.blocks
