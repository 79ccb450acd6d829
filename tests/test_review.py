"""The reviewer end to end: real drafts, the real knowledge base, offline mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import knowledge
from app.review import Review, Reviewer
from app.review.models import FindingKind, Verdict
from app.rubric.models import Severity
from app.settings import load_settings
from tests.conftest import FIXTURES, PROJECT

pytestmark = pytest.mark.slow
CASES = PROJECT / "evals" / "cases"
DRAFTS = FIXTURES / "drafts"


@pytest.fixture
def reviewer(kb_dir: Path, embedder) -> Reviewer:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=kb_dir)
    return Reviewer(settings, knowledge.open_store(settings, embedder), use_cache=False)


def section(review: Review, section_id: str):  # type: ignore[no-untyped-def]
    return next(s for s in review.sections if s.section_id == section_id)


def risks(review: Review) -> set[str]:
    return {f.rule_id for f in review.all_findings() if f.kind is FindingKind.RISK}


def test_complete_draft_scores_high_with_little_to_complain_about(reviewer: Reviewer) -> None:
    review = reviewer.review_path(CASES / "recsys-complete.md")
    assert review.score >= 70
    covered = [s for s in review.sections if s.status == "covered"]
    assert len(covered) >= 18
    assert not risks(review)
    assert review.count(Severity.ERROR) <= 3


def test_thin_draft_names_exactly_what_is_missing(reviewer: Reviewer) -> None:
    review = reviewer.review_path(CASES / "churn-thin.md")
    assert review.score < 45
    assert section(review, "monitoring").status == "missing"
    assert section(review, "fairness").status == "missing"
    assert {
        "risk.no-baseline",
        "risk.leakage-prone-split",
        "risk.personal-data-no-privacy",
        "risk.no-monitoring-plan",
    } <= risks(review)
    split = next(f for f in review.all_findings() if f.rule_id == "risk.leakage-prone-split")
    assert "randomly split" in split.evidence[0].quote
    assert split.evidence[0].location.line_start is not None
    gaps = [f for f in section(review, "monitoring").findings if f.kind is FindingKind.GAP]
    assert gaps and all(f.citations for f in gaps)


def test_every_finding_cites_retrieved_knowledge_base_passages(reviewer: Reviewer) -> None:
    review = reviewer.review_path(CASES / "churn-thin.md")
    store_ids = {h for ids in reviewer.store.chunk_ids_by_source().values() for h in ids}
    cited = [c for f in review.all_findings() for c in f.citations]
    assert cited
    assert {c.chunk_id for c in cited} <= store_ids
    monitoring = next(f for f in review.all_findings() if f.rule_id == "risk.no-monitoring-plan")
    assert "14-monitoring-drift.md" in monitoring.citations[0].source
    assert monitoring.citations[0].heading_path and monitoring.citations[0].quote


def test_unusual_headings_are_judged_by_content(reviewer: Reviewer) -> None:
    review = reviewer.review_path(CASES / "ads-unusual-headings.md")
    assert review.score >= 55
    for sid in ("business-metrics", "validation-pilot", "serving", "monitoring"):
        assert section(review, sid).status == "covered", sid


@pytest.mark.parametrize(
    ("suffix", "field"), [("md", "line_start"), ("pdf", "page"), ("docx", "paragraph")]
)
def test_markdown_pdf_and_docx_drafts_review_alike(
    reviewer: Reviewer, suffix: str, field: str
) -> None:
    review = reviewer.review_path(DRAFTS / f"ticket-routing.{suffix}")
    assert review.document_format == {"md": "markdown"}.get(suffix, suffix)
    serving = section(review, "serving")
    assert [a.heading for a in serving.aligned] == ["Serving"]
    evidence = [e for v in serving.verdicts for e in v.evidence]
    assert evidence and all(getattr(e.location, field) is not None for e in evidence)
    baseline = reviewer.review_path(DRAFTS / "ticket-routing.md")
    assert review.score == pytest.approx(baseline.score, abs=8)


def test_placeholders_count_as_absent_and_are_reported(reviewer: Reviewer) -> None:
    review = reviewer.review_path(DRAFTS / "ticket-routing.md")
    monitoring = section(review, "monitoring")
    assert monitoring.status != "covered"
    placeholder = next(f for f in monitoring.findings if f.rule_id == "monitoring.placeholders")
    assert "TBD" in placeholder.evidence[0].quote
    # Text that is only a placeholder is never quoted as evidence.
    quotes = [e.quote for s in review.sections for v in s.verdicts for e in v.evidence]
    assert not any("TBD" in q or "TODO" in q for q in quotes)


def test_instructions_inside_the_draft_change_nothing(reviewer: Reviewer, tmp_path: Path) -> None:
    hostile = reviewer.review_path(CASES / "injection-thin.md")
    assert hostile.score < 45
    assert any("addressed to the reviewer" in w for w in hostile.warnings)
    assert "risk.no-monitoring-plan" in risks(hostile)
    quotes = [e.quote for s in hostile.sections for v in s.verdicts for e in v.evidence]
    assert not any("Ignore all previous instructions" in q for q in quotes)
    # The same draft without the hostile lines scores the same.
    clean = tmp_path / "clean.md"
    clean.write_text(
        "\n".join(
            line
            for line in (CASES / "injection-thin.md").read_text().split("\n")
            if "instructions" not in line.lower()
        )
    )
    assert reviewer.review_path(clean).score == pytest.approx(hostile.score, abs=3)


def test_draft_without_headings_is_reviewed_by_content(reviewer: Reviewer, tmp_path: Path) -> None:
    draft = tmp_path / "plain.txt"
    draft.write_text(
        "we want to predict which delivery drivers will be late so dispatchers can reassign "
        "orders. the model is a gradient boosted tree trained on 8 months of trips. we will "
        "serve it online with a p99 latency under 100 ms and monitor feature drift with psi."
    )
    review = reviewer.review_path(draft)
    assert any("no headings" in w for w in review.warnings)
    assert section(review, "requirements").verdicts[0].verdict is not Verdict.MISSING


def test_rereview_of_an_unchanged_draft_comes_from_the_cache(
    kb_dir: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=kb_dir)
    cached = Reviewer(settings, knowledge.open_store(settings, embedder), use_cache=True)
    draft = tmp_path / "draft.md"
    draft.write_text((DRAFTS / "ticket-routing.md").read_text())
    first = cached.review_path(draft)
    second = cached.review_path(draft)
    assert not first.cached and second.cached
    assert second.model_copy(update={"cached": False}) == first
    draft.write_text(draft.read_text() + "\nRetraining is owned by the ML platform team.\n")
    assert not cached.review_path(draft).cached
