"""Fill a folder outside the repository with the public template texts, from fetched git dirs.

    python -m evals.templates.fill DIR [--mirrors /work/.mirror]

Each template listed in evals/templates/sources.yaml is written as DIR/<id>.<format>, byte for
byte as `git show COMMIT:PATH` gives it. The mirrors folder holds one `owner+name/` per
repository with its git directory inside (what the project's `fetch` tool brings). The texts are
third-party: they never go into the repository, so a DIR inside it is refused.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from evals.realdocs.fill import DEFAULT_MIRRORS, outside_repository, read_pinned

SOURCES = Path(__file__).parent / "sources.yaml"
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Source:
    """Where one template lives and the file name it gets in the output folder."""

    id: str
    repo: str
    path: str
    commit: str
    format: str

    @property
    def file_name(self) -> str:
        return f"{self.id}.{self.format}"


def load_sources(path: Path = SOURCES) -> list[Source]:
    """The templates listed in sources.yaml. Raises ValueError on a malformed entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("templates")
    if not isinstance(entries, list):
        raise ValueError(f"{path}: needs a top-level `templates:` list")
    sources, seen = [], set()
    for i, raw in enumerate(entries, start=1):
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: entry {i} is not a mapping")
        missing = [k for k in ("id", "repo", "path", "commit", "format") if not raw.get(k)]
        if missing:
            raise ValueError(f"{path}: entry {i} lacks {', '.join(missing)}")
        sid, commit = str(raw["id"]), str(raw["commit"])
        if not _ID.match(sid) or sid in seen:
            raise ValueError(f"{path}: entry {i} has a bad or repeated id {sid!r}")
        if not _COMMIT.match(commit):
            raise ValueError(f"{path}: {sid}: commit must be 40 lowercase hex digits")
        seen.add(sid)
        sources.append(Source(sid, str(raw["repo"]), str(raw["path"]), commit, str(raw["format"])))
    return sources


def read_source(mirrors: Path, source: Source) -> bytes:
    """The template's bytes at its commit. Raises LookupError when it cannot be read."""
    return read_pinned(mirrors, source.id, source.repo, source.commit, source.path)


def fill(out: Path, mirrors: Path = DEFAULT_MIRRORS, sources: Path = SOURCES) -> list[str]:
    """Write every template it can into `out`; returns the problems met."""
    outside_repository(out)
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    for source in load_sources(sources):
        try:
            (out / source.file_name).write_bytes(read_source(mirrors, source))
        except (LookupError, subprocess.TimeoutExpired) as exc:
            problems.append(str(exc))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("out", type=Path, help="folder to fill (outside the repository)")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="fetched repos")
    parser.add_argument("--sources", type=Path, default=SOURCES, help="sources.yaml to read")
    args = parser.parse_args(argv)
    try:
        problems = fill(args.out, args.mirrors, args.sources)
        total = len(load_sources(args.sources))
    except ValueError as exc:
        print(f"fill: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {total - len(problems)} of {total} templates to {args.out}")
    for problem in problems:
        print(f"  missing: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
