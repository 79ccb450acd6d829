"""Cross-section consistency checks, run only where the draft gives evidence for them.

- Latency targets: the same percentile stated with values far apart in different places.
- Goals vs measurement: business metrics named as goals that no validation, monitoring or
  metrics section ever measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.draft import Draft, DraftSentence
from app.review.align import Alignment
from app.review.models import Evidence

_LATENCY = re.compile(
    r"(?P<pct>p50|p90|p95|p99(?:\.9)?|median|mean|average)?[^.\n]{0,25}?"
    r"(latency|response time)[^.\n]{0,40}?(?P<value>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>ms|msec|milliseconds?|s|sec|seconds?)\b",
    re.IGNORECASE,
)
_BUSINESS_METRICS = re.compile(
    r"\b(CTR|click[- ]through rate|conversion(?: rate)?|revenue|GMV|AOV|retention|churn rate|"
    r"engagement|DAU|MAU|watch time|dwell time|chargeback rate|fraud loss(?:es)?|"
    r"handling time|resolution time|NPS|CSAT|stockouts?|waste|margin|cost per \w+|"
    r"approval rate|default rate|false positive rate|order volume|basket size)\b",
    re.IGNORECASE,
)
GOAL_SECTIONS = ("business-metrics", "overview", "value-proposition")
MEASURE_SECTIONS = ("validation-pilot", "monitoring", "performance-metrics", "offline-evaluation")


@dataclass
class Inconsistency:
    """One cross-section inconsistency, filed under a template section."""

    rule_id: str
    section_id: str
    title: str
    message: str
    evidence: list[Evidence]


def _ms(value: str, unit: str) -> float:
    number = float(value)
    return number if unit.lower().startswith("m") else number * 1000


def _evidence(draft: Draft, sentence: DraftSentence) -> Evidence:
    return Evidence(
        quote=sentence.text,
        location=sentence.location,
        section=draft.sections[sentence.section].heading,
    )


def _latency_conflicts(draft: Draft, home: str) -> list[Inconsistency]:
    found: dict[str, list[tuple[float, DraftSentence]]] = {}
    for sentence in draft.evidence:
        for match in _LATENCY.finditer(sentence.text):
            pct = (match.group("pct") or "latency").lower()
            found.setdefault(pct, []).append(
                (_ms(match.group("value"), match.group("unit")), sentence)
            )
    out = []
    for pct, values in found.items():
        low = min(values, key=lambda v: v[0])
        high = max(values, key=lambda v: v[0])
        if low[1] is not high[1] and low[0] > 0 and high[0] / low[0] >= 1.5:
            label = pct if pct != "latency" else "the latency target"
            out.append(
                Inconsistency(
                    rule_id="consistency.latency-targets",
                    section_id=home,
                    title="Latency targets disagree",
                    message=(
                        f"The draft gives {label} as {low[0]:g} ms in one place and "
                        f"{high[0]:g} ms in another; state one target and use it in the "
                        "serving design."
                    ),
                    evidence=[_evidence(draft, low[1]), _evidence(draft, high[1])],
                )
            )
    return out


def _unmeasured_goals(draft: Draft, alignment: Alignment, home: str) -> list[Inconsistency]:
    goal_idx = {i for sid in GOAL_SECTIONS for i in alignment.draft_sections(sid)}
    measure_idx = {i for sid in MEASURE_SECTIONS for i in alignment.draft_sections(sid)}
    if not goal_idx or not measure_idx:
        return []
    goals: dict[str, DraftSentence] = {}
    measured: set[str] = set()
    for sentence in draft.evidence:
        names = {m.group(0).lower() for m in _BUSINESS_METRICS.finditer(sentence.text)}
        if sentence.section in goal_idx:
            for name in names:
                goals.setdefault(name, sentence)
        if sentence.section in measure_idx:
            measured |= names
    missing = [name for name in goals if name not in measured]
    if not goals or len(missing) < len(goals):
        return []
    listed = ", ".join(sorted(missing))
    return [
        Inconsistency(
            rule_id="consistency.goals-unmeasured",
            section_id=home,
            title="Business goals are not measured",
            message=(
                f"The goals name {listed}, but no validation, pilot, metrics or monitoring "
                "section measures them; say how and when each goal is measured."
            ),
            evidence=[_evidence(draft, goals[n]) for n in sorted(missing)[:2]],
        )
    ]


def check_consistency(
    draft: Draft, alignment: Alignment, section_ids: list[str]
) -> list[Inconsistency]:
    """Inconsistencies between sections of the draft."""

    def home(*candidates: str) -> str:
        for c in candidates:
            if c in section_ids:
                return c
        return ""

    out = _latency_conflicts(draft, home("requirements", "serving", "performance-metrics"))
    out += _unmeasured_goals(draft, alignment, home("business-metrics"))
    return out
