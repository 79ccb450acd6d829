"""Which files changed since a git ref: what `mlsd review --changed-since REF` reviews.

Changed means changed between the merge base of REF and HEAD and the working tree
(committed, staged or not), plus files git does not track yet and does not ignore: what a
pull request adds to its base branch, and what a commit is about to add locally. Deleted
files are left out. git is run with a bounded time and its errors become one line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from app.errors import MlsdError

GIT_SECONDS = 60.0


class ChangesError(MlsdError):
    """git could not tell what changed."""


def _git(args: list[str], cwd: Path) -> str:
    git = shutil.which("git")
    if git is None:
        raise ChangesError("--changed-since needs git, and git is not on PATH")
    try:
        done = subprocess.run(
            [git, *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_SECONDS,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        raise ChangesError(f"git {args[0]} took more than {GIT_SECONDS:.0f} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChangesError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout.decode("utf-8", "surrogateescape")


def changed_since(ref: str, cwd: Path | None = None) -> set[Path]:
    """Absolute paths of the files changed since `ref`. Raises ChangesError (not a git
    repository, an unknown ref, a shallow clone without the ref's history)."""
    folder = (cwd or Path.cwd()).resolve()
    if ref.startswith("-"):
        raise ChangesError(f"--changed-since: '{ref}' is not a git ref")
    try:
        root = Path(_git(["rev-parse", "--show-toplevel"], folder).strip())
    except ChangesError:
        raise ChangesError(f"--changed-since: {folder} is not inside a git repository") from None
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    except ChangesError:
        raise ChangesError(
            f"--changed-since: unknown git ref '{ref}' (in CI, fetch it first: "
            f"git fetch origin {ref.removeprefix('origin/')})"
        ) from None
    try:
        base = _git(["merge-base", ref, "HEAD"], root).strip()
    except ChangesError:
        raise ChangesError(
            f"--changed-since: '{ref}' and HEAD share no history here (a shallow clone? "
            "fetch with more depth, e.g. actions/checkout with fetch-depth: 0)"
        ) from None
    diff = _git(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", base], root)
    new = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    names = [n for n in (diff + new).split("\0") if n]
    return {(root / name).resolve() for name in names}
