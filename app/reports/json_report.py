"""The JSON report: the Review itself, as the schema `mlsd schema` prints describes it."""

from __future__ import annotations

from app.review.models import Review


def render_json(review: Review) -> str:
    """The review as indented JSON."""
    return review.model_dump_json(indent=2)
