"""The chat's contracts: a cited passage, an answer, a conversation turn."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.errors import MlsdError
from ingest.models import Location

# Passages retrieved and cited per answer, unless asked otherwise.
DEFAULT_K = 5


class ChatError(MlsdError):
    """The question cannot be answered as asked (empty question, no knowledge base...)."""


class ChatCitation(BaseModel):
    """A retrieved passage, numbered so that the answer's markers ([1], [2]) point at it.

    Guide passages carry their chunk id; draft passages carry the draft section's heading."""

    number: int
    kind: Literal["guide", "draft"]
    chunk_id: str | None = None
    section: str | None = None
    source: str
    title: str
    heading_path: list[str] = Field(default_factory=list)
    location: Location = Field(default_factory=Location)
    url: str = ""
    quote: str
    score: float

    @property
    def heading_label(self) -> str:
        """Headings joined: 'Monitoring > Drift'."""
        return " > ".join(self.heading_path)

    def label(self) -> str:
        """One line naming the passage: 'guides/x.md — Serving > Batch, lines 3-9'."""
        where = self.location.label()
        parts = [self.source]
        if self.heading_label:
            parts.append(f" — {self.heading_label}")
        if where:
            parts.append(f", {where}")
        return "".join(parts)


class Answer(BaseModel):
    """An answer with the passages it rests on.

    `mode` is 'offline' (extractive: the best passages, no model) or the LLM's name.
    `citations` are exactly the passages the text cites, numbered as in the text."""

    question: str
    standalone_question: str = Field(
        description="What retrieval searched for: the question, or a follow-up rewritten "
        "with the conversation's context."
    )
    text: str
    citations: list[ChatCitation] = Field(default_factory=list)
    mode: str = "offline"
    relevant: bool = Field(
        True, description="False when the knowledge base held nothing relevant enough."
    )
    removed_markers: int = Field(
        0, description="Citation markers in the model's text that pointed at no passage."
    )
    truncated: bool = Field(False, description="The question was cut to max_question_chars.")
    fallback: bool = Field(
        False, description="The LLM failed or timed out and the extractive answer stands in."
    )
    notes: list[str] = Field(default_factory=list)
    section_id: str | None = Field(
        None, description="The template section of the draft the question asks about, if any."
    )
    verdict: str = Field(
        "",
        description="The review's verdict for that section (status, coverage, open questions); "
        "the text starts with it.",
    )


class ChatTurn(BaseModel):
    """One message of a conversation."""

    role: Literal["user", "assistant"]
    content: str
