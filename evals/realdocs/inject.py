"""Flaw sensitivity: one known flaw injected into a design doc, next to the clean doc.

`build_pairs(doc_id, text)` makes a (clean, flawed) pair for each flaw that applies to the doc:
a flaw that deletes something applies only where the doc has it, and a flaw the doc already
has is not injected again. Each pair records the line span of the injection in the flawed text
and the findings a reviewer should raise there. `measure(reviewer, pairs)` reviews both texts
and reports, per flaw and overall, how often the expected finding appears in the flawed doc
(found), how often it appears in the clean doc anyway (control) and the difference (lift).

    python -m evals.realdocs.inject DIR [--data-dir D] [--out report.json]

reviews every DIR/*.md and DIR/*.txt. The flaws live in flaws.py, the text edits they make in
doctext.py. Everything here is deterministic: no randomness.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path

from pydantic import BaseModel, Field

from app.draft import load_draft_bytes
from app.errors import MlsdError
from app.review.models import FindingKind, Review
from app.review.pipeline import Reviewer
from evals.realdocs.flaws import FLAWS, Expectation, FlawPair, build_pairs
from ingest.errors import LoadError

__all__ = [
    "FLAWS",
    "Expectation",
    "FlawFigures",
    "FlawPair",
    "InjectionReport",
    "PairResult",
    "build_pairs",
    "load_folder",
    "matches",
    "measure",
    "run_suite",
    "table",
]


class PairResult(BaseModel):
    """Whether the expected finding appeared for one pair, in the flawed and the clean doc."""

    doc_id: str
    flaw: str
    spans: list[tuple[int, int]]
    found: bool
    control: bool
    matched: list[str] = Field(default_factory=list)
    control_matched: list[str] = Field(default_factory=list)


class FlawFigures(BaseModel):
    """Rates for one flaw (or all of them): found in the flawed doc, found in the clean
    control, and lift = found - control. The rule_ rates count rule findings only, without
    the section-gap alternative."""

    flaw: str
    n: int
    found_rate: float
    control_rate: float
    lift: float
    rule_found_rate: float
    rule_control_rate: float


class InjectionReport(BaseModel):
    """The injection suite's figures."""

    docs: int
    pairs: int
    overall: FlawFigures
    flaws: list[FlawFigures]
    results: list[PairResult]
    skipped: dict[str, str] = Field(default_factory=dict)


def _located(
    finding_lines: Iterable[tuple[int | None, int | None]], spans: list[tuple[int, int]]
) -> bool:
    for start, end in finding_lines:
        if start is None:
            continue
        last = end if end is not None else start
        if any(start <= b and a <= last for a, b in spans):
            return True
    return False


def matches(review: Review, expected: Expectation, spans: list[tuple[int, int]]) -> list[str]:
    """What in the review answers the expectation: matching rule ids and gapped sections."""
    out = []
    for finding in review.all_findings():
        if not any(fnmatch(finding.rule_id, p) for p in expected.rule_ids):
            continue
        lines = [(e.location.line_start, e.location.line_end) for e in finding.evidence]
        if expected.located and not _located(lines, spans):
            continue
        out.append(finding.rule_id)
    for section in review.sections:
        if section.section_id not in expected.gap_sections:
            continue
        gap = any(f.kind is FindingKind.GAP for f in section.findings)
        if section.status in ("partial", "missing") or gap:
            out.append(f"{section.section_id}:{section.status}")
    return sorted(set(out))


def _review(reviewer: Reviewer, text: str, name: str) -> Review:
    settings = reviewer.settings
    draft = load_draft_bytes(
        text.encode(), name, max_bytes=settings.max_bytes, max_pages=settings.max_pages
    )
    return reviewer.review(draft)


def _figures(flaw: str, results: list[PairResult]) -> FlawFigures:
    n = len(results)

    def rate(values: Iterable[bool]) -> float:
        return round(sum(values) / n, 3) if n else 0.0

    def by_rule(matched: list[str]) -> bool:
        return any(":" not in m for m in matched)

    found = rate(r.found for r in results)
    control = rate(r.control for r in results)
    return FlawFigures(
        flaw=flaw,
        n=n,
        found_rate=found,
        control_rate=control,
        lift=round(found - control, 3),
        rule_found_rate=rate(by_rule(r.matched) for r in results),
        rule_control_rate=rate(by_rule(r.control_matched) for r in results),
    )


def measure(reviewer: Reviewer, pairs: list[FlawPair]) -> InjectionReport:
    """Review each pair's clean and flawed text and count where the expected finding lands.

    A doc the reviewer declines (another language, not a design doc) is skipped with the
    reason."""
    clean_reviews: dict[str, Review] = {}
    skipped: dict[str, str] = {}
    results: list[PairResult] = []
    for pair in pairs:
        if pair.doc_id in skipped:
            continue
        name = f"{pair.doc_id}.{pair.suffix}"
        try:
            if pair.doc_id not in clean_reviews:
                clean_reviews[pair.doc_id] = _review(reviewer, pair.clean, name)
            flawed = _review(reviewer, pair.flawed, name)
        except (MlsdError, LoadError) as exc:
            skipped[pair.doc_id] = str(exc)
            continue
        matched = matches(flawed, pair.expected, pair.spans)
        control = matches(clean_reviews[pair.doc_id], pair.expected, pair.spans)
        results.append(
            PairResult(
                doc_id=pair.doc_id,
                flaw=pair.flaw,
                spans=pair.spans,
                found=bool(matched),
                control=bool(control),
                matched=matched,
                control_matched=control,
            )
        )
    results = [r for r in results if r.doc_id not in skipped]
    flaws = [_figures(f, [r for r in results if r.flaw == f]) for f in FLAWS]
    return InjectionReport(
        docs=len({r.doc_id for r in results}),
        pairs=len(results),
        overall=_figures("all", results),
        flaws=[f for f in flaws if f.n],
        results=results,
        skipped=skipped,
    )


def load_folder(folder: Path) -> list[FlawPair]:
    """Pairs for every DIR/*.md and DIR/*.txt, in name order."""
    pairs: list[FlawPair] = []
    for path in sorted([*folder.glob("*.md"), *folder.glob("*.txt")]):
        text = path.read_text(encoding="utf-8", errors="replace")
        pairs += build_pairs(path.stem, text, path.suffix.lstrip("."))
    return pairs


def run_suite(reviewer: Reviewer, folder: Path) -> InjectionReport:
    """Build the pairs of every text in a folder and measure them."""
    return measure(reviewer, load_folder(folder))


def table(report: InjectionReport) -> str:
    """The per-flaw figures as a plain-text table."""
    rows = [("flaw", "n", "found", "control", "lift", "rule found", "rule control")]
    for f in [*report.flaws, report.overall]:
        rows.append(
            (
                f.flaw,
                str(f.n),
                f"{f.found_rate:.2f}",
                f"{f.control_rate:.2f}",
                f"{f.lift:+.2f}",
                f"{f.rule_found_rate:.2f}",
                f"{f.rule_control_rate:.2f}",
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> int:
    """Run the suite over a folder and print the table (and write the JSON report)."""
    from app.api import make_reviewer
    from app.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m evals.realdocs.inject")
    parser.add_argument("folder", type=Path, help="folder of .md and .txt design docs")
    parser.add_argument("--data-dir", type=Path, default=None, help="mlsd data directory")
    parser.add_argument("--out", type=Path, default=None, help="write the report as JSON here")
    args = parser.parse_args(argv)
    reviewer = make_reviewer(load_settings(data_dir=args.data_dir), use_cache=False)
    report = run_suite(reviewer, args.folder)
    print(table(report))
    for doc, reason in sorted(report.skipped.items()):
        print(f"skipped {doc}: {reason}")
    if args.out is not None:
        args.out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
