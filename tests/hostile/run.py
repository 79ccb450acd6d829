"""Run the hostile corpus through `mlsd review`, `mlsd ingest` and the web app's upload, and
check each outcome against the contract (issue 14):

- exit 0, 1 or 2 (the upload: a result or a "Could not review" message);
- what the user reads on stderr is a few lines, each one line long, and never a traceback
  or "internal error";
- under LIMIT_SECONDS and LIMIT_RSS_MB (peak resident memory of the process; for the upload,
  of the server);
- nothing already in the knowledge base is lost (ingest: no source removed, the store never
  shrinks; checked again against the first inventory at the end).

`python -m tests.hostile.run OUT.json [--only NAME,...]` runs it all with the checkout's
`mlsd` and writes every outcome (the table in the issue's note comes from it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.hostile.corpus import Case, build

LIMIT_SECONDS = 30.0
LIMIT_RSS_MB = 1500.0
PROJECT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """One case through one command."""

    case: str
    command: str  # review | ingest | upload
    exit: int | None  # None: killed at the deadline
    seconds: float
    max_rss_mb: float
    message: str  # the last line the user read on stderr (or the app's status)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def mlsd_command() -> list[str]:
    """The checkout's mlsd, run by this interpreter."""
    return [sys.executable, "-c", "from app.cli import main; main()"]


def child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSD_")}
    env.update(
        MLSD_DATA_DIR=str(data_dir),
        MLSD_CONFIG=str(data_dir / "absent.toml"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONPATH=str(PROJECT),
        COLUMNS="100",
    )
    return env


def run_bounded(
    command: list[str], env: dict[str, str], cwd: Path, deadline: float
) -> tuple[int | None, float, float, str, str]:
    """Run a process to its end or its deadline: exit (None when killed), seconds, peak RSS
    in MB (the kernel's VmHWM of that very process, polled), stdout, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        code: int | None = None
        peak_kb = 0
        while True:
            # VmHWM, polled: the kernel's peak for this process's own memory. (The rusage
            # of wait4 would also count the memory of the parent it was forked from: under
            # pytest, 1.7 GB for every case.)
            peak_kb = max(peak_kb, _vm_hwm_kb(process.pid))
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - started > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        process.returncode = code if code is not None else -9  # Popen must not wait again
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return (
            code,
            seconds,
            peak_kb / 1024,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def _vm_hwm_kb(pid: int) -> int:
    """A live process's peak resident memory in KB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _user_text_problems(text: str) -> list[str]:
    problems = []
    lowered = text.lower()
    if "traceback" in lowered:
        problems.append("traceback")
    if "internal error" in lowered:
        problems.append("internal error")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > 6:
        problems.append(f"{len(lines)} lines of messages")
    if any(len(ln) > 600 for ln in lines):
        problems.append("a message line over 600 characters")
    return problems


def _bounds(exit_code: int | None, seconds: float, rss: float) -> list[str]:
    problems = []
    if exit_code is None:
        problems.append(f"killed after {LIMIT_SECONDS:.0f} s")
    elif exit_code not in (0, 1, 2):
        problems.append(f"exit {exit_code}")
    if seconds > LIMIT_SECONDS:
        problems.append(f"{seconds:.1f} s")
    if rss > LIMIT_RSS_MB:
        problems.append(f"{rss:.0f} MB")
    return problems


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def review_case(case: Case, data_dir: Path, work: Path) -> Outcome:
    """`mlsd review PATH` (no cache, every finding counted but none failing the run)."""
    command = [*mlsd_command(), "review", str(case.path), "--no-cache", "--fail-on", "none",
               "--format", "json"]  # fmt: skip
    code, seconds, rss, _, err = run_bounded(command, child_env(data_dir), work, LIMIT_SECONDS)
    problems = _bounds(code, seconds, rss) + _user_text_problems(err)
    return Outcome(case.name, "review", code, round(seconds, 2), round(rss), _last_line(err),
                   problems)  # fmt: skip


def store_inventory(data_dir: Path, work: Path) -> dict[str, int]:
    """Source id -> chunk count, read by `mlsd kb stats --json`."""
    code, _, _, out, err = run_bounded(
        [*mlsd_command(), "kb", "stats", "--json"], child_env(data_dir), work, 120
    )
    if code != 0:
        raise RuntimeError(f"kb stats failed: {err[-300:]}")
    return {s["source_id"]: s["chunks"] for s in json.loads(out)["sources"]}


def ingest_case(case: Case, data_dir: Path, work: Path, total_before: int) -> tuple[Outcome, int]:
    """`mlsd ingest PATH --json` into the shared store; the store's size after it."""
    command = [*mlsd_command(), "ingest", str(case.path), "--json"]
    code, seconds, rss, out, err = run_bounded(command, child_env(data_dir), work, LIMIT_SECONDS)
    problems = _bounds(code, seconds, rss) + _user_text_problems(err)
    total = total_before
    try:
        report = json.loads(out) if out.strip() else None
    except json.JSONDecodeError:
        report = None
        problems.append("--json printed something that is not JSON")
    if report is not None:
        total = int(report.get("total_chunks", total_before))
        if report.get("removed_sources") or report.get("chunks_removed"):
            problems.append("removed stored chunks")
        if total < total_before:
            problems.append(f"store shrank {total_before} -> {total}")
        failed = [r["message"] for r in report.get("results", []) if r["status"] == "failed"]
        message = failed[0] if failed else _last_line(err)
        problems += _user_text_problems("\n".join(failed))
    else:
        message = _last_line(err)
    return (
        Outcome(case.name, "ingest", code, round(seconds, 2), round(rss), message[:300], problems),
        total,
    )


class Server:
    """`mlsd serve` on a free loopback port, for uploads through gradio_client."""

    def __init__(self, data_dir: Path, work: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log = (work / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [*mlsd_command(), "serve", "--port", str(self.port)],
            cwd=work, env=child_env(data_dir), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}/"
        self._wait_up()
        from gradio_client import Client

        self.client = Client(self.url, verbose=False)

    def _wait_up(self, timeout: float = 180) -> None:
        import urllib.request

        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError("mlsd serve exited at start")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("mlsd serve did not answer")

    def rss_mb(self) -> float:
        """The server's peak resident memory so far (VmHWM)."""
        return _vm_hwm_kb(self.process.pid) / 1024

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def upload_case(case: Case, server: Server) -> Outcome:
    """The case uploaded to the Review tab, as a browser sends it (the file's bytes)."""
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout

    from gradio_client import handle_file

    started = time.perf_counter()
    problems: list[str] = []
    message = ""
    pool = ThreadPoolExecutor(1)
    job = pool.submit(
        server.client.predict, handle_file(str(case.path)), "", None, api_name="/review"
    )
    try:
        result = job.result(timeout=LIMIT_SECONDS * 2)
        status = str(result[0] if isinstance(result, list | tuple) else result)
        message = _strip_tags(status)
        problems += _user_text_problems(message)
    except FutureTimeout:
        problems.append("no answer")
    except Exception as exc:  # the app refused it (Gradio's own checks): what users see
        message = f"{type(exc).__name__}: {exc}"
        problems += _user_text_problems(message)
        if type(exc).__name__ != "AppError":
            problems.append("the client failed instead of getting an answer")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    seconds = time.perf_counter() - started
    rss = server.rss_mb()
    if seconds > LIMIT_SECONDS:
        problems.append(f"{seconds:.1f} s")
    if rss > LIMIT_RSS_MB:
        problems.append(f"server at {rss:.0f} MB")
    if not server.alive():
        problems.append("the server died")
    return Outcome(case.name, "upload", 0, round(seconds, 2), round(rss), message[:300], problems)


def _strip_tags(html: str) -> str:
    import re

    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.split())


def build_store(data_dir: Path, work: Path) -> dict[str, int]:
    """The shipped guides in a fresh store: what must survive every case."""
    code, _, _, _, err = run_bounded([*mlsd_command(), "ingest"], child_env(data_dir), work, 600)
    if code != 0:
        raise RuntimeError(f"building the knowledge base failed: {err[-300:]}")
    return store_inventory(data_dir, work)


# Cases bigger than this run alone (see _Turns); the rest share the two cores.
HEAVY_BYTES = 200_000


class _Turns:
    """Light cases of the three commands run side by side; a heavy case waits until nothing
    else runs and runs alone, so its time and memory are its own (a readers-writer lock)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._light = 0
        self._heavy = False
        self._waiting = 0  # heavy cases waiting: no new light case starts meanwhile

    def run(self, heavy: bool, work: Callable[[], Any]) -> Any:
        with self._cond:
            if heavy:
                self._waiting += 1
                self._cond.wait_for(lambda: not self._heavy and self._light == 0)
                self._waiting -= 1
                self._heavy = True
            else:
                self._cond.wait_for(lambda: not self._heavy and self._waiting == 0)
                self._light += 1
        try:
            return work()
        finally:
            with self._cond:
                if heavy:
                    self._heavy = False
                else:
                    self._light -= 1
                self._cond.notify_all()


def _heavy(case: Case) -> bool:
    try:
        return case.path.is_file() and case.path.stat().st_size > HEAVY_BYTES
    except OSError:
        return False


def run_all(folder: Path, only: set[str] | None = None) -> dict[str, Any]:
    """Build the corpus and a store under `folder` (created by the caller), run every case
    through the three commands, and return the outcomes and the final store check.

    Reviews and uploads read one store; ingests write to a copy of it, one at a time. The
    three commands go through the cases side by side (see _Turns)."""
    corpus = folder / "corpus"
    corpus.mkdir()
    work = folder / "work"
    work.mkdir()
    data = folder / "data"
    cases = [c for c in build(corpus) if only is None or c.name in only]
    build_store(data, work)
    written = folder / "written"
    shutil.copytree(data, written)
    before = store_inventory(written, work)
    turns = _Turns()
    server = Server(data, work)
    results: dict[str, list[Outcome]] = {"review": [], "ingest": [], "upload": []}

    def reviews() -> None:
        for case in cases:
            outcome = turns.run(_heavy(case), lambda c=case: review_case(c, data, work))
            results["review"].append(outcome)

    def ingests() -> None:
        total = sum(before.values())
        for case in cases:
            outcome, total = turns.run(
                _heavy(case), lambda c=case, t=total: ingest_case(c, written, work, t)
            )
            results["ingest"].append(outcome)

    def uploads() -> None:
        for case in (c for c in cases if c.uploadable):
            outcome = turns.run(_heavy(case), lambda c=case: upload_case(c, server))
            results["upload"].append(outcome)

    try:
        threads = [threading.Thread(target=f) for f in (reviews, ingests, uploads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    after = store_inventory(written, work)
    lost = {k: v for k, v in before.items() if after.get(k) != v}
    outcomes = results["review"] + results["ingest"] + results["upload"]
    return {"outcomes": [asdict(o) | {"ok": o.ok} for o in outcomes], "lost": lost,
            "cases": len(cases)}  # fmt: skip


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    only = set(argv[2].split(",")) if len(argv) > 2 and argv[1] == "--only" else None
    folder = Path(tempfile.mkdtemp(prefix="mlsd-hostile-"))
    try:
        results = run_all(folder, only)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # only the folder made above
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    bad = [o for o in results["outcomes"] if not o["ok"]]
    for o in results["outcomes"]:
        flag = "ok  " if o["ok"] else "FAIL"
        figures = f"exit={o['exit']} {o['seconds']:6.1f}s {o['max_rss_mb']:5.0f}MB"
        trouble = "; ".join(o["problems"])
        print(f"{flag} {o['command']:6} {o['case']:32} {figures} {trouble} | {o['message'][:90]}")
    print(f"{len(bad)} failing outcomes; sources lost: {results['lost'] or 'none'}")
    return 1 if bad or results["lost"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
