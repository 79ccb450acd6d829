"""The machine: CPU, memory, load, and waiting for a quiet window."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from evals.bench.common import LIBRARIES, Plan


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return 0.0


def machine_info() -> dict[str, Any]:
    """Cores, RAM, CPU model, Python and the versions of the libraries measured."""
    versions: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    import torch

    return {
        "cores": os.cpu_count() or 1,
        "torch_threads": torch.get_num_threads(),
        "ram_gb": _ram_gb(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "libraries": versions,
    }


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def _busy_seconds() -> float:
    """CPU seconds all processes have used since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuWatch:
    """How many cores other processes kept busy during a measurement: figures taken while
    other work ran on this 2-core machine are slower, and the report says by how much load."""

    def __init__(self) -> None:
        self.others_cores = 0.0
        self._start = (0.0, 0.0, 0.0)

    def __enter__(self) -> CpuWatch:
        self._start = (time.perf_counter(), _busy_seconds(), _own_seconds())
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._start[0]
        others = (_busy_seconds() - self._start[1]) - (_own_seconds() - self._start[2])
        self.others_cores = round(max(0.0, others) / max(wall, 1e-6), 2)


def wait_for_quiet(max_wait: float, threshold: float = 0.3, window: float = 3.0) -> float:
    """Wait until other processes use less than `threshold` cores over `window` seconds, or
    `max_wait` seconds have passed. Returns the seconds waited."""
    started = time.perf_counter()
    while True:
        with CpuWatch() as watch:
            time.sleep(window)
        waited = time.perf_counter() - started
        if watch.others_cores < threshold or waited >= max_wait:
            if waited > window * 1.5:
                log(f"waited {waited:.0f} s for other processes to go quiet")
            return round(waited, 1)


@contextmanager
def quiet_window(plan: Plan) -> Iterator[dict[str, float]]:
    """Wait (up to plan.max_wait) for the machine to go quiet, then watch the block. The dict
    yielded receives `waited_s` and, after the block, `others_cores`."""
    context = {"waited_s": wait_for_quiet(plan.max_wait)}
    with CpuWatch() as watch:
        yield context
    context["others_cores"] = watch.others_cores


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
