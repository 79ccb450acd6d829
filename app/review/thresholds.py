"""Decision thresholds of the offline reviewer.

They are not guesses: `mlsd eval --calibrate` sweeps the cut-offs on the labelled drafts in
`evals/cases/`, and the section-status model is fitted on the real-doc corpus (design docs
written outside this project) by `mlsd eval --realdocs DIR --fit`, whose figures are
cross-validated by document (see evals/results/). Cosine scores are from all-MiniLM-L6-v2.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

# Fitted by `mlsd eval --realdocs DIR --fit` (real-doc corpus reviewed against the default
# template and against two more template shapes, evals/templates/shapes-map.yaml and
# details-map.yaml, plus evals/cases); one weight per feature of
# app.review.sections.FEATURES, then the bias.
# fmt: off
SECTION_MODEL: dict[str, list[float]] = {
    "covered": [
        1.0768, 0.9556, 0.0403, 0.1891, 0.7417, 0.4942, 0.4823,
        -0.2085, -0.2757, 2.1386, -0.2514, 0.3606, -4.8353,
    ],
    "partial": [
        -0.2026, -0.1308, 0.1938, 0.0116, -0.2831, 1.2338, 0.1461,
        -0.0512, 0.1837, -1.9633, 0.5907, -0.2125, 2.1408,
    ],
    "missing": [
        -0.8742, -0.8248, -0.2341, -0.2006, -0.4586, -1.728, -0.6284,
        0.2597, 0.092, -0.1753, -0.3393, -0.1481, 2.6945,
    ],
}
# fmt: on


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
        default_factory=lambda: dict(SECTION_MODEL),
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
