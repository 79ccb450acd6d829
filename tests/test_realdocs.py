"""The real-doc corpus: pointers and labels only, a fill script that re-reads the texts from
fetched git directories, and the figures computed from labels."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from app.rubric import load_rubric
from app.settings import load_settings
from evals.realdocs.evaluate import fold_of, label_ceiling, tally
from evals.realdocs.fill import fill, main
from evals.realdocs.labels import LABELS_DIR, SECOND_DIR, load_labels
from tests.conftest import PROJECT

RISKS = {
    r["id"]
    for r in yaml.safe_load((PROJECT / "knowledge/templates/risks.yaml").read_text())["risks"]
}


def test_every_label_names_each_default_section_once_and_known_risks() -> None:
    sections = {s.id for s in load_rubric(load_settings().template).sections}
    labels = load_labels()
    assert len(labels) >= 40
    for doc in labels:
        assert set(doc.sections) == sections, doc.id
        assert {r.id for r in doc.risks} <= RISKS, doc.id


def test_the_corpus_is_varied_as_the_issue_asks() -> None:
    labels = load_labels()
    assert sum(d.format == "pdf" for d in labels) >= 3
    assert sum(not d.english for d in labels) >= 3
    kinds = {d.kind for d in labels}
    assert {"filled-template", "course-report", "production", "short-spec"} <= kinds
    shapes = {d.shape for d in labels if d.kind == "filled-template"}
    assert len(shapes) >= 4


def test_labels_hold_pointers_and_short_notes_never_document_text() -> None:
    for path in LABELS_DIR.glob("*.yaml"):
        assert path.stat().st_size < 8_000, path.name
    for doc in load_labels():
        for label in doc.sections.values():
            assert len(label.note.split()) <= 25, doc.id
    assert not [p for p in LABELS_DIR.parent.rglob("*") if p.suffix in (".pdf", ".docx", ".txt")]


def test_second_reads_cover_ten_docs_of_the_corpus() -> None:
    ids = {d.id for d in load_labels()}
    second = [yaml.safe_load(p.read_text()) for p in SECOND_DIR.glob("*.yaml")]
    assert len(second) >= 10 and all(s["id"] in ids for s in second)
    ceiling = label_ceiling(load_labels())
    assert ceiling is not None and ceiling.sections == 25 * len(second)


def test_tally_counts_agreement_and_missing_precision_recall() -> None:
    m = tally(
        [
            ("missing", "missing"),
            ("missing", "partial"),
            ("covered", "missing"),
            ("partial", "partial"),
        ]
    )
    assert m.agreement == 0.5
    assert m.missing["precision"] == 0.5 and m.missing["recall"] == 0.5
    assert m.confusion["missing"]["covered"] == 1


def test_folds_are_fixed_by_document_id() -> None:
    assert fold_of("some-doc") == fold_of("some-doc")
    assert len({fold_of(f"doc-{i}") for i in range(50)}) == 5


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_fill_writes_the_file_at_its_commit_from_a_fetched_git_directory(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _git("init", "-q", cwd=work)
    (work / "docs").mkdir()
    (work / "docs" / "design.md").write_text("# Design\n\nfirst version\n")
    _git("add", ".", cwd=work)
    _git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "one", cwd=work)
    commit = _git("rev-parse", "HEAD", cwd=work)
    (work / "docs" / "design.md").write_text("# Design\n\nlater version\n")
    _git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "two", cwd=work)
    mirrors = tmp_path / "mirrors"
    _git(
        "clone", "-q", "--bare", str(work), str(mirrors / "someone+project" / "repo"), cwd=tmp_path
    )
    labels = tmp_path / "labels"
    labels.mkdir()
    sections = {s.id: {"status": "missing"} for s in load_rubric(load_settings().template).sections}
    (labels / "d.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "d",
                "format": "md",
                "sections": sections,
                "source": {"repo": "someone/project", "path": "docs/design.md", "commit": commit},
            }
        )
    )
    out = tmp_path / "filled"
    assert fill(out, mirrors, labels) == []
    assert (out / "d.md").read_text() == "# Design\n\nfirst version\n"
    (labels / "e.yaml").write_text(
        (labels / "d.yaml")
        .read_text()
        .replace("id: d", "id: e")
        .replace("someone/project", "someone/absent")
    )
    problems = fill(out, mirrors, labels)
    assert len(problems) == 1 and "someone/absent" in problems[0]


def test_fill_refuses_a_folder_inside_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(PROJECT / "evals" / "realdocs" / "texts")]) == 2
    assert "inside the repository" in capsys.readouterr().err
    assert not (PROJECT / "evals" / "realdocs" / "texts").exists()


def test_eval_realdocs_on_a_folder_with_no_corpus_text_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main as cli

    with pytest.raises(SystemExit) as info:
        cli(["eval", "--realdocs", str(tmp_path / "absent")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fill it with python -m evals.realdocs.fill" in err[0]
