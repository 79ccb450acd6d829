"""A baseline of accepted findings, so CI fails only on what is new.

`mlsd review --write-baseline FILE` records the findings of every reviewed document;
`--baseline FILE` then moves the findings it already holds to `Review.suppressed` (by
"baseline"). A finding is known when the baseline has the same document and rule, and, for a
gap, when it lists no question the baseline's entry did not: a gap that grows is new, one
that shrinks is not. Documents are named by their path relative to the baseline file's
folder, so the file can be committed and used from any checkout.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from app.errors import MlsdError
from app.review.findings import fix_first
from app.review.models import Finding, Review, Suppression

BASELINE_VERSION = 1
MAX_BASELINE_BYTES = 20_000_000


class BaselineError(MlsdError):
    """A baseline file that cannot be read or written."""


class BaselineEntry(BaseModel):
    """One accepted finding."""

    document: str = Field(description="Path relative to the baseline file's folder.")
    rule_id: str
    questions: list[str] = Field(
        default_factory=list, description="For a gap: the open questions accepted."
    )
    title: str = Field("", description="For the reader of the file; not compared.")


class Baseline(BaseModel):
    """The accepted findings of a set of documents."""

    tool: Literal["mlsd"] = "mlsd"
    version: int = BASELINE_VERSION
    entries: list[BaselineEntry] = Field(default_factory=list)

    def documents(self) -> set[str]:
        """The documents the baseline holds findings for."""
        return {e.document for e in self.entries}


def document_key(path: Path, root: Path) -> str:
    """How a baseline names a document: its path relative to `root`, with '/'."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def entries_of(review: Review, key: str) -> list[BaselineEntry]:
    """Baseline entries for the findings a review reports (suppressed ones are not needed)."""
    return [
        BaselineEntry(document=key, rule_id=f.rule_id, questions=sorted(f.questions), title=f.title)
        for f in review.all_findings()
    ]


def updated(previous: Baseline | None, reviews: list[tuple[str, Review]]) -> Baseline:
    """A baseline with the findings of these reviews, keeping the entries of documents
    not reviewed this time (a run over changed docs only must not forget the others)."""
    reviewed = {key for key, _ in reviews}
    kept = [e for e in (previous.entries if previous else []) if e.document not in reviewed]
    fresh = [entry for key, review in reviews for entry in entries_of(review, key)]
    entries = sorted([*kept, *fresh], key=lambda e: (e.document, e.rule_id))
    return Baseline(entries=entries)


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file. Raises BaselineError with a one-line reason."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BASELINE_BYTES + 1)
    except FileNotFoundError:
        raise BaselineError(
            f"baseline {path}: no such file (create it with --write-baseline {path})"
        ) from None
    except OSError as exc:
        raise BaselineError(f"baseline {path}: cannot read it ({exc.strerror})") from None
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"baseline {path}: larger than {MAX_BASELINE_BYTES // 1_000_000} MB")
    try:
        return Baseline.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise BaselineError(
            f"baseline {path}: not an mlsd baseline ({where}: {first['msg']})"
        ) from None


def write_baseline(path: Path, baseline: Baseline) -> None:
    """Write a baseline file whole or not at all (a temporary file, then a rename)."""
    text = json.dumps(baseline.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise BaselineError(f"baseline {path}: cannot write it ({exc.strerror})") from None


def _known(finding: Finding, entries: list[BaselineEntry]) -> bool:
    return any(
        e.rule_id == finding.rule_id and set(finding.questions) <= set(e.questions) for e in entries
    )


def apply_baseline(review: Review, key: str, baseline: Baseline) -> Review:
    """The review with the findings the baseline already holds moved to `suppressed`."""
    entries = [e for e in baseline.entries if e.document == key]
    if not entries:
        return review
    out = review.model_copy(deep=True)
    silenced: list[Suppression] = []

    def new_only(findings: list[Finding]) -> list[Finding]:
        kept = []
        for finding in findings:
            if _known(finding, entries):
                silenced.append(Suppression(finding=finding, by="baseline"))
            else:
                kept.append(finding)
        return kept

    for section in out.sections:
        section.findings = new_only(section.findings)
    out.findings = new_only(out.findings)
    out.suppressed = [*out.suppressed, *silenced]
    out.fix_first = [f.id for f in fix_first(out.all_findings())]
    return out


def stale_entries(baseline: Baseline, reviews: list[tuple[str, Review]]) -> int:
    """Entries of reviewed documents that no longer match a finding (fixed since)."""
    count = 0
    for key, review in reviews:
        findings = [s.finding for s in review.suppressed if s.by == "baseline"]
        findings += review.all_findings()
        for entry in (e for e in baseline.entries if e.document == key):
            if not any(
                f.rule_id == entry.rule_id and set(f.questions) <= set(entry.questions)
                for f in findings
            ):
                count += 1
    return count
