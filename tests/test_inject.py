"""The flaw injection suite: generators on small docs of our own, and one end-to-end run."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import knowledge
from app.review import Reviewer
from app.review.models import Evidence, Finding, FindingKind, Review, SectionReview
from app.rubric.models import Severity
from app.settings import load_settings
from evals.realdocs.inject import (
    FLAWS,
    Expectation,
    FlawPair,
    build_pairs,
    load_folder,
    matches,
    measure,
)

DOC = """# Store demand forecast

## Goals

We forecast daily sales per store to cut fresh waste by 15% by March.

## Data

Three years of daily sales transactions, about 2.9M rows, with timestamps and promotions.

## Model

We train LightGBM with mean squared error as the loss. The baseline is a 4-week moving average
with WAPE 38%.

## Evaluation

We split by time: train on data before the cutoff date and test on the following 8 weeks.
We report WAPE and MAE per store.

## Requirements

The p99 latency of the forecast API must stay under 80 ms.

## Monitoring

A dashboard tracks daily WAPE, and an alert fires when drift in the price feature is high.

## Deployment and monitoring

The model is served from a container. Monitoring covers latency and errors.
If the new model misbehaves, we roll back to the previous model within 15 minutes.

## Privacy

No personal data is used, and the data is anonymised under GDPR.
"""

PLAIN = """# Image tagger

## Overview

A model tags product photos with one of 40 categories for the catalogue team.

## Model

A ResNet-50 fine-tuned on labelled photos.
"""


def pairs_by_flaw(text: str) -> dict[str, FlawPair]:
    return {p.flaw: p for p in build_pairs("doc", text)}


def lines_of(pair: FlawPair, span: tuple[int, int]) -> list[str]:
    return pair.flawed.split("\n")[span[0] - 1 : span[1]]


def test_every_flaw_applies_to_a_doc_that_has_what_it_removes() -> None:
    pairs = pairs_by_flaw(DOC)
    assert sorted(pairs) == sorted(FLAWS)
    expected = {
        "delete-baseline": ["risk.no-baseline"],
        "random-split": ["risk.leakage-prone-split"],
        "remove-monitoring": ["risk.no-monitoring-plan"],
        "latency-conflict": ["consistency.latency-targets"],
        "drop-rollback": ["risk.no-rollback"],
        "tbd-figures": ["*.placeholders"],
        "unmeasured-goal": ["consistency.goals-unmeasured"],
        "personal-data": ["risk.personal-data-no-privacy"],
        "metric-loss": ["consistency.metric-loss"],
    }
    for flaw, pair in pairs.items():
        assert pair.expected.rule_ids == expected[flaw]
        assert pair.clean == DOC and pair.flawed != DOC
        total = len(pair.flawed.split("\n"))
        assert all(1 <= a <= b <= total for a, b in pair.spans), flaw
    assert pairs["remove-monitoring"].expected.gap_sections == ["monitoring"]
    assert pairs["tbd-figures"].expected.located


def test_deletions_apply_only_where_the_doc_has_the_thing() -> None:
    pairs = pairs_by_flaw(PLAIN)
    for flaw in ("delete-baseline", "remove-monitoring", "drop-rollback", "random-split"):
        assert flaw not in pairs


def test_delete_baseline_removes_the_sentence_and_marks_where_it_stood() -> None:
    pair = pairs_by_flaw(DOC)["delete-baseline"]
    assert "baseline" not in pair.flawed.lower()
    assert "mean squared error" in pair.flawed  # the rest of the paragraph stays
    (span,) = pair.spans
    assert lines_of(pair, span) == ["We train LightGBM with mean squared error as the loss."]


def test_a_section_titled_baseline_goes_with_its_body() -> None:
    text = DOC.replace(
        "## Requirements", "## Baseline\n\nSeasonal naive, WAPE 35%.\n\n## Requirements"
    )
    pair = pairs_by_flaw(text)["delete-baseline"]
    assert "## Baseline" not in pair.flawed and "Seasonal naive" not in pair.flawed
    assert "## Requirements" in pair.flawed


def test_remove_monitoring_drops_the_section_and_the_words_elsewhere() -> None:
    pair = pairs_by_flaw(DOC)["remove-monitoring"]
    flawed = pair.flawed
    assert "## Monitoring" not in flawed and "dashboard" not in flawed
    assert "## Deployment\n" in flawed  # "Deployment and monitoring" loses only the word
    assert "Monitoring covers" not in flawed
    assert "served from a container" in flawed


def test_random_split_replaces_the_time_split_in_place() -> None:
    pair = pairs_by_flaw(DOC)["random-split"]
    assert "cutoff date" not in pair.flawed
    (span,) = pair.spans
    (line,) = lines_of(pair, span)
    assert "randomly split 80/20" in line and "We report WAPE" in line


def test_random_split_needs_time_ordered_data_and_no_random_split_yet() -> None:
    assert "random-split" not in pairs_by_flaw(PLAIN)
    shuffled = DOC.replace(
        "We split by time: train on data before the cutoff date and test on the following 8 weeks.",
        "We shuffle the rows and hold out 20%.",
    )
    assert "random-split" not in pairs_by_flaw(shuffled)


def test_latency_conflict_restates_the_target_eight_times_lower_in_another_section() -> None:
    pair = pairs_by_flaw(DOC)["latency-conflict"]
    (span,) = pair.spans
    (line,) = lines_of(pair, span)
    assert line == "The p99 latency of the forecast API must stay under 10 ms."
    before = pair.flawed.split("\n")[: span[0]]
    heading = next(h for h in reversed(before) if h.startswith("## "))
    assert heading != "## Requirements"


def test_latency_conflict_words_its_own_limit_when_the_doc_states_no_limit() -> None:
    text = DOC.replace("must stay under 80 ms", "is 80 ms")
    pair = pairs_by_flaw(text)["latency-conflict"]
    (span,) = pair.spans
    assert lines_of(pair, span) == [
        "The p99 latency of each prediction request must stay under 10 ms."
    ]


def test_latency_conflict_without_a_target_adds_two_that_disagree() -> None:
    pair = pairs_by_flaw(PLAIN)["latency-conflict"]
    added = [line for span in pair.spans for line in lines_of(pair, span)]
    assert len(pair.spans) == 2
    assert any("under 50 ms" in a for a in added) and any("under 400 ms" in a for a in added)


def test_drop_rollback_removes_every_way_back() -> None:
    pair = pairs_by_flaw(DOC)["drop-rollback"]
    assert "roll back" not in pair.flawed and "previous model" not in pair.flawed
    assert "Monitoring covers latency and errors." in pair.flawed


def test_tbd_figures_keeps_the_lines_and_marks_the_changed_ones() -> None:
    pair = pairs_by_flaw(DOC)["tbd-figures"]
    assert len(pair.flawed.split("\n")) == len(DOC.split("\n"))
    changed = [line for span in pair.spans for line in lines_of(pair, span)]
    assert changed and all("TBD" in line for line in changed)


def test_unmeasured_goal_lands_in_the_goals_with_a_metric_named_nowhere_else() -> None:
    pair = pairs_by_flaw(DOC)["unmeasured-goal"]
    (span,) = pair.spans
    (line,) = lines_of(pair, span)
    assert line == "A further business goal is to raise customer retention by 5% within a year."
    assert pair.flawed.split("\n")[span[0] - 5] == "## Goals"


def test_personal_data_is_added_and_privacy_removed() -> None:
    pair = pairs_by_flaw(DOC)["personal-data"]
    assert "GDPR" not in pair.flawed and "## Privacy" not in pair.flawed
    added = [line for span in pair.spans for line in lines_of(pair, span)]
    assert any("date of birth" in line for line in added)


def test_metric_loss_swaps_the_loss_to_another_family() -> None:
    pair = pairs_by_flaw(DOC)["metric-loss"]
    assert "binary cross-entropy as the loss" in pair.flawed
    assert "We report WAPE and MAE" in pair.flawed


def test_metric_loss_does_not_apply_to_ranking_metrics() -> None:
    ranked = PLAIN + "\n## Evaluation\n\nWe report NDCG@10 and MRR.\n"
    assert "metric-loss" not in pairs_by_flaw(ranked)


def test_pairs_are_deterministic() -> None:
    assert build_pairs("doc", DOC) == build_pairs("doc", DOC)


def test_load_folder_reads_markdown_and_text(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(DOC)
    (tmp_path / "b.txt").write_text(PLAIN)
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    pairs = load_folder(tmp_path)
    assert {(p.doc_id, p.suffix) for p in pairs} == {("a", "md"), ("b", "txt")}


def review_with(findings: list[Finding], monitoring: str = "covered") -> Review:
    section = SectionReview(
        section_id="monitoring", title="Monitoring", coverage=90, status=monitoring
    )
    return Review(
        document="d.md",
        document_hash="h",
        document_format="markdown",
        rubric_id="default",
        rubric_version="1",
        kb_fingerprint="k",
        mode="offline",
        score=50,
        sections=[section],
        findings=findings,
    )


def finding(rule_id: str, line: int | None = None) -> Finding:
    evidence = Evidence(quote="x", location={"line_start": line, "line_end": line})
    return Finding(
        id=rule_id,
        rule_id=rule_id,
        kind=FindingKind.GAP,
        severity=Severity.WARNING,
        section_id="",
        title="t",
        message="m",
        evidence=[evidence],
    )


def test_matches_counts_rules_gaps_and_located_findings() -> None:
    expect = Expectation(rule_ids=["risk.no-monitoring-plan"], gap_sections=["monitoring"])
    assert matches(review_with([]), expect, [(3, 3)]) == []
    assert matches(review_with([finding("risk.no-monitoring-plan")]), expect, [(3, 3)]) == [
        "risk.no-monitoring-plan"
    ]
    assert matches(review_with([], monitoring="missing"), expect, [(3, 3)]) == [
        "monitoring:missing"
    ]
    located = Expectation(rule_ids=["*.placeholders"], located=True)
    assert matches(review_with([finding("modeling.placeholders", 7)]), located, [(7, 8)])
    assert not matches(review_with([finding("modeling.placeholders", 2)]), located, [(7, 8)])


@pytest.mark.slow
def test_the_suite_finds_injected_flaws_end_to_end(kb_dir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=kb_dir)
    reviewer = Reviewer(settings, knowledge.open_store(settings, embedder), use_cache=False)
    pairs = [
        p
        for p in build_pairs("forecast", DOC)
        if p.flaw in ("delete-baseline", "latency-conflict", "metric-loss")
    ]
    report = measure(reviewer, pairs)
    assert report.pairs == 3 and report.docs == 1 and not report.skipped
    by_flaw = {f.flaw: f for f in report.flaws}
    assert by_flaw["delete-baseline"].found_rate == 1.0
    assert by_flaw["delete-baseline"].control_rate == 0.0
    assert by_flaw["latency-conflict"].lift == 1.0
    assert by_flaw["metric-loss"].lift == 1.0
    assert report.overall.n == 3 and report.overall.lift == 1.0
