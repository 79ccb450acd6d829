"""The team's policy in pieces: comments in the draft, path globs, the configuration file,
and the baseline's idea of what is new. The whole command is in test_review_policy_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.draft import Draft, DraftSection
from app.review.baseline import (
    Baseline,
    BaselineEntry,
    BaselineError,
    apply_baseline,
    load_baseline,
    stale_entries,
    updated,
    write_baseline,
)
from app.review.directives import DirectiveKind, parse_directives
from app.review.models import Finding, FindingKind, Review, SectionReview
from app.review.policy import path_matches
from app.rubric.models import Severity
from app.settings import config_file, load_settings
from ingest.models import Location


def draft_of(text: str) -> Draft:
    return Draft(
        source_id="d.md",
        title="d",
        format="markdown",
        content_hash="x",
        text=text,
        raw_lines=text.split("\n"),
        sections=[DraftSection(index=0, heading="", level=0, location=Location(line_start=1))],
        sentences=[],
    )


def test_directives_carry_names_reasons_and_lines() -> None:
    draft = draft_of(
        "# Doc\n"
        "<!-- mlsd-disable risk.no-baseline, risk.no-rollback -- rules engine, no model -->\n"
        "text\n"
        "<!--mlsd-disable-section-- internal tool-->\n"
        "<!-- mlsd-disable-section fairness cost-roi -->\n"
        "<!-- mlsd-kind batch-job -->\n"
    )
    found = parse_directives(draft)
    assert found.warnings == []
    disable, named_less, named, kind = found.items
    assert disable.kind is DirectiveKind.DISABLE
    assert disable.names == ["risk.no-baseline", "risk.no-rollback"]
    assert disable.reason == "rules engine, no model" and disable.line == 2
    assert named_less.kind is DirectiveKind.DISABLE_SECTION
    assert named_less.names == [] and named_less.reason == "internal tool"
    assert named.names == ["fairness", "cost-roi"] and named.line == 5
    assert kind.kind is DirectiveKind.KIND and kind.names == ["batch-job"]


def test_comments_inside_code_fences_are_examples_not_directives() -> None:
    draft = draft_of(
        "# Doc\n```markdown\n<!-- mlsd-disable risk.no-baseline -->\n```\n"
        "~~~\n<!-- mlsd-disable-section -->\n~~~\n<!-- mlsd-disable risk.no-rollback -->\n"
    )
    found = parse_directives(draft)
    assert [(d.names, d.line) for d in found.items] == [(["risk.no-rollback"], 8)]


def test_misspelt_or_empty_directives_are_reported_not_ignored() -> None:
    found = parse_directives(draft_of("<!-- mlsd-disabel risk.x -->\n<!-- mlsd-disable -->\n"))
    assert found.items == []
    assert "line 1: unknown comment 'mlsd-disabel'" in found.warnings[0]
    assert "line 2: 'mlsd-disable' needs a name" in found.warnings[1]


def test_pdf_and_docx_drafts_have_no_directives() -> None:
    draft = draft_of("<!-- mlsd-disable risk.x -->").model_copy(update={"raw_lines": []})
    assert parse_directives(draft).items == []


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("docs/batch/**", "docs/batch/a.md", True),
        ("docs/batch/**", "docs/batch/x/y/a.md", True),
        ("docs/batch/**", "docs/online/a.md", False),
        ("*.md", "a.md", True),
        ("*.md", "docs/a.md", False),
        ("**/*.md", "docs/a.md", True),
        ("**/*.md", "a.md", True),
        ("./docs/*-batch.md", "docs/x-batch.md", True),
        ("docs/?.md", "docs/ab.md", False),
    ],
)
def test_kind_paths_are_globs_where_only_double_star_spans_folders(
    pattern: str, path: str, expected: bool
) -> None:
    assert path_matches(pattern, path) is expected


def test_configuration_is_found_upwards_and_stops_at_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLSD_CONFIG")
    outer = tmp_path / "outer"
    repo = outer / "repo"
    (repo / "docs" / "deep").mkdir(parents=True)
    (repo / ".git").mkdir()
    (outer / "mlsd.toml").write_text("max_pages = 3\n")
    assert config_file(repo / "docs" / "deep") is None  # the repo's top is the limit
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert config_file(repo / "docs" / "deep") is None  # no [tool.mlsd] table
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.mlsd.rules]\ndisable = ["risk.no-baseline"]\n'
    )
    assert config_file(repo / "docs" / "deep") == repo / "pyproject.toml"
    (repo / "docs" / "mlsd.toml").write_text('[rules]\ndisable = ["*.edit"]\n')
    assert config_file(repo / "docs" / "deep") == repo / "docs" / "mlsd.toml"
    monkeypatch.chdir(repo)
    assert load_settings().rules.disable == ["risk.no-baseline"]
    monkeypatch.chdir(repo / "docs" / "deep")
    assert load_settings().rules.disable == ["*.edit"]


def test_a_misspelt_rules_key_or_severity_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "mlsd.toml"
    monkeypatch.setenv("MLSD_CONFIG", str(config))
    config.write_text('[rules]\ndisabled = ["risk.x"]\n')
    with pytest.raises(ValidationError):
        load_settings()
    config.write_text('[rules.severity]\n"risk.x" = "fatal"\n')
    with pytest.raises(ValidationError):
        load_settings()


def gap(rule: str, questions: list[str]) -> Finding:
    return Finding(
        id=f"{rule}@1",
        rule_id=rule,
        kind=FindingKind.GAP,
        severity=Severity.WARNING,
        section_id=rule.split(".")[0],
        title=rule,
        message="m",
        questions=questions,
    )


def review_with(*findings: Finding) -> Review:
    return Review(
        document="d.md",
        document_hash="h",
        document_format="markdown",
        rubric_id="r",
        rubric_version="1",
        kb_fingerprint="k",
        mode="offline",
        score=50,
        sections=[
            SectionReview(section_id="monitoring", title="Monitoring", coverage=50),
        ],
        findings=list(findings),
    )


def test_a_gap_that_grows_is_new_and_one_that_shrinks_is_not() -> None:
    before = review_with(gap("monitoring.gaps", ["q1", "q2"]), gap("cost.gaps", ["c1"]))
    baseline = updated(None, [("docs/d.md", before)])
    shrunk = apply_baseline(
        review_with(gap("monitoring.gaps", ["q2"]), gap("cost.gaps", ["c1"])),
        "docs/d.md",
        baseline,
    )
    assert shrunk.all_findings() == []
    assert {s.by for s in shrunk.suppressed} == {"baseline"}
    grown = apply_baseline(review_with(gap("monitoring.gaps", ["q1", "q3"])), "docs/d.md", baseline)
    assert [f.rule_id for f in grown.all_findings()] == ["monitoring.gaps"]
    assert stale_entries(baseline, [("docs/d.md", grown)]) == 2  # both entries changed
    other = apply_baseline(review_with(gap("cost.gaps", ["c1"])), "docs/other.md", baseline)
    assert len(other.all_findings()) == 1  # another document's entries do not count


def test_updating_a_baseline_keeps_documents_not_reviewed_this_time() -> None:
    first = updated(
        None,
        [("a.md", review_with(gap("x.gaps", ["1"]))), ("b.md", review_with(gap("y.gaps", [])))],
    )
    second = updated(first, [("a.md", review_with())])
    assert [(e.document, e.rule_id) for e in second.entries] == [("b.md", "y.gaps")]


def test_baseline_files_round_trip_and_bad_ones_give_one_line(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "baseline.json"
    baseline = Baseline(entries=[BaselineEntry(document="a.md", rule_id="x.gaps")])
    write_baseline(path, baseline)
    assert load_baseline(path) == baseline
    assert json.loads(path.read_text())["tool"] == "mlsd"
    assert not list(path.parent.glob(".*.tmp"))
    for text, expected in [
        ("{not json", "not an mlsd baseline"),
        ('{"tool": "ruff", "entries": []}', "not an mlsd baseline"),
        ('{"entries": [{"rule_id": "x"}]}', "entries.0.document"),
    ]:
        path.write_text(text)
        with pytest.raises(BaselineError, match=expected) as info:
            load_baseline(path)
        assert "\n" not in str(info.value)
    with pytest.raises(BaselineError, match=r"no such file .*--write-baseline"):
        load_baseline(tmp_path / "absent.json")


def test_every_report_lists_what_was_suppressed_and_why_with_markup_defused() -> None:
    from app.reports import render
    from app.review.models import Suppression
    from app.ui.view_review import review_html

    review = review_with(gap("monitoring.gaps", ["q1"]))
    review.suppressed = [
        Suppression(
            finding=gap("risk.no-baseline", []),
            by="inline",
            reason="<script>alert(1)</script> rules only",
            line=7,
        ),
        Suppression(finding=gap("fairness.gaps", ["f1"]), by="kind:batch"),
        Suppression(finding=gap("cost.gaps", ["c1"]), by="baseline"),
    ]
    for fmt in ("text", "markdown"):
        out = render(review, fmt)
        assert "Suppressed (3, not counted)" in out
        assert "line 7: 1 finding" in out and "kind of doc 'batch'" in out
        assert "the baseline: 1 finding" in out
    for html in (render(review, "html"), review_html(review)):
        assert "Suppressed (3, not counted)" in html
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "Suppressed" not in render(review_with(), "text")
