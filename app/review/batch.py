"""Batch review: find the design docs under paths and globs, review them in parallel."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel

from app.errors import MlsdError, UnsupportedDocument
from app.review.models import Review
from app.review.pipeline import Reviewer
from app.rubric.models import Severity

DRAFT_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".docx")
# Files in a docs folder that are not design docs.
SKIP_NAMES = {
    "readme",
    "changelog",
    "license",
    "contributing",
    "code_of_conduct",
    "security",
    "notice",
    "authors",
}


class BatchItem(BaseModel):
    """One document of a batch: its review, or the reason it could not be reviewed."""

    path: str
    review: Review | None = None
    error: str = ""
    unsupported: bool = False  # not a design doc, or not in English: declined, not broken


def discover(targets: list[str]) -> tuple[list[Path], list[str]]:
    """Files to review from paths, folders and glob patterns, and the targets that matched
    nothing. Folders are searched recursively for Markdown, text, PDF and DOCX files."""
    found: list[Path] = []
    missing: list[str] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith((".", "_")) and d not in ("node_modules", "venv")
                )
                for name in sorted(files):
                    candidate = Path(root) / name
                    if (
                        candidate.suffix.lower() in DRAFT_SUFFIXES
                        and candidate.stem.lower() not in SKIP_NAMES
                        and not name.startswith(".")
                    ):
                        found.append(candidate)
        elif path.exists():
            found.append(path)
        elif any(ch in target for ch in "*?["):
            matches = sorted(
                Path(p) for p in glob.glob(target, recursive=True) if Path(p).is_file()
            )
            if matches:
                found.extend(matches)
            else:
                missing.append(target)
        else:
            found.append(path)  # reviewed, and reported as "no such file"
    unique = list(dict.fromkeys(found))
    return unique, missing


def review_many(
    reviewer: Reviewer,
    paths: list[Path],
    jobs: int = 2,
    on_done: Callable[[BatchItem], None] | None = None,
    on_stage: Callable[[Path, str, float], None] | None = None,
) -> list[BatchItem]:
    """Review every path with up to `jobs` in parallel; results keep the input order.
    `on_stage(path, stage, fraction)` hears each review's progress (the LLM's sections)."""

    def one(path: Path) -> BatchItem:
        def stage(text: str, fraction: float) -> None:
            if on_stage is not None:
                on_stage(path, text, fraction)

        try:
            review = reviewer.review_path(path, str(path), progress=stage)
            item = BatchItem(path=str(path), review=review)
        except UnsupportedDocument as exc:
            item = BatchItem(path=str(path), error=str(exc), unsupported=True)
        except MlsdError as exc:
            item = BatchItem(path=str(path), error=str(exc))
        if on_done:
            on_done(item)
        return item

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, paths))


def fails(review: Review, fail_on: Severity | None, fail_under: float | None) -> bool:
    """Whether a review should fail CI: a finding at or above `fail_on`, or a low score."""
    if fail_under is not None and review.score < fail_under:
        return True
    if fail_on is None:
        return False
    return any(f.severity.rank >= fail_on.rank for f in review.all_findings())
