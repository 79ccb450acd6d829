"""Faults (issue 14): an ingest killed with SIGKILL at random points, a Chroma server that goes
away during a review, and a disk that fills while reports and the cache are written. Real
processes, a real `chroma run`, a real file-size limit (RLIMIT_FSIZE) as the full disk."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, PROJECT
from tests.test_server_mode import chroma_binary, free_port

pytestmark = pytest.mark.slow
KILLS = 20


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSD_")}
    env.update(
        MLSD_DATA_DIR=str(data),
        MLSD_CONFIG=str(data.parent / "absent.toml"),
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(PROJECT),
        **extra,
    )
    return env


def _mlsd(*args: str, env: dict[str, str], cwd: Path, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300, **kw,
    )  # fmt: skip


def _sources(data: Path, cwd: Path) -> dict[str, int]:
    done = _mlsd("kb", "stats", "--json", env=_env(data), cwd=cwd)
    assert done.returncode == 0, done.stderr
    return {s["source_id"]: s["chunks"] for s in json.loads(done.stdout)["sources"]}


def _edit(guides: Path, rng: random.Random, step: int) -> None:
    """Change the folder between runs so that each run adds, replaces and prunes."""
    files = sorted(p for p in guides.iterdir() if p.suffix == ".md")
    target = rng.choice(files)
    text = target.read_text(encoding="utf-8")
    target.write_text(
        text + f"\n\nRevision {step}: the model is retrained every {step + 2} days.\n"
    )
    extra = guides / f"extra-{step % 3}.md"
    if extra.exists():
        extra.unlink()
    else:
        extra.write_text(
            f"# Extra {step}\n\n" + " ".join(f"Note {i} on canary rollouts." for i in range(150))
        )


def test_an_ingest_killed_at_random_points_is_repaired_by_the_next_one(tmp_path: Path) -> None:
    guides = tmp_path / "guides"
    shutil.copytree(FIXTURES / "guides", guides)
    data = tmp_path / "data"
    rng = random.Random(14)
    command = [sys.executable, "-c", "from app.cli import main; main()", "ingest", str(guides)]
    started = time.perf_counter()
    subprocess.run(command, env=_env(data), cwd=tmp_path, capture_output=True, timeout=300)
    whole = time.perf_counter() - started  # how long an uncut run takes here
    killed = 0
    for step in range(KILLS):
        _edit(guides, rng, step)
        process = subprocess.Popen(
            command, env=_env(data), cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(0.3, 1.0) * whole)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=60)
    assert killed >= KILLS // 2  # most runs really were cut short
    done = _mlsd("ingest", str(guides), "--json", env=_env(data), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    clean = tmp_path / "clean"
    again = _mlsd("ingest", str(guides), "--json", env=_env(clean), cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _sources(data, tmp_path) == _sources(clean, tmp_path)


def _fsize_limit(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_while_writing_reports_leaves_no_partial_report(
    tmp_path: Path, kb_dir: Path
) -> None:
    draft = tmp_path / "design.md"
    draft.write_text((FIXTURES / "drafts" / "grocery-demand.md").read_text(encoding="utf-8"))
    data = tmp_path / "data"
    shutil.copytree(kb_dir, data)
    formats = ("--format", "json", "--format", "sarif", "--format", "markdown", "--format", "html")
    whole = tmp_path / "whole"
    done = _mlsd("review", str(draft), *formats, "--out", str(whole), "--no-cache",
                 "--fail-on", "none", env=_env(data), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    sizes = sorted(p.stat().st_size for p in whole.iterdir())
    # A limit between the smallest and the largest report: some fit, the others cannot.
    limit = (sizes[0] + sizes[-1]) // 2
    full = tmp_path / "full"
    cut = _mlsd("review", str(draft), *formats, "--out", str(full), "--no-cache",
                "--fail-on", "none", env=_env(data), cwd=tmp_path,
                preexec_fn=_fsize_limit(limit))  # fmt: skip
    assert cut.returncode == 2
    message = [ln for ln in cut.stderr.splitlines() if ln.strip()][-1]
    assert message.startswith("mlsd: error: cannot write") and "Traceback" not in cut.stderr
    # A plain write would leave the first report over the limit cut at `limit` bytes.
    written = {p.name: p.read_bytes() for p in full.iterdir()} if full.exists() else {}
    for name, content in written.items():
        assert not name.endswith(".tmp"), name
        assert content == (whole / name).read_bytes(), f"{name} is not whole"


def _small_disk(folder: Path, size: str) -> bool:
    """Mount a tmpfs of `size` on `folder` (root only); False when it cannot be mounted."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True, timeout=30,
    )  # fmt: skip
    return done.returncode == 0


def test_a_full_disk_while_caching_a_review_costs_only_a_recomputation(
    tmp_path: Path, kb_dir: Path
) -> None:
    """The review cache on a real 32 KB tmpfs: the review is printed, no partial entry is
    left, and the next run (with room) recomputes the same review and caches it."""
    draft = tmp_path / "design.md"
    draft.write_text((FIXTURES / "drafts" / "grocery-demand.md").read_text(encoding="utf-8"))
    data = tmp_path / "data"
    shutil.copytree(kb_dir, data)
    small = tmp_path / "small"
    if not _small_disk(small, "32k"):
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        (data / "cache").mkdir(exist_ok=True)
        shutil.rmtree(data / "cache" / "reviews", ignore_errors=True)
        (data / "cache" / "reviews").symlink_to(small)
        cut = _mlsd("review", str(draft), "--format", "json", "--fail-on", "none",
                    env=_env(data), cwd=tmp_path)  # fmt: skip
        assert cut.returncode == 0, cut.stderr[-2000:]  # the review itself is printed
        assert list(small.iterdir()) == []  # nothing half-written, no temporary file
    finally:
        subprocess.run(["umount", str(small)], capture_output=True, timeout=30)
    (data / "cache" / "reviews").unlink()
    again = _mlsd("review", str(draft), "--format", "json", "--fail-on", "none",
                  env=_env(data), cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0
    assert json.loads(again.stdout)["sections"] == json.loads(cut.stdout)["sections"]
    assert len(list((data / "cache" / "reviews").glob("*.json"))) == 1


@pytest.mark.server
def test_a_chroma_server_that_goes_away_gives_a_clear_message_and_keeps_the_cache(
    tmp_path: Path,
    guides_dir: Path,
) -> None:
    """Run our own server (the shared fixture's lifetime is the test's): ingest, review once
    (cached), stop the server, review again: exit 2 with one line; restart it: the cached
    review is served."""
    port = free_port()
    data = tmp_path / "data"
    env = _env(data, MLSD_CHROMA_HOST="127.0.0.1", MLSD_CHROMA_PORT=str(port))

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            [chroma_binary(), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(300):
            if _mlsd("kb", "stats", env=env, cwd=tmp_path).returncode == 0:
                return server
            time.sleep(0.2)
        server.kill()
        pytest.fail("chroma run did not start")

    server = start()
    try:
        assert _mlsd("ingest", env=env, cwd=tmp_path).returncode == 0
        draft = tmp_path / "design.md"
        draft.write_text((FIXTURES / "drafts" / "grocery-demand.md").read_text(encoding="utf-8"))
        first = _mlsd("review", str(draft), "--format", "json", "--fail-on", "none",
                      env=env, cwd=tmp_path)  # fmt: skip
        assert first.returncode == 0, first.stderr[-2000:]
        cached = sorted((data / "cache" / "reviews").glob("*.json"))
        assert cached
        before = {p: p.read_bytes() for p in cached}
        server.terminate()
        server.wait(timeout=30)
        gone = _mlsd("review", str(draft), "--format", "json", "--fail-on", "none",
                     env=env, cwd=tmp_path)  # fmt: skip
        assert gone.returncode == 2
        lines = [ln for ln in gone.stderr.splitlines() if ln.strip()]
        assert "Traceback" not in gone.stderr and "internal error" not in gone.stderr
        assert f"127.0.0.1:{port}" in lines[-1] or "Chroma" in lines[-1], lines[-1]
        assert {p: p.read_bytes() for p in cached} == before
        server = start()
        back = _mlsd("review", str(draft), "--format", "json", "--fail-on", "none",
                     env=env, cwd=tmp_path)  # fmt: skip
        assert back.returncode == 0
        assert json.loads(back.stdout)["cached"] is True
    finally:
        server.terminate()
        server.wait(timeout=30)
