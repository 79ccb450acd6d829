"""Templates into rubrics: sections, key points and guiding questions with stable ids."""

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
