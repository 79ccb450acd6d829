"""Markdown tables inside quoted passages. A quote holds a row or two, so each row is rendered as
'header: value' pairs: read on one terminal line, away from its header, it still says what its
cells are ("Signal: Health · Metric: p99 latency · Alert rule: p99 above 150 ms")."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The line under a table's header: |---|:--:|---|
_SEPARATOR = re.compile(
    r"^\s*+\|?\s*+:?-++:?\s*+(\|\s*+:?-++:?\s*+)+\|?\s*+$|^\s*+\|\s*+:?-++:?\s*+\|\s*+$"
)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
CELL_JOIN = " · "
# Header cells are labels: longer ones, or ones with figures, are data.
_HEADER_CELL = 40


@dataclass(frozen=True)
class Segment:
    """A stretch of a passage: prose (`text`), or a table (`rows`, each rendered on its own)."""

    text: str = ""
    rows: tuple[str, ...] = ()


def _is_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") or " | " in stripped


def cells(line: str) -> list[str]:
    """The cells of a table row, without the outer pipes."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(text)]


def render_row(row: list[str], header: list[str]) -> str:
    """'Header: value · Header: value' for the row's non-empty cells; the bare values joined
    when the table has no header (or not one that fits the row)."""
    if header and len(header) == len(row):
        pairs = [f"{h}: {v}" if h else v for h, v in zip(header, row, strict=True) if v]
        return CELL_JOIN.join(pairs)
    return CELL_JOIN.join(v for v in row if v)


def _is_header(row: list[str]) -> bool:
    """A row of short labels without figures: 'Signal | Metric | Alert rule'."""
    return all(len(c) <= _HEADER_CELL and not any(ch.isdigit() for ch in c) for c in row)


def _table(lines: list[str]) -> tuple[str, ...] | None:
    """The rendered rows of a run of pipe lines, or None when the run is not a table (a lone
    line with a pipe in it).

    The knowledge base stores a table as 'a | b' lines, its header first and no separator
    line; a Markdown draft has one. Without a separator, the first row is the header when it
    looks like one: a chunk that starts in the middle of a table has none."""
    separators = [i for i, line in enumerate(lines) if _SEPARATOR.match(line)]
    if separators:
        first = separators[0]
        header = cells(lines[first - 1]) if first > 0 else []
        body = [line for i, line in enumerate(lines) if i > first and i not in separators]
    elif len(lines) >= 2 and all(len(cells(line)) >= 2 for line in lines):
        header = cells(lines[0]) if _is_header(cells(lines[0])) else []
        body = lines[1:] if header else lines
    else:
        return None
    rows = (render_row(cells(line), header) for line in body)
    return tuple(row for row in rows if row)


def split_tables(text: str) -> list[Segment]:
    """The passage as prose and tables, in order."""
    lines = text.split("\n")
    out: list[Segment] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        if not _is_row(lines[i]):
            prose.append(lines[i])
            i += 1
            continue
        end = i
        while end < len(lines) and _is_row(lines[end]):
            end += 1
        rows = _table(lines[i:end])
        if rows is None:
            prose.extend(lines[i:end])
        else:
            if prose:
                out.append(Segment(text="\n".join(prose)))
                prose = []
            if rows:
                out.append(Segment(rows=rows))
        i = end
    if prose:
        out.append(Segment(text="\n".join(prose)))
    return out
