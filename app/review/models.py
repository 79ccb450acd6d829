"""The Review contract: what the reviewer produces and every report renders.

The JSON Schema in `schemas/review.schema.json` is generated from these models
(`mlsd schema`); a test fails when the two drift apart.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from app.rubric.models import Severity
from ingest.models import Location

REVIEW_FORMAT_VERSION = "2"


class Verdict(StrEnum):
    """How well the draft answers a guiding question."""

    COVERED = "covered"
    PARTIAL = "partial"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"

    @property
    def credit(self) -> float:
        """Share of the question's weight the verdict earns (n/a questions are not counted)."""
        return {"covered": 1.0, "partial": 0.5, "missing": 0.0, "not_applicable": 0.0}[self.value]


class FindingKind(StrEnum):
    """What a finding is about."""

    GAP = "gap"
    RISK = "risk"
    CONSISTENCY = "consistency"
    SUGGESTION = "suggestion"


class Evidence(BaseModel):
    """A quote from the draft and where it is; `quote` is empty when the evidence is absence."""

    quote: str = ""
    location: Location = Field(default_factory=Location)
    section: str = ""
    score: float = 0.0

    @property
    def absent(self) -> bool:
        """True when the draft holds no evidence."""
        return not self.quote


class Citation(BaseModel):
    """A knowledge-base passage found by retrieval. Models choose among these, never create."""

    chunk_id: str
    source: str
    title: str
    heading_path: list[str] = Field(default_factory=list)
    location: Location = Field(default_factory=Location)
    url: str = ""
    quote: str
    score: float


class SuggestedEdit(BaseModel):
    """A concrete change to the draft: insert `text` after `after_line` (0 = at the top), or
    replace lines `replace_start`..`replace_end` with it. `anchor` names the section."""

    action: str = "insert"  # insert | replace
    anchor: str = ""
    after_line: int | None = None
    replace_start: int | None = None
    replace_end: int | None = None
    text: str
    new_section: bool = False


class Finding(BaseModel):
    """One thing the review asks the author to look at."""

    id: str
    rule_id: str
    kind: FindingKind
    severity: Severity
    section_id: str
    title: str
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    suggested_edit: SuggestedEdit | None = None
    citations: list[Citation] = Field(default_factory=list)
    source: str = "offline"  # offline | the LLM's name
    questions: list[str] = Field(
        default_factory=list, description="For a gap: the ids of the questions it lists."
    )
    impact: float = Field(
        0.0,
        description="How much fixing this finding matters, 0-10: severity, the weight of the "
        "section and its questions, and the confidence of the verdict. Findings are ranked by it.",
    )


class Suppression(BaseModel):
    """A finding the team's policy silenced, and by what: the configuration file, a comment
    in the draft, a kind of doc, or the baseline of accepted findings."""

    finding: Finding
    by: str = Field(description="config | inline | kind:NAME | baseline")
    reason: str = ""
    line: int | None = Field(None, description="The draft line of the comment that silenced it.")


class QuestionVerdict(BaseModel):
    """The judgement of one guiding question, with the draft's evidence."""

    question_id: str
    question: str
    verdict: Verdict
    evidence: list[Evidence] = Field(default_factory=list)
    reason: str = ""
    judged_by: str = "offline"


class AlignedSection(BaseModel):
    """A draft section matched to a rubric section, with the matcher's confidence (0 to 1)."""

    heading: str
    location: Location = Field(default_factory=Location)
    confidence: float


class SectionReview(BaseModel):
    """The review of one template section."""

    section_id: str
    number: str = ""
    title: str
    aligned: list[AlignedSection] = Field(default_factory=list)
    coverage: float  # 0 to 100
    status: str = "missing"  # covered | partial | missing | not_applicable
    verdicts: list[QuestionVerdict] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    judged_by: str = "offline"
    note: str = ""


class Timings(BaseModel):
    """Seconds spent per stage."""

    load: float = 0.0
    align: float = 0.0
    judge: float = 0.0
    risks: float = 0.0
    cite: float = 0.0
    total: float = 0.0


class Review(BaseModel):
    """A whole review of one draft against one rubric."""

    format_version: str = REVIEW_FORMAT_VERSION
    document: str
    document_hash: str
    document_format: str
    document_title: str = ""
    rubric_id: str
    rubric_title: str = ""
    rubric_version: str
    kb_fingerprint: str
    mode: str
    score: float
    sections: list[SectionReview]
    findings: list[Finding] = Field(default_factory=list)
    fix_first: list[str] = Field(
        default_factory=list,
        description="Ids of the findings to fix first (at most five, highest impact first).",
    )
    suppressed: list[Suppression] = Field(
        default_factory=list,
        description="Findings silenced by the policy (configuration, comments in the draft, "
        "kinds of doc) or by a baseline; they never count towards the exit status.",
    )
    warnings: list[str] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    cached: bool = False

    def all_findings(self) -> list[Finding]:
        """Section findings then document-level findings."""
        return [f for s in self.sections for f in s.findings] + self.findings

    def top(self) -> list[Finding]:
        """The findings to fix first, in order."""
        by_id = {f.id: f for f in self.all_findings()}
        return [by_id[i] for i in self.fix_first if i in by_id]

    def count(self, severity: Severity) -> int:
        """Number of findings with this severity."""
        return sum(1 for f in self.all_findings() if f.severity is severity)
