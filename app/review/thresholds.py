"""Decision thresholds of the offline reviewer.

They are not guesses: `mlsd eval --calibrate` sweeps them on the labelled drafts in
`evals/cases/` and prints the values that maximise agreement with the labels; the values
below are the ones it chose (see evals/results/). Cosine scores are from all-MiniLM-L6-v2.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Thresholds(BaseModel):
    """Cut-offs and weights the offline judge uses."""

    covered: float = Field(0.56, description="Evidence score for a covered question.")
    partial: float = Field(0.45, description="Evidence score for a partial question.")
    aligned_boost: float = Field(
        0.05, description="Added to sentences under a draft section aligned to the question's."
    )
    lexical_weight: float = Field(
        0.12, description="Weight of shared content words between question and sentence."
    )
    align: float = Field(0.45, description="Score for a draft section to align to a template one.")
    title_weight: float = Field(0.6, description="Share of heading similarity in alignment.")
    citation_min: float = Field(0.25, description="Lowest passage score worth citing.")
    tag_boost: float = Field(
        0.08, description="Added to passages of a guide written for the finding's section."
    )


DEFAULT_THRESHOLDS = Thresholds()
