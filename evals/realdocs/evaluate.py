"""Measure the reviewer on the real-doc corpus, with the section model cross-validated.

Every doc is judged once by the product's own path (`Reviewer.judge`). Section statuses are
then decided again under section models fitted on the other folds' docs only (grouped
k-fold over documents), so each figure is measured on docs the model never saw. The shipped
model (fitted on every doc) is reported too, marked in-sample.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from app.draft import load_draft
from app.errors import UnsupportedDocument
from app.review.judge import judge_offline
from app.review.judgement import Judgement
from app.review.models import Finding, FindingKind, QuestionVerdict, Verdict
from app.review.pipeline import Reviewer
from app.review.sections import STATUSES, decide_all
from app.review.thresholds import Thresholds
from evals.metrics import PRF
from evals.realdocs.labels import LABELS_DIR, SECOND_DIR, DocLabel, load_labels, mapped

FOLDS = 5
GAP = ("partial", "missing")
# The project's own labelled drafts (evals/cases) join every training fold with this weight:
# the smallest that keeps their figures at their CI floors (evals/floors.yaml). They are
# never among the held-out docs, so the held-out figures stay about docs we did not write.
CASE_WEIGHT = 3.5


@dataclass
class Judged:
    """One corpus doc as the reviewer saw it."""

    label: DocLabel
    judgement: Judgement | None = None
    refused: str = ""
    contradictions_before: int = 0
    fired: set[str] = field(default_factory=set)


class StatusMetrics(BaseModel):
    """Agreement of section statuses with a reader's labels."""

    sections: int = 0
    agreement: float = 0.0
    missing: dict[str, float] = Field(default_factory=dict)
    gap: dict[str, float] = Field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)


class RealDocsReport(BaseModel):
    """Figures on the real-doc corpus."""

    corpus_version: str
    docs: int
    english_docs: int
    judged: int
    refused_non_english: str
    refused_english: list[str]
    held_out: StatusMetrics
    in_sample: StatusMetrics
    folds: int
    risk: dict[str, float]
    contradictions_before: int
    contradictions_after: int
    label_ceiling: StatusMetrics | None = None
    fix_first_precision: float | None = None
    fix_first_checked: int = 0
    findings_per_doc: float = 0.0
    shown_per_doc: float = 0.0
    worst: list[dict[str, str]] = Field(default_factory=list)


def corpus_version(labels: list[DocLabel]) -> str:
    """A hash of the labels, so figures name the corpus they were measured on."""
    text = "\n".join(d.model_dump_json() for d in sorted(labels, key=lambda d: d.id))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fold_of(doc_id: str, folds: int = FOLDS) -> int:
    """Deterministic fold of a doc (by a hash of its id, not by its content)."""
    return int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % folds


def judge_corpus(reviewer: Reviewer, folder: Path, labels: list[DocLabel]) -> list[Judged]:
    """Judge every doc whose text is in `folder`."""
    settings = reviewer.settings
    about = None
    out = []
    for label in labels:
        path = folder / label.file_name
        if not path.is_file():
            continue
        item = Judged(label)
        draft = load_draft(
            path, label.file_name, max_bytes=settings.max_bytes, max_pages=settings.max_pages
        )
        try:
            item.judgement = reviewer.judge(draft)
        except UnsupportedDocument as exc:
            item.refused = str(exc)
        if item.judgement is not None:
            j = item.judgement
            about = about or reviewer.risk_questions(j.vectors)
            item.fired = {h.risk.id for h in j.risk_hits}
            # The offline verdicts as they were before reconciling with the risks.
            raw = judge_offline(j.draft, reviewer.rubric, j.scores, reviewer.thresholds)
            item.contradictions_before = contradictions(raw, j, about)
        out.append(item)
    return out


def contradictions(
    verdicts: dict[str, list[QuestionVerdict]], j: Judgement, about: dict[str, list[str]]
) -> int:
    """Covered verdicts that a fired risk of the same judgement denies."""
    against = {q for h in j.risk_hits for q in about.get(h.risk.id, [])}
    return sum(
        1
        for section_verdicts in verdicts.values()
        for v in section_verdicts
        if v.verdict is Verdict.COVERED and v.question_id in against
    )


def statuses_under(reviewer: Reviewer, j: Judgement, thresholds: Thresholds) -> dict[str, str]:
    """Section statuses of a judgement re-decided under other thresholds (section model)."""
    statuses, _ = decide_all(
        j.draft,
        reviewer.rubric,
        j.verdicts,
        j.alignment,
        j.features,
        j.topic_features,
        thresholds,
    )
    return {sid: status for sid, (status, _) in statuses.items()}


def tally(pairs: list[tuple[str, str]]) -> StatusMetrics:
    """Agreement figures from (predicted, label) pairs."""
    missing, gap = PRF(), PRF()
    confusion = {a: {b: 0 for b in STATUSES} for a in STATUSES}
    right = 0
    for predicted, label in pairs:
        predicted = "partial" if predicted == "not_applicable" else predicted
        missing.add(predicted == "missing", label == "missing")
        gap.add(predicted in GAP, label in GAP)
        right += predicted == label
        confusion[label][predicted] += 1
    return StatusMetrics(
        sections=len(pairs),
        agreement=round(right / max(len(pairs), 1), 3),
        missing=missing.summary(),
        gap=gap.summary(),
        confusion=confusion,
    )


@dataclass
class Extra:
    """Training rows that join every fold (the project's own labelled cases)."""

    rows: list[list[float]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weight: float = CASE_WEIGHT


def case_rows(reviewer: Reviewer) -> Extra:
    """Section features and labels of the written cases in evals/cases."""
    from app.draft import load_draft_bytes
    from evals.cases import load_cases

    extra = Extra()
    for case in load_cases():
        if case.mutation:
            continue
        draft = load_draft_bytes(
            case.text.encode(), f"{case.name}.md", max_bytes=10**7, max_pages=10
        )
        features = reviewer.judge(draft).features
        for sid, label in case.sections.items():
            if label in STATUSES and sid in features:
                extra.rows.append(features[sid])
                extra.labels.append(label)
    return extra


def fit_model(
    rows: list[list[float]], labels: list[str], extra: Extra | None = None
) -> dict[str, list[float]]:
    """Multinomial logistic weights (per status, one per feature plus a bias)."""
    from sklearn.linear_model import LogisticRegression

    extra = extra or Extra()
    weights_of = [1.0] * len(rows) + [extra.weight] * len(extra.rows)
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit(
        np.array(rows + extra.rows),
        np.array(labels + extra.labels),
        sample_weight=np.array(weights_of),
    )
    weights: dict[str, list[float]] = {}
    for status in STATUSES:
        if status in model.classes_:
            k = list(model.classes_).index(status)
            weights[status] = [round(float(w), 4) for w in model.coef_[k]] + [
                round(float(model.intercept_[k]), 4)
            ]
        else:
            weights[status] = [0.0] * (len(rows[0]) + 1)
            weights[status][-1] = -50.0
    return weights


def training_rows(items: list[Judged]) -> tuple[list[list[float]], list[str]]:
    """(features, label) of every labelled section of judged docs."""
    rows, labels = [], []
    for item in items:
        if item.judgement is None:
            continue
        for sid, label in item.label.statuses().items():
            if sid in item.judgement.features:
                rows.append(item.judgement.features[sid])
                labels.append(label)
    return rows, labels


@dataclass
class OtherTemplate:
    """Another template's judgements of the corpus, with the map from its sections to the
    default sections the labels are about: more training rows, of another template shape."""

    judged: dict[str, Judged]
    mapping: dict[str, list[str]]

    def rows(self, docs: set[str]) -> tuple[list[list[float]], list[str]]:
        """(features, mapped label) of these docs' sections."""
        rows: list[list[float]] = []
        labels: list[str] = []
        for doc in sorted(docs):
            item = self.judged.get(doc)
            if item is None or item.judgement is None:
                continue
            for section, label in mapped(item.label.statuses(), self.mapping).items():
                if section in item.judgement.features:
                    rows.append(item.judgement.features[section])
                    labels.append(label)
        return rows, labels


def pooled_rows(
    train: list[Judged], others: list[OtherTemplate] | None = None
) -> tuple[list[list[float]], list[str]]:
    """Training rows of the default template's judgements plus other templates' rows for
    the same docs."""
    rows, labels = training_rows(train)
    docs = {i.label.id for i in train}
    for other in others or []:
        more_rows, more_labels = other.rows(docs)
        rows += more_rows
        labels += more_labels
    return rows, labels


def cross_validate(
    reviewer: Reviewer,
    items: list[Judged],
    folds: int = FOLDS,
    extra: Extra | None = None,
    others: list[OtherTemplate] | None = None,
) -> tuple[StatusMetrics, dict[str, dict[str, str]]]:
    """Held-out agreement: each doc judged with a section model fitted without its fold."""
    pairs: list[tuple[str, str]] = []
    predicted: dict[str, dict[str, str]] = {}
    judged = [i for i in items if i.judgement is not None]
    for k in range(folds):
        test = [i for i in judged if fold_of(i.label.id, folds) == k]
        train = [i for i in judged if fold_of(i.label.id, folds) != k]
        if not test or not train:
            continue
        rows, labels = pooled_rows(train, others)
        th = reviewer.thresholds.model_copy(
            update={"section_model": fit_model(rows, labels, extra)}
        )
        for item in test:
            assert item.judgement is not None
            got = statuses_under(reviewer, item.judgement, th)
            predicted[item.label.id] = got
            pairs += [(got[sid], lab) for sid, lab in item.label.statuses().items() if sid in got]
    return tally(pairs), predicted


def label_ceiling(first: list[DocLabel], second_dir: Path = SECOND_DIR) -> StatusMetrics | None:
    """Agreement between two independent readings of the same docs (the second read taken
    as 'predicted')."""
    import yaml

    if not second_dir.is_dir():
        return None
    by_id = {d.id: d for d in first}
    pairs = []
    for path in sorted(second_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc = by_id.get(data.get("id", path.stem))
        if doc is None:
            continue
        for sid, label in doc.statuses().items():
            other = data["sections"].get(sid, {}).get("status")
            if other:
                pairs.append((other, label))
    return tally(pairs) if pairs else None


def true_problem(
    finding: Finding, label: DocLabel, risk_sections: dict[str, list[str]]
) -> bool | None:
    """Whether a reader's labels back a finding: a gap where the reader found the section
    partial or missing; a risk the reader raised, or one about a topic the reader found
    missing. None for what labels cannot tell (inconsistencies)."""
    statuses = label.statuses()
    if finding.kind is FindingKind.CONSISTENCY:
        return None
    if finding.kind is FindingKind.GAP:
        return statuses.get(finding.section_id, "covered") in GAP
    rid = finding.rule_id.removeprefix("risk.")
    if rid in {r.id for r in label.risks}:
        return True
    return any(statuses.get(s) == "missing" for s in risk_sections.get(rid, []))


def fix_first_figures(
    reviewer: Reviewer, folder: Path, items: list[Judged]
) -> tuple[float | None, int, float, float]:
    """(precision of the 'fix these first' findings against the labels, findings checked,
    findings per doc, findings the default text report shows per doc)."""
    from app.reports import render

    risk_sections = {r.id: r.sections for r in reviewer.catalogue.risks}
    good = checked = 0
    totals: list[int] = []
    shown: list[int] = []
    for item in items:
        if item.judgement is None:
            continue
        review = reviewer.review(item.judgement.draft)
        totals.append(len(review.all_findings()))
        text = render(review, "text")
        shown.append(
            text.count("\n  ERROR ") + text.count("\n  WARNING ") + text.count("\n  NOTE ")
        )
        for finding in review.top():
            verdict = true_problem(finding, item.label, risk_sections)
            if verdict is None:
                continue
            checked += 1
            good += verdict
    n = max(len(totals), 1)
    return (
        round(good / checked, 3) if checked else None,
        checked,
        round(sum(totals) / n, 1),
        round(sum(shown) / n, 1),
    )


def evaluate_realdocs(
    reviewer: Reviewer,
    folder: Path,
    labels_dir: Path = LABELS_DIR,
    folds: int = FOLDS,
    others: list[OtherTemplate] | None = None,
) -> RealDocsReport:
    """All figures on the corpus texts found in `folder`."""
    labels = load_labels(labels_dir)
    items = judge_corpus(reviewer, folder, labels)
    english = [i for i in items if i.label.english]
    foreign = [i for i in items if not i.label.english]
    held_out, predicted = cross_validate(reviewer, english, folds, case_rows(reviewer), others)
    in_sample_pairs = []
    risk = PRF()
    after = 0
    about: dict[str, list[str]] = {}
    for item in english:
        if item.judgement is None:
            continue
        about = about or reviewer.risk_questions(item.judgement.vectors)
        got = statuses_under(reviewer, item.judgement, reviewer.thresholds)
        in_sample_pairs += [(got[s], lab) for s, lab in item.label.statuses().items() if s in got]
        labelled = {r.id for r in item.label.risks}
        for rid in item.fired | labelled:
            risk.add(rid in item.fired, rid in labelled)
        after += contradictions(item.judgement.verdicts, item.judgement, about)
    precision, checked, per_doc, shown = fix_first_figures(reviewer, folder, english)
    worst = []
    for item in english:
        got = predicted.get(item.label.id, {})
        for sid, lab in item.label.statuses().items():
            if {got.get(sid), lab} == {"covered", "missing"}:
                worst.append(
                    {"doc": item.label.id, "section": sid, "label": lab, "predicted": got[sid]}
                )
    return RealDocsReport(
        corpus_version=corpus_version(labels),
        docs=len(items),
        english_docs=len(english),
        judged=sum(1 for i in english if i.judgement is not None),
        refused_non_english=f"{sum(1 for i in foreign if i.refused)} of {len(foreign)}",
        refused_english=[i.label.id for i in english if i.refused],
        held_out=held_out,
        in_sample=tally(in_sample_pairs),
        folds=folds,
        risk=risk.summary(),
        contradictions_before=sum(i.contradictions_before for i in english),
        contradictions_after=after,
        label_ceiling=label_ceiling(labels),
        worst=worst,
        fix_first_precision=precision,
        fix_first_checked=checked,
        findings_per_doc=per_doc,
        shown_per_doc=shown,
    )
