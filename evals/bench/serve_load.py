"""`mlsd serve` under load: 8 concurrent reviews and 8 concurrent chats through gradio_client on
loopback, bounded in time; p50 and p95 latency per kind, and the errors."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from evals.bench.common import REVIEW_DRAFT, SMALL_DRAFT, Plan, latency_ms
from evals.bench.machine import log, quiet_window
from evals.bench.processes import child_env, free_port, http_ok, mlsd_command

QUESTIONS = (
    "Batch or online inference for a daily demand forecast?",
    "How should I detect data drift after launch?",
    "What should an A/B test of a ranking model measure?",
    "How do I keep serving cost under control?",
)


def _one(url: str, kind: str, k: int, out: list[tuple[str, float, str]]) -> None:
    from gradio_client import Client, handle_file

    started = time.perf_counter()
    error = ""
    try:
        client = Client(url, verbose=False, download_files=False)
        if kind == "review":
            draft = REVIEW_DRAFT if k % 2 == 0 else SMALL_DRAFT
            client.predict(handle_file(str(draft)), "", None, api_name="/review")
        else:
            client.predict(QUESTIONS[k % len(QUESTIONS)], [], False, api_name="/chat")
    except Exception as exc:  # counted as an error of the load test
        error = f"{type(exc).__name__}: {exc}"[:200]
    out.append((kind, time.perf_counter() - started, error))


def bench_serve_load(
    data_dir: Path, work: Path, plan: Plan, users: int = 8, limit: float = 600.0
) -> dict[str, Any]:
    """Start `mlsd serve`, warm it with one review, then send `users` reviews and `users`
    chats at once; stop it. The run is bounded by `limit` seconds."""
    env = child_env(data_dir, work)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [*mlsd_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not http_ok(url):
            if time.monotonic() > deadline or server.poll() is not None:
                return {"skipped": "`mlsd serve` gave no HTTP 200 within 300 s"}
            time.sleep(0.5)
        warm: list[tuple[str, float, str]] = []
        _one(url, "review", 1, warm)
        log(f"serve load: {users} reviews and {users} chats at once")
        results: list[tuple[str, float, str]] = []
        threads = [
            threading.Thread(target=_one, args=(url, kind, k, results), daemon=True)
            for k in range(users)
            for kind in ("review", "chat")
        ]
        with quiet_window(plan) as window:
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(max(0.0, limit - (time.perf_counter() - started)))
            wall = time.perf_counter() - started
        out: dict[str, Any] = {"users": users, "wall_seconds": round(wall, 1), **window}
        for kind in ("review", "chat"):
            done = [(s, e) for k, s, e in list(results) if k == kind]
            ok = [s for s, e in done if not e]
            out[kind] = {
                "requests": users,
                "answered": len(ok),
                "errors": [e for _, e in done if e][:5],
                "unfinished": users - len(done),
                "latency_ms": latency_ms(ok) if ok else {},
            }
        return out
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
