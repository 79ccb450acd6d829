"""Text repair: mojibake, scraped bullets, binary detection and legacy charsets."""

from __future__ import annotations

import pytest

from ingest.textrepair import decode_bytes, looks_binary, normalize_bullets, repair_text


@pytest.mark.parametrize(
    ("damaged", "clean"),
    [
        # UTF-8 read as Mac Roman (real exported templates look like this).
        ("‚Äúrandom‚Äù split", "\u201crandom\u201d split"),
        ("don‚Äôt", "don\u2019t"),
        ("\uf8ffüí° Tip", "\U0001f4a1 Tip"),
        # UTF-8 read as Windows-1252.
        ("naÃ¯ve cafÃ©", "naïve café"),
        # UTF-8 read as Greek Windows-1253 (ftfy does not try it; the fallback does).
        ("readβ€’more", "read\u2012more"),
    ],
)
def test_repair_text_undoes_mojibake(damaged: str, clean: str) -> None:
    assert repair_text(damaged) == clean


def test_repair_text_leaves_correct_unicode_alone() -> None:
    text = "Élan — naïve αβγ 数据 💡"
    assert repair_text(text) == text


def test_repair_text_removes_invisible_characters() -> None:
    assert repair_text("drift\u200b score\u00a0high\r\n") == "drift score high\n"


def test_scraped_bullet_glyphs_become_list_markers() -> None:
    text = "Key ideas\n  • • End-to-end thinking\n▪ Trade-offs\n-1.5 is negative"
    assert normalize_bullets(text) == (
        "Key ideas\n  - End-to-end thinking\n- Trade-offs\n-1.5 is negative"
    )


def test_binary_content_is_detected() -> None:
    assert looks_binary(b"\x00\x01\x02 PNG")
    assert looks_binary(bytes(range(32)) * 10)
    assert not looks_binary("plain text, café".encode())


def test_decode_prefers_utf8_and_strips_bom() -> None:
    result = decode_bytes("\ufeffcafé".encode())
    assert result.text == "café"
    assert result.warnings == []


def test_decode_falls_back_to_cp1252_with_a_warning() -> None:
    result = decode_bytes("Résumé scored 0.81".encode("latin-1"))
    assert result.text == "Résumé scored 0.81"
    assert result.encoding == "cp1252"
    assert "not UTF-8" in result.warnings[0]


def test_decode_rejects_binary() -> None:
    with pytest.raises(ValueError, match="binary"):
        decode_bytes(b"\x00\x00\x00abc")
