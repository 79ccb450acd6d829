"""Decision thresholds of the offline reviewer.

They are not guesses: `mlsd eval --calibrate` sweeps them on the labelled drafts in
`evals/cases/` and prints the values that maximise agreement with the labels; the values
below are the ones it chose (see evals/results/). Cosine scores are from all-MiniLM-L6-v2.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Thresholds(BaseModel):
    """Cut-offs and weights the offline judge uses."""

    covered: float = Field(0.2, description="Evidence score for a covered question.")
    partial: float = Field(0.18, description="Evidence score for a partial question.")
    support: int = Field(
        1, ge=1, le=3, description="Sentences above the partial cut-off a covered answer needs."
    )
    specific: bool = Field(
        False, description="A covered answer must state a figure or name something specific."
    )
    hub: float = Field(
        1.0,
        description="Share of a sentence's mean similarity to all questions subtracted "
        "from its score: a sentence counts for the questions it answers better than others.",
    )
    aligned_boost: float = Field(
        0.0, description="Added to sentences under a draft section aligned to the question's."
    )
    lexical_weight: float = Field(
        0.12, description="Weight of shared content words between question and sentence."
    )
    align: float = Field(0.45, description="Score for a draft section to align to a template one.")
    title_weight: float = Field(0.6, description="Share of heading similarity in alignment.")
    section_covered: float = Field(
        70.0, description="Coverage (0-100) at which a section counts as covered."
    )
    section_partial: float = Field(
        25.0, description="Coverage (0-100) at which a section counts as partly covered."
    )
    section_model: dict[str, list[float]] = Field(
        default_factory=lambda: {
            "covered": [2.1968, 0.2596, 0.3208, 1.13, -0.0773, 0.7182, -2.8754],
            "partial": [-0.4836, -0.0868, 0.0439, 0.1457, -0.2849, 0.3399, 0.8045],
            "missing": [-1.7132, -0.1728, -0.3647, -1.2757, 0.3622, -1.0581, 2.0709],
        },
        description="Weights of the section-status model (app.review.sections), per status, "
        "one per feature plus a bias; empty means status from question coverage alone.",
    )
    citation_min: float = Field(0.25, description="Lowest passage score worth citing.")
    tag_boost: float = Field(
        0.08, description="Added to passages of a guide written for the finding's section."
    )

    def section_status(self, coverage: float | None) -> str:
        """covered, partial, missing or not_applicable for a section's coverage."""
        if coverage is None:
            return "not_applicable"
        if coverage >= self.section_covered:
            return "covered"
        return "partial" if coverage >= self.section_partial else "missing"


DEFAULT_THRESHOLDS = Thresholds()
