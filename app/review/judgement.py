"""What the reviewer decided about a draft before writing findings (one typed value)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.draft import Draft
from app.review.align import Alignment
from app.review.consistency import Inconsistency
from app.review.models import Finding, QuestionVerdict
from app.review.risks import RiskHit
from app.review.vectors import Matrix, RubricVectors


@dataclass
class Judgement:
    """Alignment, verdicts, risks and section statuses of one draft against one rubric."""

    draft: Draft
    vectors: RubricVectors
    sentence_vecs: Matrix
    alignment: Alignment
    scores: Matrix
    verdicts: dict[str, list[QuestionVerdict]]
    judged_by: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    prose: dict[str, str] = field(default_factory=dict)
    llm_findings: dict[str, list[Finding]] = field(default_factory=dict)
    risk_hits: list[RiskHit] = field(default_factory=list)
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    features: dict[str, list[float]] = field(default_factory=dict)
    # Section id -> one feature vector per topic, for sections that merge several topics.
    topic_features: dict[str, list[list[float]]] = field(default_factory=dict)
    # Section id -> the status of each of its topics (offline), parallel to section.topics.
    topic_statuses: dict[str, list[str]] = field(default_factory=dict)
    # Section id -> (covered | partial | missing | not_applicable, coverage 0-100 or None).
    statuses: dict[str, tuple[str, float | None]] = field(default_factory=dict)
    # Seconds spent aligning, judging, and on risks and statuses.
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)
