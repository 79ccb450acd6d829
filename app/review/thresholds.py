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
        1.3767, 1.0706, -0.0354, 0.3713, 0.7744, -1.4164, 0.4977,
        -0.2022, -0.259, -0.4193, -0.5253, 0.2444, -3.9454,
    ],
    "partial": [
        -0.2323, -0.1957, 0.2349, -0.0789, -0.3045, 0.7778, 0.1438,
        -0.0587, 0.1438, 0.6284, 0.8066, -0.1201, 1.7297,
    ],
    "missing": [
        -1.1444, -0.8749, -0.1994, -0.2924, -0.47, 0.6386, -0.6415,
        0.2609, 0.1152, -0.2091, -0.2813, -0.1242, 2.2157,
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
