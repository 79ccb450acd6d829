"""The design-risk catalogue (knowledge/templates/risks.yaml) and its detection.

A risk of kind `absent` fires when none of its cues occurs in the draft; a `trigger` risk fires
when a trigger occurs (and one of `requires_any`, if given) while no cue (mitigation) does.
Placeholder sentences do not count as mitigations.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from app.draft import Draft, DraftSentence
from app.errors import ConfigError
from app.review.models import Evidence
from app.rubric.models import Severity


class Risk(BaseModel):
    """One catalogued design risk."""

    id: str
    title: str
    severity: Severity = Severity.WARNING
    sections: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    kind: str = "absent"
    triggers: list[str] = Field(default_factory=list)
    requires_any: list[str] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    query: str
    message: str
    suggestion: str = ""


class RiskCatalogue(BaseModel):
    """All catalogued risks and a hash of the file they came from."""

    version: str
    risks: list[Risk]


class RiskHit(BaseModel):
    """A risk that fired, with the draft text that triggered it (empty for `absent` risks)."""

    risk: Risk
    evidence: list[Evidence] = Field(default_factory=list)


def cue_source(cue: str) -> str:
    """A cue phrase as regex text: word boundaries, any whitespace, trailing `*` as a prefix."""
    text = cue.strip().lower()
    prefix = text.endswith("*")
    text = text.rstrip("*")
    words = text.split()
    # Inflections count: "fall back" matches "falls back", "monitor" matches "monitored".
    parts = [
        re.escape(w) + (r"(?:s|es|ed|d|ing)?" if re.search(r"[a-z]$", w) else "") for w in words
    ]
    if prefix:
        parts[-1] = re.escape(words[-1])
    body = r"\s+".join(parts)
    start = r"\b" if re.match(r"\w", text) else ""
    end = r"\w*" if prefix else (r"\b" if re.search(r"\w$", text) else "")
    return start + body + end


def cue_regex(cue: str) -> re.Pattern[str]:
    """A cue phrase as a compiled regex (see cue_source)."""
    return re.compile(cue_source(cue), re.IGNORECASE)


def any_of(cues: tuple[str, ...], patterns: tuple[str, ...] = ()) -> list[re.Pattern[str]]:
    """One regex matching where any cue or pattern matches (one search per sentence instead
    of one per cue), as a list of one; the separate regexes when a pattern cannot be joined
    (a flag in the middle of an alternation). Empty when there is nothing to match."""
    sources = [cue_source(c) for c in cues if c.strip()] + list(patterns)
    if not sources:
        return []
    try:
        return [re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE)]
    except re.error:
        return [re.compile(s, re.IGNORECASE) for s in sources]


@lru_cache(maxsize=1024)
def _compiled(cues: tuple[str, ...], patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return any_of(cues, patterns)


def load_catalogue(path: Path) -> RiskCatalogue:
    """Parse and check the catalogue. Raises ConfigError with the reason."""
    try:
        data = path.read_bytes()
        raw = yaml.safe_load(data)
    except OSError as exc:
        raise ConfigError(f"cannot read the risk catalogue {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"the risk catalogue {path} is not valid YAML") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("risks"), list):
        raise ConfigError(f"the risk catalogue {path} needs a `risks:` list")
    try:
        catalogue = RiskCatalogue(
            version=hashlib.sha256(data).hexdigest()[:12],
            risks=[Risk.model_validate(r) for r in raw["risks"]],
        )
        for risk in catalogue.risks:
            # Each pattern alone first: a bad one is reported, not hidden in an alternation.
            for pattern in risk.patterns:
                re.compile(pattern, re.IGNORECASE)
            _compiled(tuple(risk.cues), tuple(risk.patterns))
            _compiled(tuple(risk.triggers), ())
            _compiled(tuple(risk.requires_any), ())
    except ValidationError as exc:
        raise ConfigError(
            f"the risk catalogue {path} has an invalid entry: {exc.errors()[0]['msg']}"
        ) from exc
    except re.error as exc:
        raise ConfigError(f"the risk catalogue {path} has an invalid pattern: {exc}") from exc
    return catalogue


def _first_match(
    sentences: list[DraftSentence], regexes: list[re.Pattern[str]]
) -> DraftSentence | None:
    for sentence in sentences:
        if any(r.search(sentence.text) for r in regexes):
            return sentence
    return None


def detect_risks(draft: Draft, catalogue: RiskCatalogue) -> list[RiskHit]:
    """Risks of the catalogue that hold for this draft."""
    usable = draft.evidence
    # A heading counts as a mitigation only when real content (not a placeholder) follows it.
    with_content = {s.section for s in usable}
    headings = [
        DraftSentence(text=s.heading, section=s.index, location=s.location)
        for s in draft.sections
        if s.heading and s.index in with_content
    ]
    hits: list[RiskHit] = []
    for risk in catalogue.risks:
        mitigations = _compiled(tuple(risk.cues), tuple(risk.patterns))
        if risk.kind == "trigger":
            trigger = _first_match(usable, _compiled(tuple(risk.triggers), ()))
            if trigger is None:
                continue
            required = (
                _first_match(usable, _compiled(tuple(risk.requires_any), ()))
                if risk.requires_any
                else None
            )
            if risk.requires_any and required is None:
                continue
            if _first_match(usable + headings, mitigations) is not None:
                continue
            # The narrower condition (e.g. "random split") is the better quote; then the trigger.
            quoted = [required, trigger] if required not in (None, trigger) else [trigger]
            evidence = [
                Evidence(
                    quote=q.text, location=q.location, section=draft.sections[q.section].heading
                )
                for q in quoted
                if q is not None
            ]
            hits.append(RiskHit(risk=risk, evidence=evidence))
        else:
            if _first_match(usable + headings, mitigations) is None:
                hits.append(RiskHit(risk=risk))
    return hits


def triggered_by(draft: Draft, risk: Risk) -> DraftSentence | None:
    """The first usable sentence that sets off a trigger risk (mitigations not considered)."""
    if not risk.triggers:
        return None
    found = _first_match(draft.evidence, _compiled(tuple(risk.triggers), ()))
    if found is None or not risk.requires_any:
        return found
    return _first_match(draft.evidence, _compiled(tuple(risk.requires_any), ()))
