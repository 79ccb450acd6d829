"""The `mlsd` command line: JSON output, exit codes and one-line error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import FIXTURES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def assert_clean_error(err: str) -> None:
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0, err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("ingest", "kb", "template", "settings"):
        assert command in out


def test_template_show_json_prints_the_rubric(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "template", "show", str(FIXTURES / "templates" / "rubric.yaml"), "--json"
    )
    assert code == 0
    rubric = json.loads(out)
    assert rubric["id"] == "launch-readiness"
    assert rubric["sections"][0]["questions"][0]["id"] == "goals-primary-metric"


def test_template_show_defaults_to_the_configured_template(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "template", "show")
    assert code == 0
    assert "business-metrics.q1" in out


def test_unknown_template_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "template", "show", "no/such/template.md")
    assert code == 2
    assert_clean_error(err)
    assert "no such template" in err


def test_settings_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "settings", "--json")
    assert code == 0
    names = {row["env"] for row in json.loads(out)}
    assert {"MLSD_DATA_DIR", "MLSD_LLM", "MLSD_LLM_BASE_URL", "MLSD_CHROMA_HOST"} <= names


def test_invalid_setting_is_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLSD_CHUNK_SIZE", "ten")
    code, _, err = run(capsys, "template", "show")
    assert code == 2
    assert_clean_error(err)
    assert "MLSD_CHUNK_SIZE" in err


def test_empty_search_query_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "kb", "search", "  ")
    assert code == 2
    assert "query is empty" in err


@pytest.mark.slow
def test_ingest_search_and_stats_as_json(
    capsys: pytest.CaptureFixture[str], guides_dir: Path, tmp_path: Path
) -> None:
    data = str(tmp_path / "kb")
    code, out, _ = run(capsys, "ingest", str(guides_dir), "--json", "--data-dir", data)
    assert code == 0
    report = json.loads(out)
    assert {"files", "chunks_added", "chunks_removed", "unchanged"} <= set(report)
    assert report["files"] == 6 and report["chunks_added"] > 0

    code, out, _ = run(
        capsys, "kb", "search", "canary rollout gates", "--json", "-k", "2", "--data-dir", data
    )
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 2
    assert {"source_id", "title", "heading_path", "location", "score", "text"} <= set(hits[0])
    assert hits[0]["location"]["page"] == 2

    code, out, _ = run(capsys, "kb", "stats", "--json", "--data-dir", data)
    stats = json.loads(out)
    assert stats["embedding_model"] == "all-MiniLM-L6-v2"
    assert len(stats["sources"]) == 6
    assert stats["chunks"] == report["total_chunks"]

    code, out, _ = run(capsys, "kb", "search", "canary rollout gates", "--data-dir", data)
    assert "release-practices.pdf, page" in out


@pytest.mark.slow
def test_ingest_with_a_bad_file_is_exit_2_and_still_ingests_the_rest(
    capsys: pytest.CaptureFixture[str], guides_dir: Path, tmp_path: Path
) -> None:
    data = str(tmp_path / "kb")
    bad = str(FIXTURES / "bad" / "corrupt.pdf")
    code, out, err = run(capsys, "ingest", bad, str(guides_dir), "--data-dir", data)
    assert code == 2
    assert "Traceback" not in err
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "corrupt.pdf" in failed[0] and "corrupt" in failed[0]
    assert "6 files" not in out and "7 files" in out
    code, out, _ = run(capsys, "kb", "stats", "--json", "--data-dir", data)
    assert len(json.loads(out)["sources"]) == 6


def test_search_on_an_empty_store_says_to_ingest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "kb", "search", "drift", "--data-dir", str(tmp_path / "empty"))
    assert code == 2
    assert "mlsd ingest" in err
