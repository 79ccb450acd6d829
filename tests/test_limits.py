"""Limits that bound what reading and reviewing a file costs (issue 14): each is declared in
settings, and past it the file is refused with a one-line reason, or the part that fits is
used and a warning says what was skipped."""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from app.draft import draft_from_document, draft_lines_text, load_draft_bytes
from app.settings import load_settings
from ingest.errors import LoadError
from ingest.loaders import load_bytes
from tests.hostile.corpus import DOC, _docx, _paragraphs_xml, _pdf_with_stream, _text_pdf

LIMITS = {"max_bytes": 20_000_000, "max_pages": 200}


def test_every_limit_is_a_setting_with_help_text() -> None:
    fields = load_settings().__class__.model_fields
    for name in (
        "max_file_mb",
        "max_pages",
        "max_unpacked_mb",
        "read_seconds",
        "max_chunks_per_file",
        "max_sections",
        "max_sentences",
    ):
        assert fields[name].description, name
    limits = load_settings().draft_limits
    assert set(limits) == {
        "max_bytes",
        "max_pages",
        "max_unpacked",
        "read_seconds",
        "max_sections",
        "max_sentences",
    }


def test_a_docx_that_unpacks_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    lines = [ln for ln in DOC.splitlines() if ln.strip()]
    bomb = _docx(tmp_path / "bomb.docx", _paragraphs_xml(lines) + b" " * 30_000_000)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(LoadError, match=r"unpacks to 30 MB.*MLSD_MAX_UNPACKED_MB"):
        load_bytes(bomb.read_bytes(), "bomb.docx", **LIMITS, max_unpacked=10_000_000)
    fine = _docx(tmp_path / "fine.docx", _paragraphs_xml(lines))
    doc = load_bytes(fine.read_bytes(), "fine.docx", **LIMITS, max_unpacked=10_000_000)
    assert "Ticket triage model" in doc.text


def test_a_docx_with_entities_neither_expands_them_nor_reads_local_files(tmp_path: Path) -> None:
    laughs = (
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "]>"
    )
    xxe = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    for name, prologue, entity in (("laughs", laughs, "&h;"), ("xxe", xxe, "&x;")):
        body = _paragraphs_xml(
            ["Ticket routing model."], prologue, f"<w:p><w:r><w:t>{entity}</w:t></w:r></w:p>"
        )
        path = _docx(tmp_path / f"{name}.docx", body)
        try:
            doc = load_bytes(path.read_bytes(), path.name, **LIMITS)
        except LoadError as exc:
            assert "cannot" in str(exc) or "corrupt" in str(exc)
            continue
        assert len(doc.text) < 10_000
        if Path("/etc/hostname").exists():
            assert Path("/etc/hostname").read_text().strip() not in doc.text


def test_a_pdf_stream_that_inflates_past_the_limit_is_refused() -> None:
    content = b"BT /F1 12 Tf 72 720 Td (Ticket routing model) Tj ET\n" + b" " * 30_000_000
    data = _pdf_with_stream_bytes(content)
    assert len(data) < 200_000
    with pytest.raises(LoadError, match="MLSD_MAX_UNPACKED_MB"):
        load_bytes(data, "flate.pdf", **LIMITS, max_unpacked=5_000_000)


def _pdf_with_stream_bytes(content: bytes) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return _pdf_with_stream(Path(folder) / "x.pdf", content, compressed=True).read_bytes()


def test_pdf_reading_stops_at_its_deadline_and_says_which_pages_were_skipped(
    tmp_path: Path,
) -> None:
    data = _text_pdf(tmp_path / "five.pdf", 5).read_bytes()
    doc = load_bytes(data, "five.pdf", **LIMITS, read_seconds=1e-9)
    assert "(page 1)" in doc.text and "(page 2)" not in doc.text
    assert any("read 1 of 5 pages" in w and "MLSD_READ_SECONDS" in w for w in doc.warnings)
    whole = load_bytes(data, "five.pdf", **LIMITS)
    assert "(page 5)" in whole.text and not whole.warnings


def test_a_draft_past_the_sentence_limit_is_judged_up_to_it_and_says_where_it_stopped() -> None:
    text = "# Plan\n\n" + "\n\n".join(f"Step {i} retrains the ranking model." for i in range(300))
    draft = load_draft_bytes(text.encode(), "long.md", **LIMITS, max_sentences=50)
    assert len(draft.sentences) == 50
    (warning,) = [w for w in draft.warnings if "MLSD_MAX_SENTENCES" in w]
    stop = int(re.search(r"from line (\d+)", warning).group(1))  # type: ignore[union-attr]
    assert text.split("\n")[stop - 1].startswith("Step 50 ")


def test_a_draft_past_the_section_limit_is_judged_up_to_it() -> None:
    text = "".join(
        f"## Part {i}\n\nThe model serves part {i} of the traffic.\n\n" for i in range(80)
    )
    draft = load_draft_bytes(text.encode(), "parts.md", **LIMITS, max_sections=30)
    assert len(draft.sections) == 30
    assert any("first 30 sections" in w and "line 121" in w for w in draft.warnings)


def test_old_mac_line_ends_number_lines_as_the_parser_does() -> None:
    lf = DOC.encode()
    cr = DOC.replace("\n", "\r").encode()
    draft_lf = load_draft_bytes(lf, "a.md", **LIMITS)
    draft_cr = load_draft_bytes(cr, "a.md", **LIMITS)
    assert draft_cr.raw_lines == draft_lf.raw_lines
    assert [s.location for s in draft_cr.sentences] == [s.location for s in draft_lf.sentences]
    assert draft_lines_text(DOC.replace("\n", "\r\n").encode("utf-16")) == DOC


def test_line_numbers_in_one_huge_paragraph_are_exact() -> None:
    lines = [f"Sentence {i} about the feature store." for i in range(20_000)]
    doc = load_bytes(("# Doc\n\n" + "\n".join(lines)).encode(), "big.md", **LIMITS)
    started = time.perf_counter()
    draft = draft_from_document(doc)
    assert time.perf_counter() - started < 30  # was quadratic: minutes
    for sentence in draft.sentences[::997]:
        number = int(sentence.text.split()[1])
        assert sentence.location.line_start == number + 3


def _module_patterns() -> list[tuple[str, re.Pattern[str]]]:
    import app
    import ingest

    found: dict[int, tuple[str, re.Pattern[str]]] = {}
    for package in (app, ingest):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".ui" in info.name or info.name.endswith("__main__"):
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                values = value if isinstance(value, list | tuple) else [value]
                for item in values:
                    if isinstance(item, re.Pattern):
                        found[id(item)] = (f"{info.name}.{name}", item)
    return list(found.values())


HOSTILE_STRINGS = [c * 20_000 for c in (" ", "\t", "0", "a", "-", "_", "[", "(", "*", "|")] + [
    s * 5_000 for s in ("a ", "1.", "x=", "# ", "| ", "e.g.", "- ", ", ")
]


def test_no_module_regex_takes_quadratic_time_on_long_runs() -> None:
    """Every module-level pattern of app/ and ingest/, searched and matched against long runs
    of one character or pair: a pattern that retries a leading \\s* or \\d+ at every
    position of the run takes tens of seconds here; a linear one takes milliseconds."""
    slow = []
    patterns = _module_patterns()
    assert len(patterns) > 50
    for name, pattern in patterns:
        for text in HOSTILE_STRINGS:
            started = time.perf_counter()
            pattern.search(text)
            pattern.match(text)
            if (elapsed := time.perf_counter() - started) > 2.0:
                slow.append(f"{name} on {text[:4]!r}...: {elapsed:.1f} s")
                break
    assert not slow, slow


def test_zip_bombs_are_refused_from_the_sizes_the_archive_declares() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", zlib.compress(b"x") * 1)
        for i in range(2_500):
            archive.writestr(f"word/media/{i}.xml", b"")
    with pytest.raises(LoadError, match="parts in the archive"):
        load_bytes(buffer.getvalue(), "many.docx", **LIMITS)
