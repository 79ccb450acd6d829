"""Markdown into blocks: front matter, headings (also bold-only lines), lists, tables, code,
and the HTML that real templates carry (`<details>`, `<summary>`, `<aside>`)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.loaders.structure import BlockBuilder, strip_inline_markup
from ingest.models import Block, BlockKind, Location
from ingest.safe_yaml import UnsafeYamlError, load_yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SUMMARY = re.compile(r"<summary>.*?</summary>", re.DOTALL | re.IGNORECASE)
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<text>[^*_\n]{2,100}?)\1\s*$")

_parser = MarkdownIt("commonmark").enable("table")


def split_front_matter(
    text: str, warnings: list[str] | None = None
) -> tuple[dict[str, Any], str, int]:
    """Return (metadata, body, number of lines the front matter took).

    Front matter with YAML aliases, anchors or tags, or over the size limit, is dropped (with
    a line in `warnings`): expanding it could take unbounded memory (a "billion laughs").
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, 0
    try:
        data = load_yaml(match.group(1))
    except UnsafeYamlError as exc:
        if warnings is not None:
            warnings.append(f"front matter ignored: {exc}")
        return {}, text[match.end() :], match.group(0).count("\n")
    except yaml.YAMLError:
        return {}, text, 0
    if not isinstance(data, dict):
        return {}, text, 0
    return data, text[match.end() :], match.group(0).count("\n")


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: links keep their text, images their alt text."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return strip_inline_markup_keep_lines("".join(parts))


def strip_inline_markup_keep_lines(text: str) -> str:
    """strip_inline_markup line by line, so that line structure survives."""
    return "\n".join(strip_inline_markup(line) for line in text.split("\n")).strip()


def _location(token: Token, offset: int) -> Location:
    if token.map is None:
        return Location()
    return Location(line_start=token.map[0] + offset + 1, line_end=token.map[1] + offset)


def _bold_heading(raw_line: str) -> str | None:
    """A paragraph that is one bold line and reads like a title is a heading in real docs."""
    match = _BOLD_LINE.match(raw_line)
    if not match:
        return None
    text = match.group("text").strip()
    if text.endswith(":") or text.endswith("."):
        return None
    return text


def parse_markdown(body: str, line_offset: int = 0) -> list[Block]:
    """Blocks of a Markdown body; `line_offset` is the number of lines before it in the file."""
    tokens = _parser.parse(body)
    lines = body.split("\n")
    builder = BlockBuilder()
    list_depth = 0
    quote_depth = 0
    real_heading_level = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind == "heading_open":
            level = int(tok.tag[1])
            builder.heading(tokens[i + 1].content, level, _location(tok, line_offset))
            real_heading_level = level
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
        elif kind == "paragraph_open":
            inline = tokens[i + 1]
            loc = _location(tok, line_offset)
            raw = lines[tok.map[0]] if tok.map and tok.map[1] - tok.map[0] == 1 else ""
            bold = _bold_heading(raw) if not list_depth and not quote_depth else None
            if bold:
                builder.heading(bold, min(6, real_heading_level + 1), loc)
            else:
                text = _inline_text(inline)
                if list_depth:
                    builder.add(BlockKind.LIST_ITEM, text, loc, level=list_depth)
                elif quote_depth:
                    builder.add(BlockKind.QUOTE, text, loc)
                else:
                    builder.add(BlockKind.PARAGRAPH, text, loc)
            i += 3
            continue
        elif kind in ("fence", "code_block"):
            builder.add(BlockKind.CODE, tok.content, _location(tok, line_offset))
        elif kind == "html_block":
            text = _TAG.sub(" ", _SUMMARY.sub(" ", tok.content))
            text = re.sub(r"[ \t]+", " ", text).strip()
            if text:
                # HTML blocks may hold Markdown once the tags are gone (e.g. inside <aside>).
                for block in parse_markdown(text, 0):
                    if block.kind is not BlockKind.HEADING:
                        builder.add(block.kind, block.text, _location(tok, line_offset))
        elif kind == "table_open":
            j, rows = i, []
            row: list[str] = []
            while tokens[j].type != "table_close":
                if tokens[j].type == "inline":
                    row.append(_inline_text(tokens[j]))
                elif tokens[j].type == "tr_close":
                    rows.append(" | ".join(row))
                    row = []
                j += 1
            builder.add(BlockKind.TABLE, "\n".join(rows), _location(tok, line_offset))
            i = j + 1
            continue
        i += 1
    return builder.blocks
