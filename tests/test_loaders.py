"""Loaders turn every supported format into clean blocks with heading paths and locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import LoadError
from ingest.loaders import load_bytes, load_path
from ingest.models import BlockKind, DocFormat, SourceDocument
from tests.conftest import FIXTURES, SEEDS

LIMITS = {"max_bytes": 5_000_000, "max_pages": 50}


def load(name: str) -> SourceDocument:
    return load_path(FIXTURES / "guides" / name, **LIMITS)


def headings(doc: SourceDocument) -> list[str]:
    return [b.text for b in doc.blocks if b.kind is BlockKind.HEADING]


def block_with(doc: SourceDocument, needle: str):  # type: ignore[no-untyped-def]
    return next(b for b in doc.blocks if needle in b.text)


def test_markdown_front_matter_gives_title_url_and_true_line_numbers() -> None:
    doc = load("monitoring.md")
    assert doc.format is DocFormat.MARKDOWN
    assert doc.title == "Monitoring models in production"
    assert doc.metadata["url"] == "https://example.org/guides/monitoring"
    psi = block_with(doc, "population stability index")
    assert psi.heading_path == ["Monitoring models in production", "Detecting data drift"]
    # Lines count in the file, front matter included.
    source_lines = (FIXTURES / "guides" / "monitoring.md").read_text().split("\n")
    assert psi.location.line_start is not None
    assert "Compare the distribution" in source_lines[psi.location.line_start - 1]


def test_messy_markdown_comes_out_clean() -> None:
    doc = load("messy.md")
    text = " ".join(b.text for b in doc.blocks)
    for junk in ("‚Äú", "‚Äô", "üí", "<details>", "<summary>", "Guide\n", "β€"):
        assert junk not in text
    assert "\u201crandom\u201d" in text
    assert "don\u2019t" in text
    # Bold lines are headings, and a repeated number keeps both sections.
    assert headings(doc)[1:] == ["1. Choosing a split", "3.4 Label delay", "3.4 Label noise"]
    who = block_with(doc, "Who provides the labels?")
    assert who.kind is BlockKind.LIST_ITEM
    assert who.heading_path[-1] == "3.4 Label noise"


def test_plain_text_headings_are_guessed_from_line_shape() -> None:
    doc = load("pipelines.txt")
    assert doc.format is DocFormat.TEXT
    assert headings(doc) == ["FEATURE PIPELINES", "Batch or streaming", "Backfills"]
    backfill = block_with(doc, "recompute its history")
    assert backfill.heading_path == ["FEATURE PIPELINES", "Backfills"]
    assert backfill.location.label() == "lines 10-11"


def test_html_keeps_content_and_drops_navigation_scripts_and_footer() -> None:
    doc = load("ab-testing.html")
    assert doc.format is DocFormat.HTML
    assert doc.title == "A/B testing ML models"
    text = " ".join(b.text for b in doc.blocks)
    for junk in ("tracking", "Home", "Copyright", "font-family"):
        assert junk not in text
    item = block_with(doc, "guardrail metrics")
    assert item.kind is BlockKind.LIST_ITEM
    assert item.heading_path == ["A/B testing ML models", "Sample size"]


def test_pdf_keeps_pages_finds_headings_and_drops_footers() -> None:
    doc = load("release-practices.pdf")
    assert doc.format is DocFormat.PDF
    assert doc.title == "Release practices for ML services"
    assert headings(doc) == [
        "Release practices for ML services",
        "1. Serving latency budgets",
        "2. Canary releases",
    ]
    assert "Page 1/3" not in doc.text
    budget = block_with(doc, "latency budget splits")
    assert budget.location.page == 1
    # A paragraph that runs over a page break is one block spanning both pages.
    spanning = block_with(doc, "continues across the page break")
    assert "the person who decides" in spanning.text
    assert (spanning.location.page, spanning.location.page_end) == (2, 3)


def test_docx_uses_heading_styles_bold_lines_lists_and_tables() -> None:
    doc = load("feature-store.docx")
    assert doc.format is DocFormat.DOCX
    assert doc.title == "Feature store practices"
    assert headings(doc) == ["Feature store practices", "Point-in-time joins", "Freshness targets"]
    bullet = block_with(doc, "Log the feature values")
    assert bullet.kind is BlockKind.LIST_ITEM
    assert bullet.location.paragraph == 5
    table = next(b for b in doc.blocks if b.kind is BlockKind.TABLE)
    assert "balance | 5 minutes" in table.text
    assert table.heading_path[-1] == "Freshness targets"


def test_content_hash_is_stable_and_changes_with_content() -> None:
    a = load_bytes(b"# T\n\nSome text here.", "a.md", **LIMITS)
    b = load_bytes(b"# T\n\nSome text here.", "b.md", **LIMITS)
    c = load_bytes(b"# T\n\nOther text here.", "a.md", **LIMITS)
    assert a.content_hash == b.content_hash != c.content_hash


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.md", "empty file"),
        ("binary.md", "binary content"),
        ("corrupt.pdf", "corrupt or unreadable PDF"),
        ("encrypted.pdf", "encrypted PDF"),
        ("scanned.pdf", "no text layer"),
        ("corrupt.docx", "corrupt or not a DOCX"),
    ],
)
def test_bad_files_raise_one_line_errors_naming_file_and_reason(name: str, reason: str) -> None:
    path = FIXTURES / "bad" / name
    with pytest.raises(LoadError) as info:
        load_path(path, str(path), **LIMITS)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert reason in message


def test_missing_file_unsupported_format_and_size_limits() -> None:
    with pytest.raises(LoadError, match="no such file"):
        load_path(Path("nowhere/guide.md"), **LIMITS)
    with pytest.raises(LoadError, match=r"unsupported format '\.png'"):
        load_bytes(b"\x89PNG", "diagram.png", **LIMITS)
    with pytest.raises(LoadError, match="over the limit"):
        load_bytes(b"x" * 200, "big.md", max_bytes=100, max_pages=5)
    with pytest.raises(LoadError, match="over the limit of 1"):
        load_path(FIXTURES / "guides" / "release-practices.pdf", max_bytes=10**6, max_pages=1)


def test_non_utf8_text_is_read_with_a_warning() -> None:
    doc = load_path(FIXTURES / "bad" / "latin1.txt", **LIMITS)
    assert "naïve model's résumé" in doc.text
    assert doc.warnings and "cp1252" in doc.warnings[0]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the project")
def test_real_seed_guides_load_without_mojibake() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        doc = load_path(path, **LIMITS)
        text = " ".join(b.text for b in doc.blocks)
        for junk in ("‚Äú", "‚Äô", "‚Ä¶", "β€Ά", "<details>", "<summary>"):
            assert junk not in text, (path.name, junk)
        assert len(headings(doc)) >= 5, path.name
