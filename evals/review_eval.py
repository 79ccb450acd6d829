"""Review quality on the labelled cases: section gaps, question verdicts, risks, citations.

`prepare` embeds each case once; `score_cases` re-judges the prepared cases under any
thresholds, which is what calibration sweeps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pydantic import BaseModel

from app.draft import Draft, load_draft_bytes
from app.review.align import align_sections, heading_vectors
from app.review.judge import Components, combine, judge_offline
from app.review.models import Review, Verdict
from app.review.pipeline import Reviewer
from app.review.reconcile import challenge_not_applicable, reconcile_with_risks
from app.review.risks import detect_risks
from app.review.sections import decide_sections
from app.review.thresholds import Thresholds
from app.review.vectors import Matrix, RubricVectors, rubric_vectors, sentence_vectors
from evals.cases import Case
from evals.metrics import PRF

GAP_LABELS = ("partial", "missing")


@dataclass
class Prepared:
    """A case with its draft and the embeddings that do not depend on thresholds."""

    case: Case
    draft: Draft
    sentence_vecs: Matrix
    heading_vecs: Matrix
    risks: set[str]
    components: Components | None = None


class ReviewMetrics(BaseModel):
    """Quality figures over a set of cases."""

    cases: int
    section_gap: dict[str, float]
    section_missing: dict[str, float]
    section_accuracy: float
    question_accuracy: float
    question_answered_accuracy: float
    risk: dict[str, float]
    mutations_detected: float | None = None
    mutations: int = 0


def prepare(reviewer: Reviewer, case: Case) -> Prepared:
    """Load and embed a case's draft once."""
    settings = reviewer.settings
    draft = load_draft_bytes(
        case.text.encode(),
        f"{case.name}.md",
        max_bytes=settings.max_bytes,
        max_pages=settings.max_pages,
    )
    embedder = reviewer.store.embedder
    risks = {hit.risk.id for hit in detect_risks(draft, reviewer.catalogue)}
    return Prepared(
        case, draft, sentence_vectors(draft, embedder), heading_vectors(draft, embedder), risks
    )


def judge_case(
    reviewer: Reviewer, vectors: RubricVectors, item: Prepared, thresholds: Thresholds
) -> tuple[dict[str, str], dict[str, str], dict[str, list[float]]]:
    """(section statuses, question verdicts, section features) of a prepared case."""
    rubric = reviewer.rubric
    alignment = align_sections(
        item.draft,
        rubric,
        vectors,
        item.sentence_vecs,
        reviewer.store.embedder,
        thresholds,
        item.heading_vecs,
    )
    if item.components is None:
        item.components = Components(item.draft, rubric, vectors, item.sentence_vecs)
    scores = combine(item.components, alignment, thresholds)
    verdicts = judge_offline(item.draft, rubric, scores, thresholds)
    hits = detect_risks(item.draft, reviewer.catalogue)
    reconcile_with_risks(verdicts, hits, reviewer.risk_questions(vectors))
    challenge_not_applicable(item.draft, rubric, verdicts, reviewer.catalogue)
    decided = decide_sections(
        item.draft, rubric, scores, verdicts, alignment, thresholds, vectors, item.sentence_vecs
    )
    statuses = {sid: status for sid, (status, _) in decided.statuses.items()}
    answers = {v.question_id: v.verdict.value for vs in verdicts.values() for v in vs}
    features = decided.features
    return statuses, answers, features


class Tally:
    """Counts behind ReviewMetrics, fed one judged case at a time."""

    def __init__(self) -> None:
        self.gap, self.missing, self.risk = PRF(), PRF(), PRF()
        self.sections_right = self.sections_total = 0
        self.q_right = self.q_total = self.q_bin_right = 0
        self.detected = self.mutations = self.cases = 0

    def add(
        self,
        case: Case,
        statuses: dict[str, str],
        answers: dict[str, str],
        risks_fired: set[str],
        gap_reported: bool = False,
    ) -> None:
        """Count one case: section statuses, question verdicts, the risks that fired, and for
        a mutation whether its gap was reported some other way (a new gap finding)."""
        self.cases += 1
        for section_id, label in case.sections.items():
            if section_id not in statuses or label == "not_applicable":
                continue
            predicted = statuses[section_id]
            self.gap.add(predicted in GAP_LABELS, label in GAP_LABELS)
            self.missing.add(predicted == "missing", label == "missing")
            self.sections_total += 1
            self.sections_right += predicted == label
        for question_id, predicted in answers.items():
            label = case.question_label(question_id)
            if label == "not_applicable":
                continue
            self.q_total += 1
            self.q_right += predicted == label
            self.q_bin_right += (predicted == "covered") == (label == "covered")
        if case.mutation:
            self.mutations += 1
            self.detected += statuses.get(case.expect_gap) in GAP_LABELS or gap_reported
        else:
            for risk_id in risks_fired | set(case.risks):
                self.risk.add(risk_id in risks_fired, risk_id in case.risks)

    def metrics(self) -> ReviewMetrics:
        """The rounded figures."""
        return ReviewMetrics(
            cases=self.cases,
            section_gap=self.gap.summary(),
            section_missing=self.missing.summary(),
            section_accuracy=round(self.sections_right / max(self.sections_total, 1), 3),
            question_accuracy=round(self.q_right / max(self.q_total, 1), 3),
            question_answered_accuracy=round(self.q_bin_right / max(self.q_total, 1), 3),
            risk=self.risk.summary(),
            mutations_detected=(
                round(self.detected / self.mutations, 3) if self.mutations else None
            ),
            mutations=self.mutations,
        )


def score_cases(
    reviewer: Reviewer, prepared: list[Prepared], thresholds: Thresholds
) -> ReviewMetrics:
    """Metrics of the reviewer's judgements on prepared cases."""
    vectors = rubric_vectors(reviewer.rubric, reviewer.store.embedder, None)
    tally = Tally()
    for item in prepared:
        statuses, answers, _ = judge_case(reviewer, vectors, item, thresholds)
        tally.add(item.case, statuses, answers, item.risks)
    return tally.metrics()


class CaseRun(BaseModel):
    """One full review of a case, as the product runs it."""

    name: str
    seconds: float
    review: Review


def run_reviews(reviewer: Reviewer, cases: list[Case]) -> list[CaseRun]:
    """Full reviews (citations, edits, timings) of every case, uncached."""
    runs = []
    for case in cases:
        started = time.perf_counter()
        review = reviewer.review_bytes(case.text.encode(), f"{case.name}.md")
        runs.append(
            CaseRun(name=case.name, seconds=round(time.perf_counter() - started, 3), review=review)
        )
    return runs


def citation_relevance(
    runs: list[CaseRun], guide_sections: dict[str, set[str]], risk_sections: dict[str, list[str]]
) -> float:
    """Share of findings whose first citation is from a guide written for the finding's
    section (or, for a risk, for one of the risk's sections)."""
    good = total = 0
    for run in runs:
        for finding in run.review.all_findings():
            if finding.kind.value == "suggestion":
                continue
            total += 1
            if not finding.citations:
                continue
            wanted = {finding.section_id}
            if finding.rule_id.startswith("risk."):
                wanted |= set(risk_sections.get(finding.rule_id.removeprefix("risk."), []))
            good += bool(guide_sections.get(finding.citations[0].source, set()) & wanted)
    return round(good / max(total, 1), 3)


def verdict_counts(review: Review) -> dict[str, int]:
    """How many questions got each verdict."""
    counts = {v.value: 0 for v in Verdict}
    for section in review.sections:
        for verdict in section.verdicts:
            counts[verdict.verdict.value] += 1
    return counts
