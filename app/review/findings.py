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
    section: RubricSection, verdicts: list[QuestionVerdict], document: str
) -> list[Finding]:
    """One finding per missing or partial question."""
    questions: dict[str, Question] = {q.id: q for q in section.questions}
    out = []
    for verdict in verdicts:
        question = questions.get(verdict.question_id)
        if question is None or verdict.verdict not in (Verdict.MISSING, Verdict.PARTIAL):
            continue
        missing = verdict.verdict is Verdict.MISSING
        severity = question.severity if missing else _DOWNGRADE[question.severity]
        message = (
            f"Not answered: {question.text}"
            if missing
            else f"Only partly answered ({verdict.reason}): {question.text}"
        )
        out.append(
            Finding(
                id=finding_id(question.id, document),
                rule_id=question.id,
                kind=FindingKind.GAP,
                severity=severity,
                section_id=section.id,
                title=f"{section.label}: {'missing' if missing else 'partial'} answer",
                message=message,
                evidence=verdict.evidence[:1] if not missing else [Evidence()],
                source=verdict.judged_by,
            )
        )
    return out


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


def rank(findings: list[Finding]) -> list[Finding]:
    """Worst first: errors, then warnings, then notes; risks before gaps at equal severity."""
    kind_order = {
        FindingKind.RISK: 0,
        FindingKind.CONSISTENCY: 1,
        FindingKind.GAP: 2,
        FindingKind.SUGGESTION: 3,
    }
    return sorted(findings, key=lambda f: (-f.severity.rank, kind_order[f.kind]))


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
