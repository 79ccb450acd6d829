"""Turn verdicts, risk hits and inconsistencies into findings with stable ids."""

from __future__ import annotations

import hashlib

from app.draft import Draft, DraftSentence
from app.review.consistency import Inconsistency
from app.review.models import (
    Evidence,
    Finding,
    FindingKind,
    QuestionVerdict,
    SuggestedEdit,
    Verdict,
)
from app.review.risks import RiskHit
from app.rubric.models import Question, RubricSection, Severity

_DOWNGRADE = {
    Severity.ERROR: Severity.WARNING,
    Severity.WARNING: Severity.NOTE,
    Severity.NOTE: Severity.NOTE,
}


def finding_id(rule_id: str, document: str) -> str:
    """Stable id: the rule and a short hash of the document's name."""
    return f"{rule_id}@{hashlib.sha1(document.encode()).hexdigest()[:8]}"


def gap_findings(
    section: RubricSection,
    verdicts: list[QuestionVerdict],
    document: str,
    status: str = "partial",
) -> list[Finding]:
    """One finding for a section's unanswered questions, listing each of them.

    Its severity is the worst of the questions' (a partly answered question counts one
    level lower), and no more than a note when the section as a whole is covered."""
    questions: dict[str, Question] = {q.id: q for q in section.questions}
    missing: list[Question] = []
    partial: list[tuple[Question, QuestionVerdict]] = []
    for verdict in verdicts:
        question = questions.get(verdict.question_id)
        if question is None:
            continue
        if verdict.verdict is Verdict.MISSING:
            missing.append(question)
        elif verdict.verdict is Verdict.PARTIAL:
            partial.append((question, verdict))
    if not missing and not partial:
        return []
    severities = [q.severity for q in missing] + [_DOWNGRADE[q.severity] for q, _ in partial]
    severity = max(severities, key=lambda s: s.rank)
    if status == "covered":
        severity = Severity.NOTE
    parts = []
    if missing:
        parts.append(
            "Not answered: " + " ".join(f"({i}) {q.text}" for i, q in enumerate(missing, start=1))
        )
    if partial:
        start = len(missing) + 1
        parts.append(
            "Only partly answered: "
            + " ".join(
                f"({i}) {q.text} [{v.reason}]" for i, (q, v) in enumerate(partial, start=start)
            )
        )
    count = len(missing) + len(partial)
    rule = f"{section.id}.gaps"
    evidence = next((v.evidence[:1] for _, v in partial if v.evidence), [Evidence()])
    return [
        Finding(
            id=finding_id(rule, document),
            rule_id=rule,
            kind=FindingKind.GAP,
            severity=severity,
            section_id=section.id,
            title=f"{section.label}: {count} of {len(section.questions)} questions open",
            message=" ".join(parts),
            evidence=evidence,
            source=next((v.judged_by for v in verdicts), "offline"),
            questions=[q.id for q in missing] + [q.id for q, _ in partial],
        )
    ]


def risk_finding(hit: RiskHit, section_id: str, document: str) -> Finding:
    """A finding for a catalogued risk."""
    risk = hit.risk
    message = risk.message + (f" {risk.suggestion}" if risk.suggestion else "")
    return Finding(
        id=finding_id(f"risk.{risk.id}", document),
        rule_id=f"risk.{risk.id}",
        kind=FindingKind.RISK,
        severity=risk.severity,
        section_id=section_id,
        title=risk.title,
        message=message,
        evidence=hit.evidence or [Evidence()],
    )


def consistency_finding(item: Inconsistency, document: str) -> Finding:
    """A finding for a cross-section inconsistency."""
    return Finding(
        id=finding_id(item.rule_id, document),
        rule_id=item.rule_id,
        kind=FindingKind.CONSISTENCY,
        severity=Severity.WARNING,
        section_id=item.section_id,
        title=item.title,
        message=item.message,
        evidence=item.evidence,
    )


def edit_finding(
    section: RubricSection, edit: SuggestedEdit, document: str, source: str
) -> Finding:
    """A suggestion finding that carries the section's suggested edit."""
    where = "as a new section" if edit.new_section else f"under '{edit.anchor}'"
    return Finding(
        id=finding_id(f"{section.id}.edit", document),
        rule_id=f"{section.id}.edit",
        kind=FindingKind.SUGGESTION,
        severity=Severity.NOTE,
        section_id=section.id,
        title=f"{section.label}: suggested addition",
        message=f"Add the missing answers for {section.label} {where}.",
        evidence=[Evidence()],
        suggested_edit=edit,
        source=source,
    )


_SEVERITY_POINTS = {Severity.ERROR: 3.0, Severity.WARNING: 2.0, Severity.NOTE: 1.0}
# How sure the reviewer is of a finding, by kind and by what it saw of the section.
_GAP_CONFIDENCE = {"missing": 0.9, "partial": 0.7, "covered": 0.3, "not_applicable": 0.3}
_ABSENT_RISK_CONFIDENCE = {"missing": 0.85, "partial": 0.7, "covered": 0.45, "not_applicable": 0.5}
FIX_FIRST = 5
FIX_FIRST_PER_SECTION = 1


def weigh(finding: Finding, section: RubricSection | None, status: str) -> float:
    """A finding's impact, 0-10: severity x confidence x the weight of what it is about."""
    if finding.kind is FindingKind.SUGGESTION:
        return 0.0
    weight = min(max(section.weight if section else 1.0, 0.5), 2.0)
    if finding.kind is FindingKind.GAP and finding.questions and section is not None:
        weights = {q.id: q.weight for q in section.questions}
        total = sum(weights.values()) or 1.0
        share = sum(weights.get(q, 1.0) for q in finding.questions) / total
        confidence = _GAP_CONFIDENCE.get(status, 0.7) * max(share, 0.25)
    elif finding.kind is FindingKind.GAP:
        confidence = 0.7  # placeholders left
    elif finding.kind is FindingKind.CONSISTENCY:
        confidence = 0.8
    elif finding.rule_id.startswith("risk.llm."):
        confidence = 0.6
    elif any(e.quote for e in finding.evidence):
        confidence = 0.9  # a risk the draft's own words set off
    else:
        confidence = _ABSENT_RISK_CONFIDENCE.get(status, 0.7)
    points = _SEVERITY_POINTS[finding.severity] / 3.0
    return round(min(10.0, 10.0 * points * confidence * weight), 2)


def rank(findings: list[Finding]) -> list[Finding]:
    """Most impact first; at equal impact, errors before warnings, risks before gaps."""
    kind_order = {
        FindingKind.RISK: 0,
        FindingKind.CONSISTENCY: 1,
        FindingKind.GAP: 2,
        FindingKind.SUGGESTION: 3,
    }
    return sorted(
        findings,
        key=lambda f: (
            f.kind is FindingKind.SUGGESTION,
            -f.impact,
            -f.severity.rank,
            kind_order[f.kind],
        ),
    )


def fix_first(findings: list[Finding], limit: int = FIX_FIRST) -> list[Finding]:
    """The findings to fix first: the highest impact, one per section."""
    chosen: list[Finding] = []
    per_section: dict[str, int] = {}
    for finding in rank([f for f in findings if f.kind is not FindingKind.SUGGESTION]):
        if per_section.get(finding.section_id, 0) >= FIX_FIRST_PER_SECTION:
            continue
        chosen.append(finding)
        per_section[finding.section_id] = per_section.get(finding.section_id, 0) + 1
        if len(chosen) == limit:
            break
    return chosen


def placeholder_findings(
    draft: Draft, section: RubricSection, pending: list[DraftSentence], document: str
) -> list[Finding]:
    """One finding for the placeholders (TBD, TODO, X%) left in a section's draft text."""
    if not pending:
        return []
    rule = f"{section.id}.placeholders"
    return [
        Finding(
            id=finding_id(rule, document),
            rule_id=rule,
            kind=FindingKind.GAP,
            severity=Severity.WARNING,
            section_id=section.id,
            title=f"{section.label}: placeholders left",
            message=(
                f"{len(pending)} placeholder(s) (TBD, TODO, X%...) stand where {section.label} "
                "needs content; they count as unanswered."
            ),
            evidence=[
                Evidence(
                    quote=p.text, location=p.location, section=draft.sections[p.section].heading
                )
                for p in pending[:3]
            ],
        )
    ]


def no_section_finding(section: RubricSection, document: str) -> Finding:
    """A note that the draft has no heading for a template section it covers elsewhere."""
    rule = f"{section.id}.section"
    return Finding(
        id=finding_id(rule, document),
        rule_id=rule,
        kind=FindingKind.GAP,
        severity=Severity.NOTE,
        section_id=section.id,
        title=f"{section.label}: no section of its own",
        message=(
            f"No heading of the draft matches {section.label}; its answers are scattered "
            "under other headings. A section of its own makes them easy to find and "
            "review."
        ),
        evidence=[Evidence()],
    )
