"""A team's section that merges two built-in topics ("Architecture and serving") is judged
topic by topic, as a reader judges it: covered only when each of its topics is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import knowledge
from app.draft import load_draft_bytes
from app.review.pipeline import Reviewer
from app.review.sections import FEATURES, classify, combine_statuses, decide_status
from app.review.thresholds import DEFAULT_THRESHOLDS
from app.review.topics import borrow_topics
from app.rubric import load_rubric, parse_rubric
from app.settings import DEFAULT_TEMPLATE, load_settings

LIMITS = {"max_bytes": 10**6, "max_pages": 10}

TEAM = b"""# Design doc

## Goals and success metrics

The business outcome the system should move, and the metric that measures it with a target.

## Architecture and serving

The components of the system and how data flows between them. How predictions are delivered
to their users: batch or online.

## Monitoring

What is watched in production, and the alert thresholds.
"""

GOALS = """# Fraud scoring

## Goals and success metrics

We want to cut chargeback losses, which cost 2.1 M EUR last year. The metric is the chargeback
rate per 1,000 card payments, today 4.2; the target is 3.0 by Q3 2027.
"""

SERVING = """
Predictions are served online by a REST endpoint that the payment gateway calls for every card
payment, with a p99 latency budget of 80 ms. The endpoint returns a fraud score between 0 and 1
and runs on two to six autoscaled replicas behind the gateway.
"""

ARCHITECTURE = """
The system has three components: a Kafka ingestion service, a feature store on Redis and the
scoring service. Payment events flow from the ingestion service into the feature store, which
computes rolling card features; the scoring service reads them for each request. A nightly
Airflow job rebuilds the training tables from the warehouse.
"""

MONITORING = """
## Monitoring

A Grafana dashboard tracks the score distribution, the share of declined payments and the p99
latency; an alert pages the on-call engineer when the decline rate moves by more than 20%.
"""


@pytest.fixture(scope="module")
def team_rubric(embedder):  # type: ignore[no-untyped-def]
    return borrow_topics(parse_rubric(TEAM, "team.md"), load_rubric(DEFAULT_TEMPLATE), embedder)


@pytest.fixture
def reviewer(kb_dir: Path, embedder, team_rubric) -> Reviewer:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=kb_dir)
    store = knowledge.open_store(settings, embedder)
    return Reviewer(settings, store, rubric=team_rubric, use_cache=False)


def test_the_checks_of_a_merged_section_are_split_between_its_topics(team_rubric) -> None:  # type: ignore[no-untyped-def]
    merged = team_rubric.section("architecture-and-serving")
    assert merged.topics == ["architecture", "serving"]
    assert len(merged.topic_questions) == 2
    texts = {q.id: q.text for q in merged.questions}
    architecture, serving = ([texts[i] for i in ids] for ids in merged.topic_questions)
    assert any("components" in t for t in architecture)
    assert any("delivered" in t for t in serving)
    # Every check belongs to a topic, and no topic is left without one.
    assert set(texts) == {i for ids in merged.topic_questions for i in ids}
    # A section with one topic is judged as a whole.
    assert team_rubric.section("monitoring").topic_questions == []


def test_topics_combine_as_a_reader_combines_them() -> None:
    assert combine_statuses(["covered", "covered"]) == "covered"
    assert combine_statuses(["covered", "missing"]) == "partial"
    assert combine_statuses(["partial", "missing"]) == "partial"
    assert combine_statuses(["missing", "missing"]) == "missing"


def test_a_written_topic_does_not_make_up_for_an_unwritten_one() -> None:
    section = load_rubric(DEFAULT_TEMPLATE).section("serving")
    # evidence, vote_top3 and raw_best are relative to the draft's mean over its sections.
    strong = [1.0, 1.0, 1.0, 2.5, 1.5, 0.2, 2.5, 0.0, 2.0, 0.1, 0.2, 8.0]
    empty = [0.0, 0.0, 0.0, 0.0, 0.0, -0.2, 0.0, 1.0, 0.0, -0.1, -0.2, 8.0]
    assert len(strong) == len(FEATURES)

    def status(topics: list[list[float]]) -> str:
        return decide_status(section, [], strong, DEFAULT_THRESHOLDS, topics=topics)[0]

    assert status([strong, strong]) == "covered"
    assert status([strong, empty]) == "partial"
    assert status([empty, empty]) == "missing"


def test_a_draft_writing_one_topic_of_a_merged_section_is_not_covered_there(
    reviewer: Reviewer,
) -> None:
    half = GOALS + "\n## Architecture and serving\n" + SERVING + MONITORING
    whole = GOALS + "\n## Architecture and serving\n" + ARCHITECTURE + SERVING + MONITORING
    judged_half = reviewer.judge(load_draft_bytes(half.encode(), "half.md", **LIMITS))
    judged_whole = reviewer.judge(load_draft_bytes(whole.encode(), "whole.md", **LIMITS))
    half_topics = judged_half.topic_features["architecture-and-serving"]
    whole_topics = judged_whole.topic_features["architecture-and-serving"]
    assert len(half_topics) == len(whole_topics) == 2
    # The architecture topic is what the half draft lacks: it reads weaker there...
    half_architecture = classify(half_topics[0], DEFAULT_THRESHOLDS)[1]
    whole_architecture = classify(whole_topics[0], DEFAULT_THRESHOLDS)[1]
    assert half_architecture < whole_architecture - 10
    # ...and the section is not covered, and less covered than in the whole draft.
    half_status, half_coverage = judged_half.statuses["architecture-and-serving"]
    whole_coverage = judged_whole.statuses["architecture-and-serving"][1]
    assert half_status != "covered"
    assert whole_coverage is not None and half_coverage is not None
    assert half_coverage < whole_coverage


def test_the_review_says_how_each_topic_of_a_merged_section_stands(reviewer: Reviewer) -> None:
    half = GOALS + "\n## Architecture and serving\n" + SERVING + MONITORING
    review = reviewer.review_bytes(half.encode(), "half.md")
    merged = next(s for s in review.sections if s.section_id == "architecture-and-serving")
    assert merged.note.startswith("judged topic by topic: architecture ")
    assert ", serving " in merged.note
    monitoring = next(s for s in review.sections if s.section_id == "monitoring")
    assert "topic by topic" not in monitoring.note
