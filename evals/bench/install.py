"""Install time (issue 13): `make setup-run` against the install `make run` did before it.

Each install goes into a fresh venv from a copy of the sources, with empty pip and uv caches
of its own, so each pays for what it downloads. torch comes from the machine's local CPU
build in every case, as the Makefile asks for it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from app.settings import PROJECT_ROOT
from evals.bench.common import Plan, ratio
from evals.bench.machine import log, quiet_window

SOURCES = ("app", "ingest", "evals", "knowledge", "prompts", "schemas", "scripts")
FILES = ("pyproject.toml", "setup.py", "README.md", "Makefile")


def _copy_sources(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in SOURCES:
        shutil.copytree(
            PROJECT_ROOT / name,
            target / name,
            ignore=shutil.ignore_patterns("__pycache__", "results", "build", "*.egg-info"),
        )
    for name in FILES:
        shutil.copy(PROJECT_ROOT / name, target / name)
    return target


def _timed(steps: list[list[str]], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    for step in steps:
        done = subprocess.run(step, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(step[:4])}... failed: {done.stderr[-300:]}")
    return time.perf_counter() - started


def _env(caches: Path) -> dict[str, str]:
    caches.mkdir(parents=True)
    return {
        **os.environ,
        "PIP_CACHE_DIR": str(caches / "pip"),
        "UV_CACHE_DIR": str(caches / "uv"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def bench_install(work: Path, plan: Plan) -> dict[str, Any]:
    """Seconds for: the old `make run` install (pip: torch, then the package with its dev
    extra), the runtime only by pip, and `make setup-run` (uv, runtime only)."""
    root = work / "install"
    source = _copy_sources(root / "src")
    python = sys.executable
    out: dict[str, Any] = {}

    def pip_install(venv: Path, package: str) -> list[list[str]]:
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        return [
            [python, "-m", "venv", str(venv)],
            [*pip, "--upgrade", "pip"],
            [*pip, "torch==2.13.0"],
            [*pip, "-e", package],
        ]

    cases: dict[str, list[list[str]]] = {
        "before_make_run": pip_install(root / "v-before", ".[dev]"),
        "runtime_pip": pip_install(root / "v-pip", "."),
        "setup_run": [["make", "setup-run", f"VENV={root / 'v-after'}", f"PYTHON={python}"]],
    }
    for name, steps in cases.items():
        log(f"install: {name}")
        with quiet_window(plan) as window:
            seconds = _timed(steps, source, _env(root / f"cache-{name}"))
        out[name] = {"seconds": round(seconds, 1), **window}
    after = root / "v-after" / "bin" / "mlsd"
    version = subprocess.run([str(after), "--version"], capture_output=True, text=True, timeout=60)
    out["setup_run_works"] = version.returncode == 0
    out["speedup"] = ratio(out["before_make_run"]["seconds"], out["setup_run"]["seconds"])
    out["speedup_pip_runtime"] = ratio(
        out["before_make_run"]["seconds"], out["runtime_pip"]["seconds"]
    )
    out["goal_met"] = bool(out["setup_run_works"] and (out["speedup"] or 0) >= 2.0)
    shutil.rmtree(root, ignore_errors=True)
    return out
