"""HTML into blocks: headings, paragraphs, list items, code and tables in document order."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from ingest.loaders.structure import BlockBuilder
from ingest.models import Block, BlockKind, Location
from ingest.textrepair import repair_text

_DROP = (
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "noscript",
    "svg",
    "form",
    "summary",
    "button",
    "iframe",
)
_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "tr", "dt", "dd")


def parse_html(html: str) -> tuple[str, list[Block], str]:
    """Clean text, blocks (location = element index) and the page title."""
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP):
        tag.decompose()
    root = soup.body or soup
    builder = BlockBuilder()
    texts: list[str] = []
    for index, el in enumerate(root.find_all(_BLOCKS), start=1):
        if not isinstance(el, Tag):
            continue
        # An element inside another block element was already taken with its parent.
        if el.name not in ("tr",) and el.find_parent(["p", "li", "pre", "blockquote", "dd"]):
            continue
        loc = Location(paragraph=index)
        if el.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in el.find_all(["td", "th"])]
            text = " | ".join(cells)
        else:
            text = el.get_text("\n" if el.name == "pre" else " ", strip=el.name != "pre")
        text = repair_text(text).strip()
        if not text:
            continue
        texts.append(text)
        if el.name[0] == "h" and el.name[1:].isdigit():
            builder.heading(text, int(el.name[1]), loc)
        elif el.name == "li":
            builder.add(BlockKind.LIST_ITEM, text, loc, level=1)
        elif el.name == "pre":
            builder.add(BlockKind.CODE, text, loc)
        elif el.name == "tr":
            builder.add(BlockKind.TABLE, text, loc)
        elif el.name == "blockquote":
            builder.add(BlockKind.QUOTE, text, loc)
        else:
            builder.add(BlockKind.PARAGRAPH, text, loc)
    if not title:
        first = next((b for b in builder.blocks if b.kind is BlockKind.HEADING), None)
        title = first.text if first else ""
    return "\n".join(texts), builder.blocks, repair_text(title)
