"""Labels of the real-doc corpus: a pointer to each third-party doc and our own reading of it.

The texts are never in the repository; `evals.realdocs.fill` re-reads them into a folder of
the user's choosing. See evals/realdocs/README.md for the file format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, Field, field_validator

LABELS_DIR = Path(__file__).parent / "docs"
SECOND_DIR = Path(__file__).parent / "second"
Status = Literal["covered", "partial", "missing"]


class Pointer(BaseModel):
    """Where a doc lives: repository, path and commit, with the licence found there."""

    repo: str
    path: str
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    licence: str = "none stated"


class SectionLabel(BaseModel):
    """A reader's status for one template section, with the spans that justify it."""

    status: Status
    lines: list[list[int]] = Field(default_factory=list)
    pages: list[int] = Field(default_factory=list)
    paragraphs: list[int] = Field(default_factory=list)
    note: str = ""


class RiskLabel(BaseModel):
    """A catalogued risk a careful reviewer would raise for the doc."""

    id: str
    lines: list[list[int]] = Field(default_factory=list)
    pages: list[int] = Field(default_factory=list)
    note: str = ""


class DocLabel(BaseModel):
    """One doc of the corpus: pointer, kind, and the section and risk labels."""

    id: str
    source: Pointer
    format: Literal["md", "txt", "pdf", "docx"]
    language: str = "en"
    kind: str = ""
    shape: str = ""
    words: int = 0
    labeler: str = ""
    sections: dict[str, SectionLabel]
    risks: list[RiskLabel] = Field(default_factory=list)

    @field_validator("risks", mode="before")
    @classmethod
    def _risk_ids(cls, value: object) -> object:
        # `- no-rollback` is accepted as shorthand for `- {id: no-rollback}`.
        if isinstance(value, list):
            return [{"id": v} if isinstance(v, str) else v for v in value]
        return value

    @property
    def file_name(self) -> str:
        """The text's name in a filled folder."""
        return f"{self.id}.{self.format}"

    @property
    def english(self) -> bool:
        """Whether the body text is English."""
        return self.language.lower().startswith("en")

    def statuses(self) -> dict[str, str]:
        """Section id -> status."""
        return {sid: label.status for sid, label in self.sections.items()}


def load_label(path: Path) -> DocLabel:
    """One label file."""
    return DocLabel.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_labels(folder: Path = LABELS_DIR) -> list[DocLabel]:
    """Every label file of a folder, sorted by id."""
    return sorted((load_label(p) for p in folder.glob("*.yaml")), key=lambda d: d.id)


LABEL_STATUSES = get_args(Status)


def combine(statuses: list[str]) -> str | None:
    """One status for several: covered if all are, missing if all are, else partial."""
    known = [s if s in LABEL_STATUSES else "partial" for s in statuses if s]
    if not known:
        return None
    if all(s == "covered" for s in known):
        return "covered"
    if all(s == "missing" for s in known):
        return "missing"
    return "partial"


def mapped(statuses: dict[str, str], mapping: dict[str, list[str]]) -> dict[str, str]:
    """Default-template statuses (labels or predictions) combined per section of another
    template (`mapping`: its section -> the default sections it covers);
    a section is left out when none of the default sections it covers has a status."""
    out = {}
    for section, covers in mapping.items():
        status = combine([statuses[c] for c in covers if c in statuses])
        if status is not None:
            out[section] = status
    return out
