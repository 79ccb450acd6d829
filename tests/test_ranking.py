"""One finding per problem, ranked by impact, with what to fix first on top of every report."""

from __future__ import annotations

from app.reports import render
from app.review.findings import fix_first, gap_findings, rank, weigh
from app.review.models import (
    Evidence,
    Finding,
    FindingKind,
    QuestionVerdict,
    Review,
    SectionReview,
    Verdict,
)
from app.rubric.models import Question, RubricSection, Severity


def _section(weight: float = 1.0) -> RubricSection:
    return RubricSection(
        id="monitoring",
        number="5.5",
        title="Monitoring",
        weight=weight,
        questions=[
            Question(id="monitoring.q1", text="What is monitored?", severity=Severity.ERROR),
            Question(id="monitoring.q2", text="Which drift statistic and threshold?"),
            Question(id="monitoring.q3", text="Who is on call?", severity=Severity.NOTE),
        ],
    )


def _verdicts(*kinds: Verdict) -> list[QuestionVerdict]:
    return [
        QuestionVerdict(
            question_id=f"monitoring.q{i}",
            question=f"q{i}",
            verdict=kind,
            reason="only touched on",
            evidence=[Evidence(quote="We log predictions.")] if kind is Verdict.PARTIAL else [],
        )
        for i, kind in enumerate(kinds, start=1)
    ]


def test_a_sections_open_questions_become_one_finding_that_lists_them() -> None:
    found = gap_findings(
        _section(), _verdicts(Verdict.MISSING, Verdict.PARTIAL, Verdict.COVERED), "d.md", "partial"
    )
    assert len(found) == 1
    gap = found[0]
    assert gap.rule_id == "monitoring.gaps" and gap.kind is FindingKind.GAP
    assert gap.questions == ["monitoring.q1", "monitoring.q2"]
    assert "(1) What is monitored?" in gap.message and "(2) Which drift" in gap.message
    assert gap.severity is Severity.ERROR
    assert gap.evidence[0].quote == "We log predictions."


def test_a_covered_section_keeps_its_open_questions_as_a_note() -> None:
    found = gap_findings(
        _section(), _verdicts(Verdict.MISSING, Verdict.COVERED, Verdict.COVERED), "d.md", "covered"
    )
    assert found[0].severity is Severity.NOTE


def test_nothing_open_means_no_gap_finding() -> None:
    assert gap_findings(_section(), _verdicts(*[Verdict.COVERED] * 3), "d.md") == []


def _finding(
    fid: str, section: str, severity: Severity, kind: FindingKind, quote: str = ""
) -> Finding:
    return Finding(
        id=fid,
        rule_id=fid,
        kind=kind,
        severity=severity,
        section_id=section,
        title=fid,
        message=f"{fid} message.",
        evidence=[Evidence(quote=quote)],
    )


def test_impact_weighs_severity_confidence_and_section_weight() -> None:
    section = _section()
    risk_seen = _finding("risk.a", "monitoring", Severity.ERROR, FindingKind.RISK, "a quote")
    risk_absent = _finding("risk.b", "monitoring", Severity.ERROR, FindingKind.RISK)
    note = _finding("risk.c", "monitoring", Severity.NOTE, FindingKind.RISK, "a quote")
    assert weigh(risk_seen, section, "partial") > weigh(risk_absent, section, "partial")
    assert weigh(risk_absent, section, "missing") > weigh(risk_absent, section, "covered")
    assert weigh(risk_seen, section, "partial") > weigh(note, section, "partial")
    assert weigh(risk_seen, _section(weight=2.0), "partial") > weigh(risk_seen, section, "partial")
    edit = _finding("x.edit", "monitoring", Severity.NOTE, FindingKind.SUGGESTION)
    assert weigh(edit, section, "missing") == 0.0


def test_fix_first_takes_the_highest_impact_once_per_section_and_never_an_edit() -> None:
    findings = []
    for i, (section, impact) in enumerate(
        [("a", 9.0), ("a", 8.5), ("b", 7.0), ("c", 6.0), ("d", 5.0), ("e", 4.0), ("f", 3.0)]
    ):
        f = _finding(f"f{i}", section, Severity.WARNING, FindingKind.RISK)
        f.impact = impact
        findings.append(f)
    edit = _finding("edit", "z", Severity.ERROR, FindingKind.SUGGESTION)
    edit.impact = 10.0
    top = fix_first([*findings, edit])
    assert [f.id for f in top] == ["f0", "f2", "f3", "f4", "f5"]
    assert rank([edit, *findings])[-1] is edit


def _review(n: int) -> Review:
    findings = []
    for i in range(n):
        f = _finding(f"risk.r{i}", f"s{i}", Severity.WARNING, FindingKind.RISK)
        f.impact = 10.0 - i / n
        findings.append(f)
    sections = [
        SectionReview(
            section_id=f"s{i}",
            number=str(i),
            title=f"Section {i}",
            coverage=50.0,
            findings=[findings[i]],
        )
        for i in range(n)
    ]
    return Review(
        document="d.md",
        document_hash="h",
        document_format="markdown",
        rubric_id="r",
        rubric_version="1",
        kb_fingerprint="k",
        mode="offline",
        score=50.0,
        sections=sections,
        fix_first=[f.id for f in fix_first(findings)],
    )


def test_text_and_markdown_open_with_fix_these_first_and_show_at_most_twenty() -> None:
    review = _review(30)
    text = render(review, "text")
    assert text.index("Fix these first") < text.index("Coverage") < text.index("Findings (30")
    assert text.count("\n  WARNING ") == 20
    assert "10 more findings" in text and "--all" in text
    full = render(review, "text", full=True)
    assert full.count("risk.r29") >= 1 and "10 more findings" not in full
    markdown = render(review, "markdown")
    assert "## Fix these first" in markdown and "1. \\[warning\\] risk.r0" in markdown
    assert markdown.count("\n- **warning**") == 20


def test_html_report_lists_fix_these_first_linked_to_the_findings() -> None:
    html = render(_review(6), "html")
    assert html.index('id="fix-first"') < html.index('id="sections"')
    assert 'href="#finding-risk.r0"' in html and 'id="finding-risk.r0"' in html
