"""Coverage scores: per section and overall, 0 to 100 (partial counts half)."""

from __future__ import annotations

from app.review.models import QuestionVerdict, SectionReview, Verdict
from app.rubric.models import Rubric, RubricSection


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


def review_score(rubric: Rubric, sections: list[SectionReview]) -> float:
    """The overall score of a review's sections: their weighted coverage, leaving out those
    that do not apply and optional (reference) sections."""
    by_id = {s.id: s for s in rubric.sections}
    parts: list[tuple[float, float | None]] = []
    for review in sections:
        section = by_id.get(review.section_id)
        skip = review.status == "not_applicable" or (section is not None and section.optional)
        parts.append((section.weight if section else 1.0, None if skip else review.coverage))
    return overall_score(parts)
