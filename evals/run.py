"""`mlsd eval`: every quality figure in one run, with floors that fail CI when quality slides."""

from __future__ import annotations

import platform
import time
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from app.review.models import Review
from app.review.pipeline import Reviewer
from app.settings import KNOWLEDGE_DIR
from evals.cases import Case, load_cases, mutate
from evals.retrieval_eval import (
    RetrievalMetrics,
    evaluate_retrieval,
    guide_sections,
    retrieval_set,
)
from evals.review_eval import CaseRun, ReviewMetrics, Tally, citation_relevance, run_reviews

FLOORS = Path(__file__).parent / "floors.yaml"


class EvalReport(BaseModel):
    """What `mlsd eval` prints and writes."""

    date: str
    machine: str
    mode: str
    review: ReviewMetrics
    mutations: ReviewMetrics | None = None
    retrieval_template: RetrievalMetrics
    retrieval_tradeoffs: RetrievalMetrics
    citation_relevance: float
    seconds_per_review: float
    per_case: dict[str, float] = Field(default_factory=dict)
    failures: list[str] = Field(default_factory=list)


def metrics_from_reviews(
    cases: list[Case], reviews: list[Review], baselines: list[Review] | None = None
) -> ReviewMetrics:
    """The review metrics computed from full reviews (any mode). For mutation cases, a gap
    counts as reported when the section's status is a gap or a gap finding appears for it
    that the unmutated draft did not have."""
    before = {Path(b.document).stem: {f.rule_id for f in b.all_findings()} for b in baselines or []}
    tally = Tally()
    for case, review in zip(cases, reviews, strict=True):
        statuses = {s.section_id: s.status for s in review.sections}
        answers = {v.question_id: v.verdict.value for s in review.sections for v in s.verdicts}
        fired = {
            f.rule_id.removeprefix("risk.")
            for f in review.all_findings()
            if f.kind.value == "risk" and not f.rule_id.startswith("risk.llm.")
        }
        new_gaps = {
            f.rule_id
            for f in review.all_findings()
            if f.section_id == case.expect_gap and f.kind.value == "gap"
        }
        reported = bool(new_gaps - before.get(case.name.split("~")[0], set()))
        tally.add(case, statuses, answers, fired, reported)
    return tally.metrics()


def mutation_cases(cases: list[Case], runs: list[CaseRun], per_case: int = 3) -> list[Case]:
    """From each complete case: delete well-aligned sections, or blank the figures of one."""
    out: list[Case] = []
    for case, run in zip(cases, runs, strict=True):
        if case.kind != "complete":
            continue
        made = 0
        order = run.review.sections[::3] + run.review.sections[1::3] + run.review.sections[2::3]
        for section in order[len(out) % 3 :] + order[: len(out) % 3]:
            if made >= per_case or case.sections.get(section.section_id) != "covered":
                continue
            aligned = [a for a in section.aligned if a.confidence >= 0.6]
            # Only a section that owns its draft heading alone can be removed cleanly.
            if len(aligned) != 1 or aligned[0].location.line_start is None:
                continue
            others = [
                s
                for s in run.review.sections
                if s is not section and any(a.heading == aligned[0].heading for a in s.aligned)
            ]
            if others:
                continue
            loc = aligned[0].location
            how = "delete" if made % 2 == 0 else "blank"
            out.append(
                mutate(
                    case,
                    section.section_id,
                    (loc.line_start or 1, loc.line_end or loc.line_start or 1),
                    how,
                )
            )
            made += 1
    return out


def load_floors(path: Path = FLOORS) -> dict[str, float]:
    """Minimum values `mlsd eval --check` enforces."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in (data or {}).items()}


def check_floors(report: EvalReport, floors: dict[str, float]) -> list[str]:
    """Each floor the report falls under, as a message."""
    values = {
        "section_gap_recall": report.review.section_gap["recall"],
        "section_gap_precision": report.review.section_gap["precision"],
        "question_accuracy": report.review.question_accuracy,
        "risk_recall": report.review.risk["recall"],
        "risk_precision": report.review.risk["precision"],
        "retrieval_hit_at_5": report.retrieval_template.hit_at_5,
        "retrieval_mrr_at_10": report.retrieval_template.mrr_at_10,
        "tradeoff_hit_at_5": report.retrieval_tradeoffs.hit_at_5,
        "citation_relevance": report.citation_relevance,
        "mutations_detected": (report.mutations.mutations_detected or 0.0)
        if report.mutations
        else 0.0,
    }
    return [
        f"{name} {values[name]:.3f} is under its floor {floor:.3f}"
        for name, floor in floors.items()
        if name in values and values[name] < floor
    ]


def evaluate(reviewer: Reviewer, with_mutations: bool = True) -> EvalReport:
    """Run every evaluation with the reviewer as configured (offline or LLM)."""
    cases = load_cases()
    started = time.perf_counter()
    runs = run_reviews(reviewer, cases)
    elapsed = time.perf_counter() - started
    review_metrics = metrics_from_reviews(cases, [r.review for r in runs])
    mutation_metrics = None
    if with_mutations:
        mutated = mutation_cases(cases, runs)
        if mutated:
            mutation_runs = run_reviews(reviewer, mutated)
            mutation_metrics = metrics_from_reviews(
                mutated, [r.review for r in mutation_runs], [r.review for r in runs]
            )
    guides = KNOWLEDGE_DIR / "guides"
    items = retrieval_set(reviewer.rubric, guides)
    sections_by_guide = guide_sections(guides)
    by_source = {}
    for source in reviewer.store.sources():
        by_source[source] = sections_by_guide.get(Path(source).name, set())
    risk_sections = {r.id: r.sections for r in reviewer.catalogue.risks}
    return EvalReport(
        date=time.strftime("%Y-%m-%d %H:%M"),
        machine=f"{platform.machine()}, {platform.python_version()}, {_cores()} cores",
        mode=reviewer.mode,
        review=review_metrics,
        mutations=mutation_metrics,
        retrieval_template=evaluate_retrieval(
            reviewer.store, [i for i in items if i.origin == "template"]
        ),
        retrieval_tradeoffs=evaluate_retrieval(
            reviewer.store, [i for i in items if i.origin == "tradeoff"]
        ),
        citation_relevance=citation_relevance(runs, by_source, risk_sections),
        seconds_per_review=round(elapsed / max(len(runs), 1), 3),
        per_case={r.name: r.review.score for r in runs},
    )


def _cores() -> int:
    import os

    return os.cpu_count() or 1
