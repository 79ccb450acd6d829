"""Chunking: passages stay under one heading, under the size limit, with stable ids."""

from __future__ import annotations

from ingest.chunking import Chunker
from ingest.loaders import load_bytes, load_path
from ingest.models import SourceDocument
from tests.conftest import FIXTURES

LIMITS = {"max_bytes": 5_000_000, "max_pages": 50}


def long_doc(name: str = "long.md", extra: str = "") -> SourceDocument:
    sections = []
    for i in range(1, 4):
        paragraphs = "\n\n".join(
            f"Paragraph {i}.{j} explains topic {i} with enough words to take some room in the "
            f"passage, so that several paragraphs fill a chunk and force a split. {extra}"
            for j in range(1, 9)
        )
        sections.append(f"## Topic {i}\n\n{paragraphs}")
    text = "# Long guide\n\n" + "\n\n".join(sections)
    return load_bytes(text.encode(), name, **LIMITS)


def test_chunks_never_cross_a_heading_and_respect_the_size() -> None:
    chunks = Chunker(chunk_size=400, chunk_overlap=50).split(long_doc(), "model")
    assert len(chunks) > 3
    for chunk in chunks:
        assert len(chunk.text) <= 400
        topic = chunk.heading_path[-1].split()[-1]
        assert all(line.startswith(f"Paragraph {topic}.") for line in chunk.text.split("\n"))


def test_document_title_is_not_repeated_in_heading_paths() -> None:
    chunks = Chunker().split(long_doc(), "model")
    assert chunks[0].title == "Long guide"
    assert chunks[0].heading_path == ["Topic 1"]
    assert chunks[0].embedding_text().startswith("Long guide > Topic 1\n")


def test_chunk_ids_are_stable_and_depend_on_source_and_text() -> None:
    chunker = Chunker()
    first = [c.id for c in chunker.split(long_doc(), "m")]
    again = [c.id for c in chunker.split(long_doc(), "m")]
    other_source = [c.id for c in chunker.split(long_doc("other.md"), "m")]
    assert first == again
    assert len(set(first)) == len(first)
    assert not set(first) & set(other_source)


def test_editing_one_section_changes_only_its_chunk_ids() -> None:
    chunker = Chunker()
    before = chunker.split(long_doc(), "m")
    text = "# Long guide\n\n## Topic 1\n\nA rewritten first topic.\n\n" + "\n\n".join(
        f"## Topic {i}\n\n"
        + "\n\n".join(
            f"Paragraph {i}.{j} explains topic {i} with enough words to take some room in "
            "the passage, so that several paragraphs fill a chunk and force a split. "
            for j in range(1, 9)
        )
        for i in (2, 3)
    )
    after = chunker.split(load_bytes(text.encode(), "long.md", **LIMITS), "m")
    unchanged = {c.id for c in before if c.heading_path != ["Topic 1"]}
    assert unchanged <= {c.id for c in after}
    assert not {c.id for c in before if c.heading_path == ["Topic 1"]} & {c.id for c in after}


def test_chunk_locations_cover_their_lines_and_pages() -> None:
    chunker = Chunker()
    md = chunker.split(load_path(FIXTURES / "guides" / "monitoring.md", **LIMITS), "m")
    drift = next(c for c in md if c.heading_path == ["Detecting data drift"])
    assert drift.location.label() == "lines 12-14"
    assert drift.url == "https://example.org/guides/monitoring"
    pdf = chunker.split(load_path(FIXTURES / "guides" / "release-practices.pdf", **LIMITS), "m")
    canary = next(c for c in pdf if c.heading_path == ["2. Canary releases"])
    assert canary.location.label() == "pages 2-3"
