"""The reviewer: a draft and a rubric in, a Review with verdicts, findings and citations out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import lazy_attributes

if TYPE_CHECKING:
    from app.review.batch import BatchItem, discover, fails, review_many
    from app.review.models import (
        Citation,
        Evidence,
        Finding,
        FindingKind,
        QuestionVerdict,
        Review,
        SectionReview,
        SuggestedEdit,
        Verdict,
    )
    from app.review.pipeline import Reviewer

__all__ = [
    "BatchItem",
    "Citation",
    "Evidence",
    "Finding",
    "FindingKind",
    "QuestionVerdict",
    "Review",
    "Reviewer",
    "SectionReview",
    "SuggestedEdit",
    "Verdict",
    "discover",
    "fails",
    "review_many",
]

__getattr__ = lazy_attributes(
    __name__,
    {
        "BatchItem": "app.review.batch",
        "discover": "app.review.batch",
        "fails": "app.review.batch",
        "review_many": "app.review.batch",
        "Citation": "app.review.models",
        "Evidence": "app.review.models",
        "Finding": "app.review.models",
        "FindingKind": "app.review.models",
        "QuestionVerdict": "app.review.models",
        "Review": "app.review.models",
        "SectionReview": "app.review.models",
        "SuggestedEdit": "app.review.models",
        "Verdict": "app.review.models",
        "Reviewer": "app.review.pipeline",
    },
)
