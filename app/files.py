"""Files written whole or not at all.

A report, a summary or a cached review is written to a temporary file beside its target and
renamed over it: a full disk, a file-size limit or a kill mid-write leaves the previous file
(or none), never a truncated one that a later run or a CI step would read as complete.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from app.errors import MlsdError

__all__ = ["WriteError", "write_atomic"]


class WriteError(MlsdError):
    """A file could not be written (full disk, no permission); says which and why."""


def write_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` whole or not at all. Raises WriteError."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        reason = exc.strerror or type(exc).__name__
        raise WriteError(f"cannot write {path} ({reason})") from None
