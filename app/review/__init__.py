"""The reviewer: a draft and a rubric in, a Review with verdicts, findings and citations out."""

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
