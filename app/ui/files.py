"""Files the web app writes: a private scratch folder per job (extracted uploads, reports to
download), the report files of one review, and the .zip of a batch's reports."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.files import write_atomic
from app.reports import render, render_sarif_many
from app.review.batch import BatchItem
from app.review.edits import unified_diff
from app.review.models import Review, SuggestedEdit
from app.ui.view import item_error

# Jobs older than this are deleted when a new one starts: downloads stay available for a
# working session, and a long-running server does not fill the disk.
JOB_MAX_AGE = 6 * 3600.0
REPORT_FORMATS = {"markdown": ".md", "json": ".json", "html": ".html"}


class Workspace:
    """Scratch folders for one server process: one per job, deleted when old or at exit.

    It only ever deletes folders it created itself: the job folders, and the root when it
    made the root (a root passed in is left in place, whatever it holds)."""

    def __init__(self, root: Path | None = None, max_age: float = JOB_MAX_AGE) -> None:
        self._owns_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="mlsd-ui-")) if root is None else root
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_age = max_age
        self._jobs: dict[Path, float] = {}
        self._lock = threading.Lock()
        atexit.register(self.cleanup)

    def job(self, kind: str) -> Path:
        """A new empty folder for one request (old ones are pruned first)."""
        self.prune()
        folder = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=self.root))
        with self._lock:
            self._jobs[folder] = time.time()
        return folder

    def prune(self, now: float | None = None) -> int:
        """Delete this workspace's job folders older than max_age; how many were deleted."""
        now = time.time() if now is None else now
        with self._lock:
            old = [f for f, created in self._jobs.items() if now - created > self.max_age]
            for folder in old:
                shutil.rmtree(folder, ignore_errors=True)
                del self._jobs[folder]
        return len(old)

    def cleanup(self) -> None:
        """Delete every job folder, and the root when this workspace created it."""
        with self._lock:
            for folder in self._jobs:
                shutil.rmtree(folder, ignore_errors=True)
            self._jobs.clear()
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)


def report_stem(document: str) -> str:
    """A file name for a document's reports: 'docs/a/b.md' -> 'docs__a__b'."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", document.replace("\\", "/").lstrip("./"))
    return re.sub(r"[^A-Za-z0-9._-]+", "__", stem).strip("_.") or "draft"


def suggested_edits(review: Review) -> list[SuggestedEdit]:
    """Every suggested edit of a review, in report order."""
    return [f.suggested_edit for f in review.all_findings() if f.suggested_edit is not None]


def edits_diff(review: Review, original: bytes | None) -> str:
    """The suggested edits as a unified diff, or '' when the draft is not Markdown or text
    (a diff needs the draft's own lines) or nothing is suggested."""
    if original is None or review.document_format not in ("markdown", "text"):
        return ""
    from app.draft import draft_lines_text

    return unified_diff(review.document, draft_lines_text(original), suggested_edits(review))


@dataclass(frozen=True)
class ReviewFiles:
    """The downloads of one review; `diff` is None when there is no diff to offer."""

    markdown: Path
    json: Path
    html: Path
    diff: Path | None


def write_review_files(review: Review, original: bytes | None, folder: Path) -> ReviewFiles:
    """Write the Markdown, JSON and HTML reports and the suggested-edits diff to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = report_stem(review.document)
    paths: dict[str, Path] = {}
    for fmt, suffix in REPORT_FORMATS.items():
        path = folder / f"{stem}.review{suffix}"
        write_atomic(path, render(review, fmt))
        paths[fmt] = path
    diff_text = edits_diff(review, original)
    diff_path = None
    if diff_text:
        diff_path = folder / f"{stem}.suggested.diff"
        write_atomic(diff_path, diff_text)
    return ReviewFiles(paths["markdown"], paths["json"], paths["html"], diff_path)


def write_batch_zip(
    items: list[BatchItem], originals: dict[str, bytes], target: Path, summary_csv: str
) -> Path:
    """A .zip with each document's reports (and diff), a SARIF log of all of them, the
    summary table as CSV and the errors of the documents that failed."""
    reviews = [i.review for i in items if i.review is not None]
    used: set[str] = set()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            if item.review is None:
                continue
            stem = report_stem(item.path)
            while stem in used:
                stem += "_"
            used.add(stem)
            for fmt, suffix in REPORT_FORMATS.items():
                archive.writestr(f"reports/{stem}{suffix}", render(item.review, fmt))
            diff = edits_diff(item.review, originals.get(item.path))
            if diff:
                archive.writestr(f"reports/{stem}.diff", diff)
        archive.writestr("mlsd.sarif", render_sarif_many(reviews))
        archive.writestr("summary.csv", summary_csv)
        failed = [f"{i.path}: {item_error(i)}" for i in items if i.review is None]
        if failed:
            archive.writestr("errors.txt", "\n".join(failed) + "\n")
    return target
