"""Templates into rubrics: sections, key points and guiding questions with stable ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import lazy_attributes

if TYPE_CHECKING:
    from app.rubric.models import Expects, Question, Rubric, RubricSection, Severity
    from app.rubric.parse import RubricError, load_rubric, parse_rubric

__all__ = [
    "Expects",
    "Question",
    "Rubric",
    "RubricError",
    "RubricSection",
    "Severity",
    "load_rubric",
    "parse_rubric",
]

__getattr__ = lazy_attributes(
    __name__,
    {
        "Expects": "app.rubric.models",
        "Question": "app.rubric.models",
        "Rubric": "app.rubric.models",
        "RubricSection": "app.rubric.models",
        "Severity": "app.rubric.models",
        "RubricError": "app.rubric.parse",
        "load_rubric": "app.rubric.parse",
        "parse_rubric": "app.rubric.parse",
    },
)
