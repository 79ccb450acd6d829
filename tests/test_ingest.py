"""Incremental ingestion into a real Chroma store with the real embedding model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import knowledge
from app.settings import load_settings
from ingest.store import KnowledgeStore
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow


def store_for(tmp_path: Path, embedder) -> KnowledgeStore:  # type: ignore[no-untyped-def]
    return KnowledgeStore.open(embedder, data_dir=tmp_path / "data")


def test_first_ingest_adds_every_format_and_search_finds_the_right_passage(
    tmp_path: Path, guides_dir: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    store = store_for(tmp_path, embedder)
    report = knowledge.ingest(load_settings(), [guides_dir], store=store)
    assert report.failed == 0
    assert report.files == 6
    assert report.chunks_added == report.total_chunks == store.count() > 6
    statuses = {Path(r.source_id).name: r.status for r in report.results}
    assert set(statuses.values()) == {"added"}
    hits = store.search("how do we detect data drift in production", k=3)
    assert Path(hits[0].source_id).name == "monitoring.md"
    assert hits[0].heading_path == ["Detecting data drift"]
    assert hits[0].location.label() == "lines 12-14"
    assert hits[0].url == "https://example.org/guides/monitoring"
    assert 0 < hits[-1].score <= hits[0].score <= 1
    pdf_hit = store.search("canary release traffic share and automatic gates", k=1)[0]
    assert pdf_hit.location.page == 2


def test_reingest_of_unchanged_files_embeds_nothing(
    tmp_path: Path, guides_dir: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    store = store_for(tmp_path, embedder)
    first = knowledge.ingest(load_settings(), [guides_dir], store=store)
    ids_before = store.chunk_ids_by_source()
    second = knowledge.ingest(load_settings(), [guides_dir], store=store)
    assert (second.chunks_added, second.chunks_removed, second.unchanged) == (0, 0, 6)
    assert store.chunk_ids_by_source() == ids_before
    assert second.total_chunks == first.total_chunks


def test_edited_file_replaces_only_its_changed_chunks(
    tmp_path: Path, guides_dir: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    store = store_for(tmp_path, embedder)
    knowledge.ingest(load_settings(), [guides_dir], store=store)
    guide = guides_dir / "monitoring.md"
    before = store.chunk_ids_by_source()[guide.resolve().as_posix()]
    guide.write_text(guide.read_text().replace("Route model alerts", "Send model alerts by pager"))
    report = knowledge.ingest(load_settings(), [guides_dir], store=store)
    assert report.unchanged == 5
    assert (report.chunks_added, report.chunks_removed) == (1, 1)
    after = store.chunk_ids_by_source()[guide.resolve().as_posix()]
    assert len(before & after) == len(before) - 1
    hit = store.search("who gets paged for model alerts", k=1)[0]
    assert "by pager" in hit.text


def test_deleted_file_loses_its_chunks_unless_no_prune(
    tmp_path: Path, guides_dir: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    store = store_for(tmp_path, embedder)
    knowledge.ingest(load_settings(), [guides_dir], store=store)
    (guides_dir / "pipelines.txt").unlink()
    kept = knowledge.ingest(load_settings(), [guides_dir], store=store, prune=False)
    assert kept.removed_sources == 0
    assert any(s.endswith("pipelines.txt") for s in store.sources())
    pruned = knowledge.ingest(load_settings(), [guides_dir], store=store)
    assert pruned.removed_sources == 1 and pruned.chunks_removed > 0
    assert not any(s.endswith("pipelines.txt") for s in store.sources())


def test_bad_files_fail_alone_and_leave_the_store_intact(
    tmp_path: Path, guides_dir: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    store = store_for(tmp_path, embedder)
    knowledge.ingest(load_settings(), [guides_dir], store=store)
    before = store.chunk_ids_by_source()
    bad = sorted((FIXTURES / "bad").iterdir())
    report = knowledge.ingest(
        load_settings(), [*bad, guides_dir / "missing.md", guides_dir], store=store
    )
    failed = {Path(r.source_id).name: r.message for r in report.results if r.status == "failed"}
    assert set(failed) == {
        "empty.md",
        "binary.md",
        "corrupt.pdf",
        "encrypted.pdf",
        "scanned.pdf",
        "corrupt.docx",
        "missing.md",
    }
    assert all("\n" not in m for m in failed.values())
    assert not report.ok
    after = store.chunk_ids_by_source()
    latin = [s for s in after if s.endswith("latin1.txt")]
    assert latin and report.warnings
    assert {k: v for k, v in after.items() if k not in latin} == before


def run_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_ingests_at_once_do_not_corrupt_the_store(tmp_path: Path, guides_dir: Path) -> None:
    env = {**os.environ, "MLSD_DATA_DIR": str(tmp_path / "shared-data")}
    procs = [run_cli("ingest", str(guides_dir), "--json", env=env) for _ in range(2)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    # One run did the work, the other found everything in place.
    assert sorted(r["chunks_added"] > 0 for r in reports) == [False, True]
    assert reports[0]["total_chunks"] == reports[1]["total_chunks"]
    check = run_cli("kb", "stats", "--json", env=env)
    out, err = check.communicate(timeout=120)
    stats = json.loads(out)
    assert stats["chunks"] == reports[0]["total_chunks"]
    assert len(stats["sources"]) == 6
