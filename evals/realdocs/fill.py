"""Fill a folder outside the repository with the corpus texts, from fetched git directories.

    python -m evals.realdocs.fill DIR [--mirrors /work/.mirror]

Each doc is written as DIR/<id>.<format>, byte for byte as `git show COMMIT:PATH` gives it.
The mirrors folder holds one `owner+name/` per repository with its git directory inside
(what the project's `fetch` tool brings). Docs whose repository is not there are listed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from evals.realdocs.labels import LABELS_DIR, DocLabel, load_labels

DEFAULT_MIRRORS = Path("/work/.mirror")


def git_dir(mirrors: Path, repo: str) -> Path | None:
    """The git directory of a fetched repository, if it is there."""
    base = mirrors / repo.replace("/", "+")
    for candidate in (base / "repo", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def read_pinned(mirrors: Path, name: str, repo: str, commit: str, path: str) -> bytes:
    """A file's bytes at a commit of a fetched repository. Raises LookupError when it
    cannot be read; `name` says which entry in the message."""
    where = git_dir(mirrors, repo)
    if where is None:
        raise LookupError(f"{name}: repository {repo} is not under {mirrors}")
    result = subprocess.run(
        ["git", "--git-dir", str(where), "show", f"{commit}:{path}"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[:1]
        raise LookupError(f"{name}: {' '.join(reason) or 'git show failed'}")
    return result.stdout


def read_doc(mirrors: Path, doc: DocLabel) -> bytes:
    """The doc's bytes at its commit. Raises LookupError when it cannot be read."""
    source = doc.source
    return read_pinned(mirrors, doc.id, source.repo, source.commit, source.path)


def outside_repository(out: Path) -> None:
    """Refuse a folder inside the repository: third-party text never goes in it."""
    repo_root = Path(__file__).resolve().parents[2]
    if out.resolve().is_relative_to(repo_root):
        raise ValueError(f"{out} is inside the repository: third-party text stays outside it")


def fill(out: Path, mirrors: Path = DEFAULT_MIRRORS, labels: Path = LABELS_DIR) -> list[str]:
    """Write every doc it can into `out`; returns the problems met."""
    outside_repository(out)
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    for doc in load_labels(labels):
        try:
            (out / doc.file_name).write_bytes(read_doc(mirrors, doc))
        except (LookupError, subprocess.TimeoutExpired) as exc:
            problems.append(str(exc))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder to fill (outside the repository)")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="fetched repos")
    parser.add_argument("--labels", type=Path, default=LABELS_DIR, help="label folder")
    args = parser.parse_args(argv)
    try:
        problems = fill(args.out, args.mirrors, args.labels)
    except ValueError as exc:
        print(f"fill: {exc}", file=sys.stderr)
        return 2
    total = len(load_labels(args.labels))
    print(f"wrote {total - len(problems)} of {total} docs to {args.out}")
    for problem in problems:
        print(f"  missing: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
