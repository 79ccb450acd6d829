"""The rubric: a template turned into sections and guiding questions with stable ids."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    """How much a finding matters; ordered error > warning > note."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """2 for error, 1 for warning, 0 for note."""
        return {"error": 2, "warning": 1, "note": 0}[self.value]


class Expects(StrEnum):
    """What a good answer must contain beyond the topic."""

    NUMBER = "number"  # a figure with a unit: latency, cost, target, dataset size, date
    NAMED = "named"  # something named: a baseline, a tool, a data source, an owner


class Question(BaseModel):
    """One guiding question; `id` is stable, e.g. `business-metrics.q2`."""

    id: str
    text: str
    weight: float = Field(1.0, gt=0)
    severity: Severity = Severity.WARNING
    expects: Expects | None = None


class RubricSection(BaseModel):
    """A template section: what it is for and the questions a draft must answer."""

    id: str
    number: str = ""
    title: str
    part: str = ""
    aliases: list[str] = Field(default_factory=list)
    cues: list[str] = Field(
        default_factory=list,
        description="Words and phrases that show a draft is on this section's topic "
        "(risk-catalogue cue syntax: a trailing * matches any ending).",
    )
    summary: str = ""
    key_points: list[str] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    weight: float = Field(1.0, gt=0)
    optional: bool = Field(
        False,
        description="Reference material (glossary, references, appendix): reviewed for what it "
        "holds, never reported as a gap and not scored.",
    )
    cues_derived: bool = Field(
        False,
        description="The cues were derived from the title and checks (the template gave none).",
    )
    topics: list[str] = Field(
        default_factory=list,
        description="Sections of the built-in template whose topic this one matched; their "
        "cues and aliases replace the derived ones (app.review.topics).",
    )
    topic_cues: list[list[str]] = Field(
        default_factory=list,
        description="The cues of each matched topic, when there are several: a section that "
        "merges topics is only as present in a draft as its least present topic.",
    )
    topic_questions: list[list[str]] = Field(
        default_factory=list,
        description="The ids of the questions that belong to each matched topic, parallel to "
        "topic_cues: a section that merges topics is judged topic by topic.",
    )
    checks_from: str = Field(
        "questions",
        description="Where the section's checks came from: questions, key points, prose (its "
        "guidance sentences and fill-in lines), table (a row of a section table) or title (a "
        "heading with no guidance).",
    )

    @property
    def label(self) -> str:
        """'2.4 Business metrics'."""
        return f"{self.number} {self.title}".strip()


class TemplateNote(BaseModel):
    """Something the parser skipped, renamed or could not finish, for `mlsd template lint`."""

    level: str = Field(description="warning (a check may be missing or wrong) or info")
    message: str


class Rubric(BaseModel):
    """A parsed template. `version` is a hash of the template's content."""

    id: str
    title: str
    version: str
    source: str
    shape: str  # markdown | prose | phases | yaml | table
    sections: list[RubricSection]
    notes: list[TemplateNote] = Field(
        default_factory=list,
        description="What the parser skipped, renamed or could not finish (`mlsd template lint`).",
    )

    @property
    def question_count(self) -> int:
        """Number of guiding questions over all sections."""
        return sum(len(s.questions) for s in self.sections)

    def section(self, section_id: str) -> RubricSection:
        """The section with this id (KeyError when there is none)."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)
