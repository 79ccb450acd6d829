"""The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.

One log, one run: reviews of several drafts are merged into one run whose rules are the
distinct finding `rule_id`s, so a CI job can upload a single file.
"""

from __future__ import annotations

import importlib.metadata
import json
from typing import Any
from urllib.parse import quote

from app.reports._common import (
    document_path,
    finding_line,
    finding_location,
    finding_message,
    safe_url,
    strip_controls,
)
from app.review.models import Finding, Review, Suppression

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/mlsd/mlsd"
FINGERPRINT_KEY = "mlsdFindingId/v1"

JSON = dict[str, Any]


def tool_version() -> str:
    """mlsd's installed version, or '0' when it runs from a tree that is not installed."""
    try:
        return importlib.metadata.version("mlsd")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def artifact_uri(review: Review) -> str:
    """The draft's path as a relative URI reference: forward slashes, percent-encoded."""
    path = document_path(review)
    if path.startswith("./"):
        path = path[2:]
    return quote(path, safe="/")


def rule_name(rule_id: str) -> str:
    """'business-metrics.q2' -> 'BusinessMetricsQ2', the identifier-like name SARIF suggests."""
    words = "".join(c if c.isalnum() else " " for c in rule_id).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Finding"


def _first_url(finding: Finding) -> str:
    for citation in finding.citations:
        url = safe_url(citation.url)
        if url:
            return url
    return ""


def _rule(finding: Finding) -> JSON:
    rule: JSON = {
        "id": finding.rule_id,
        "name": rule_name(finding.rule_id),
        "shortDescription": {"text": strip_controls(finding.title)},
        "fullDescription": {"text": strip_controls(finding.message)},
        "defaultConfiguration": {"level": finding.severity.value},
        "properties": {"tags": [finding.kind.value]},
    }
    url = _first_url(finding)
    if url:
        rule["helpUri"] = url
    return rule


def _merge_rule(rule: JSON, finding: Finding) -> None:
    """A later finding of a known rule adds its kind and, if the rule has none, a help URL."""
    tags: list[str] = rule["properties"]["tags"]
    if finding.kind.value not in tags:
        tags.append(finding.kind.value)
    url = _first_url(finding)
    if url and "helpUri" not in rule:
        rule["helpUri"] = url


def _result(review: Review, finding: Finding, rule_index: int) -> JSON:
    location = finding_location(review, finding)
    start = finding_line(review, finding)
    region: JSON = {"startLine": start}
    if (
        location.line_start is not None
        and max(1, location.line_start) == start
        and location.line_end is not None
        and location.line_end >= start
    ):
        region["endLine"] = location.line_end
    if location.page is not None:
        region["properties"] = {"page": location.page}
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": strip_controls(finding_message(finding))},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(review)},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": {
            "kind": finding.kind.value,
            "sectionId": finding.section_id,
            "judgedBy": finding.source,
        },
    }


def _suppression(item: Suppression) -> JSON:
    """SARIF's record of a silenced result: in the source for a comment in the draft,
    external for the configuration, a kind of doc or the baseline."""
    reason = item.reason or {"baseline": "accepted in the baseline"}.get(item.by, item.by)
    where = f" (line {item.line})" if item.line else ""
    return {
        "kind": "inSource" if item.by == "inline" else "external",
        "status": "accepted",
        "justification": strip_controls(reason + where),
    }


def _run_properties(reviews: list[Review]) -> JSON:
    properties: JSON = {
        "reviews": [
            {
                "document": r.document,
                "score": r.score,
                "mode": r.mode,
                "rubricId": r.rubric_id,
                "rubricVersion": r.rubric_version,
            }
            for r in reviews
        ]
    }
    if reviews:
        # With several drafts the run's score is the worst one: what a CI gate cares about.
        properties["score"] = min(r.score for r in reviews)
        properties["mode"] = ", ".join(sorted({r.mode for r in reviews}))
    return properties


def sarif_log(reviews: list[Review]) -> JSON:
    """A SARIF 2.1.0 log (as a dict) with one run holding every review's findings."""
    rules: list[JSON] = []
    index: dict[str, int] = {}
    results: list[JSON] = []
    for review in reviews:
        silenced = [(s.finding, s) for s in review.suppressed]
        for finding, suppression in [*((f, None) for f in review.all_findings()), *silenced]:
            if finding.rule_id in index:
                _merge_rule(rules[index[finding.rule_id]], finding)
            else:
                index[finding.rule_id] = len(rules)
                rules.append(_rule(finding))
            result = _result(review, finding, index[finding.rule_id])
            if suppression is not None:
                result["suppressions"] = [_suppression(suppression)]
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlsd",
                        "informationUri": INFORMATION_URI,
                        "version": tool_version(),
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "results": results,
                "properties": _run_properties(reviews),
            }
        ],
    }


def render_sarif(review: Review) -> str:
    """One review as a SARIF 2.1.0 log."""
    return render_sarif_many([review])


def render_sarif_many(reviews: list[Review]) -> str:
    """Several reviews as one SARIF 2.1.0 log with one run; rules are merged by id."""
    return json.dumps(sarif_log(reviews), indent=2, ensure_ascii=False) + "\n"
