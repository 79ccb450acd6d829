"""Turn raw bytes and damaged text into clean Unicode.

Real guides arrive with mojibake (UTF-8 read as Mac Roman or a Windows code page), scraped
bullets, zero-width characters and odd line endings. ftfy does the main repair; a small
fallback re-decodes runs of characters ftfy leaves alone (code pages it does not try, or
private-use characters such as the Apple logo in Mac Roman).
"""

from __future__ import annotations

import codecs
import re

import ftfy

# Code pages whose misreading of UTF-8 we try to undo on runs ftfy leaves broken.
_FALLBACK_CODECS = ("mac_roman", "cp1253", "cp1252", "cp1251", "cp1250", "cp1254", "cp1257")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# Bullets scrapers leave: one or more bullet glyphs at the start of a line.
_BULLET_LINE = re.compile(r"^(\s*)(?:[•●▪◦‣∙·○■□➢➤►▶✓✔]\s*){1,3}(?=\S)", re.MULTILINE)
_BINARY_SAMPLE = 8192


class DecodeResult:
    """Decoded text plus what the reader should be told about it."""

    def __init__(self, text: str, encoding: str, warnings: list[str]) -> None:
        self.text = text
        self.encoding = encoding
        self.warnings = warnings


def looks_binary(data: bytes) -> bool:
    """True for content that is not text: NUL bytes or many control characters."""
    sample = data[:_BINARY_SAMPLE]
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control / len(sample) > 0.05


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16's: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _wide_unicode(data: bytes) -> DecodeResult | None:
    """Text in UTF-16 or UTF-32, told by its byte order mark or (UTF-16 without one) by
    zero bytes in all the odd or all the even places; None for anything else."""
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if codec is None:
        sample = data[:4096]
        half = len(sample) // 2
        if half >= 8 and len(data) % 2 == 0:
            even, odd = sample[0::2].count(0), sample[1::2].count(0)
            if odd >= 0.9 * half and even <= 0.05 * half:
                codec = "utf-16-le"
            elif even >= 0.9 * half and odd <= 0.05 * half:
                codec = "utf-16-be"
    if codec is None:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    name = codec.upper().replace("-LE", " LE").replace("-BE", " BE")
    warning = f"not UTF-8; decoded as {name} (save it as UTF-8 to be sure)"
    return DecodeResult(text, codec, [warning])


def decode_bytes(data: bytes) -> DecodeResult:
    """Decode text bytes: UTF-8 first, then the most likely legacy charset (with a warning).

    UTF-16 and UTF-32 (what some Windows editors save as "Unicode") are read by their byte
    order mark, or for UTF-16 without one, by the zero byte in every other place.
    Raises ValueError for binary content or bytes no charset explains.
    """
    if (wide := _wide_unicode(data)) is not None:
        return wide
    if looks_binary(data):
        raise ValueError("binary content, not text")
    try:
        return DecodeResult(data.decode("utf-8-sig"), "utf-8", [])
    except UnicodeDecodeError:
        pass
    # Most non-UTF-8 prose is Windows-1252 (a superset of Latin-1's printable range); guessers
    # are unreliable on short texts, so take it when it decodes cleanly.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and not re.search("[\x80-\x9f]", text):
        return DecodeResult(
            text, "cp1252", ["not UTF-8; decoded as cp1252 (save it as UTF-8 to be sure)"]
        )
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ValueError("not valid UTF-8 and no known charset fits")
    encoding = best.encoding
    return DecodeResult(
        str(best), encoding, [f"not UTF-8; decoded as {encoding} (save it as UTF-8 to be sure)"]
    )


def _redecode_run(match: re.Match[str]) -> str:
    run = match.group(0)
    for codec in _FALLBACK_CODECS:
        try:
            fixed = run.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(fixed) < len(run):
            return fixed
    return run


_ODD_LINE_BREAKS = str.maketrans({"\u2028": " ", "\u2029": " ", "\x85": " ", "\x0b": " "})


def repair_text(text: str) -> str:
    """Fix mojibake and normalise whitespace, bullets and invisible characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Only LF (and CR, above) ends a line, as editors, diffs and code hosts count lines: the
    # Unicode line and paragraph separators become spaces, so line numbers stay true.
    text = ftfy.fix_text(text, uncurl_quotes=False, normalization="NFC", fix_line_breaks=False)
    text = text.translate(_ODD_LINE_BREAKS)
    text = _NON_ASCII_RUN.sub(_redecode_run, text)
    text = _ZERO_WIDTH.sub("", text)
    text = _PRIVATE_USE.sub("", text)
    text = text.replace("\u00a0", " ").replace("\t", "    ")
    return text


def normalize_bullets(text: str) -> str:
    """Turn scraped bullet glyphs at the start of lines into Markdown list markers."""
    return _BULLET_LINE.sub(lambda m: f"{m.group(1)}- ", text)


def collapse_spaces(text: str) -> str:
    """Single spaces inside a line, no trailing spaces."""
    return re.sub(r"[ \t]+", " ", text).strip()
