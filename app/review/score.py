"""Coverage scores: per section and overall, 0 to 100 (partial counts half)."""

from __future__ import annotations

from app.review.models import QuestionVerdict, Verdict
from app.rubric.models import RubricSection


def section_coverage(section: RubricSection, verdicts: list[QuestionVerdict]) -> float | None:
    """Weighted coverage of a section, or None when every question is not applicable."""
    weights = {q.id: q.weight for q in section.questions}
    total = earned = 0.0
    for verdict in verdicts:
        if verdict.verdict is Verdict.NOT_APPLICABLE:
            continue
        weight = weights.get(verdict.question_id, 1.0)
        total += weight
        earned += weight * verdict.verdict.credit
    return None if total == 0 else 100.0 * earned / total


def overall_score(parts: list[tuple[float, float | None]]) -> float:
    """Weighted mean of (section weight, coverage) over sections that apply."""
    applicable = [(w, c) for w, c in parts if c is not None]
    if not applicable:
        return 0.0
    return round(sum(w * c for w, c in applicable) / sum(w for w, _ in applicable), 1)
