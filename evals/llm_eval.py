"""`mlsd eval --llm SPEC --subset N`: the model against offline on the same labelled cases.

A small local model takes minutes per draft, so the harness judges a subset that fits the
time: N cases spread over the kinds of case (complete, thin, unusual headings...). Each is
reviewed offline and with the model. Figures are given over every labelled section and over
the sections the model really judged (the others fall back to offline within the budget, and
would only dilute the difference).
"""

from __future__ import annotations

import platform
import time
from collections import defaultdict

from pydantic import BaseModel, Field

from app.review.models import Review
from app.review.pipeline import Reviewer
from evals.cases import Case
from evals.metrics import PRF
from evals.review_eval import GAP_LABELS


class ModeFigures(BaseModel):
    """Agreement with the labels of one mode over a set of sections."""

    sections: int
    status_accuracy: float
    gap: dict[str, float]
    question_accuracy: float


class ModeRun(BaseModel):
    """One mode over the subset."""

    mode: str
    seconds_per_review: float
    all_sections: ModeFigures
    model_sections: ModeFigures = Field(
        description="Only the sections the model judged (in the LLM run)."
    )


class LLMComparison(BaseModel):
    """What `mlsd eval --llm SPEC --subset N` prints."""

    date: str
    machine: str
    model: str
    budget: float | None
    cases: list[str]
    sections_judged_by_model: int
    sections_total: int
    verdicts_downgraded: int = Field(
        description="Model verdicts kept offline because their evidence was not in the draft "
        "or not about the question."
    )
    verdicts_by_model: int
    offline: ModeRun
    llm: ModeRun


def pick_cases(cases: list[Case], n: int) -> list[Case]:
    """N cases, taken in turn from each kind so a subset is not all one kind."""
    by_kind: dict[str, list[Case]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: c.name):
        by_kind[case.kind or "other"].append(case)
    queues = [by_kind[k] for k in sorted(by_kind)]
    out: list[Case] = []
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out


def figures(
    cases: list[Case], reviews: list[Review], keep: set[tuple[str, str]] | None
) -> ModeFigures:
    """Agreement over labelled sections ((case, section) in `keep`, or all when None)."""
    gap = PRF()
    right = total = q_right = q_total = 0
    for case, review in zip(cases, reviews, strict=True):
        for section in review.sections:
            label = case.sections.get(section.section_id)
            if label is None or label == "not_applicable":
                continue
            if keep is not None and (case.name, section.section_id) not in keep:
                continue
            total += 1
            right += section.status == label
            gap.add(section.status in GAP_LABELS, label in GAP_LABELS)
            for verdict in section.verdicts:
                wanted = case.question_label(verdict.question_id)
                if wanted != "not_applicable":
                    q_total += 1
                    q_right += verdict.verdict.value == wanted
    return ModeFigures(
        sections=total,
        status_accuracy=round(right / max(total, 1), 3),
        gap=gap.summary(),
        question_accuracy=round(q_right / max(q_total, 1), 3),
    )


def _run(reviewer: Reviewer, cases: list[Case]) -> tuple[list[Review], float]:
    started = time.perf_counter()
    reviews = [reviewer.review_bytes(c.text.encode(), f"{c.name}.md") for c in cases]
    return reviews, (time.perf_counter() - started) / max(len(cases), 1)


def compare_llm(offline: Reviewer, with_llm: Reviewer, cases: list[Case]) -> LLMComparison:
    """Review `cases` offline and with the model; agreement with the labels of each."""
    assert with_llm.llm is not None
    name = with_llm.llm.name
    base, base_seconds = _run(offline, cases)
    judged, llm_seconds = _run(with_llm, cases)
    by_model = {
        (case.name, s.section_id)
        for case, review in zip(cases, judged, strict=True)
        for s in review.sections
        if s.judged_by == name
    }
    verdicts = [v for review in judged for s in review.sections for v in s.verdicts if v.judged_by]
    model_verdicts = [v for v in verdicts if v.judged_by.startswith(name)]
    return LLMComparison(
        date=time.strftime("%Y-%m-%d %H:%M"),
        machine=f"{platform.machine()}, {platform.python_version()}",
        model=name,
        budget=with_llm.llm.budget,
        cases=[c.name for c in cases],
        sections_judged_by_model=len(by_model),
        sections_total=sum(len(r.sections) for r in judged),
        verdicts_downgraded=sum(v.judged_by.endswith("(downgraded)") for v in model_verdicts),
        verdicts_by_model=len(model_verdicts),
        offline=ModeRun(
            mode="offline",
            seconds_per_review=round(base_seconds, 2),
            all_sections=figures(cases, base, None),
            model_sections=figures(cases, base, by_model),
        ),
        llm=ModeRun(
            mode=name,
            seconds_per_review=round(llm_seconds, 2),
            all_sections=figures(cases, judged, None),
            model_sections=figures(cases, judged, by_model),
        ),
    )


def render(report: LLMComparison) -> str:
    """A table of both modes, the model's share and its downgrades."""
    budget = f", budget {report.budget:g} s" if report.budget else ""
    lines = [
        f"{report.model} against offline on {len(report.cases)} cases{budget}",
        f"sections judged by the model: {report.sections_judged_by_model} of "
        f"{report.sections_total}; its verdicts downgraded for lack of evidence: "
        f"{report.verdicts_downgraded} of {report.verdicts_by_model}",
        "",
        f"{'':34}{'offline':>10}{'model':>10}",
    ]
    for label, key in (
        ("all labelled sections", "all_sections"),
        ("sections the model judged", "model_sections"),
    ):
        a: ModeFigures = getattr(report.offline, key)
        b: ModeFigures = getattr(report.llm, key)
        lines.append(f"{label} ({a.sections})")
        for name, x, y in (
            ("status agreement", a.status_accuracy, b.status_accuracy),
            ("gap precision", a.gap["precision"], b.gap["precision"]),
            ("gap recall", a.gap["recall"], b.gap["recall"]),
            ("question verdict accuracy", a.question_accuracy, b.question_accuracy),
        ):
            lines.append(f"  {name:32}{x:>10.3f}{y:>10.3f}")
    lines.append(
        f"seconds per review: offline {report.offline.seconds_per_review:.1f}, "
        f"model {report.llm.seconds_per_review:.1f}"
    )
    return "\n".join(lines)
