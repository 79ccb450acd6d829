"""A team's template without cues borrows the cues and aliases of the built-in topics it
clearly matches (app.review.topics), with the real embedding model."""

from __future__ import annotations

from app.review.sections import cue_hits, section_cues
from app.review.topics import borrow_topics, match_scores, topic_matches
from app.rubric import load_rubric, parse_rubric
from app.settings import DEFAULT_TEMPLATE
from tests.conftest import FIXTURES

SHAPES = FIXTURES / "templates" / "shapes"

TEAM = b"""# Design doc

## Goals and success metrics

The business outcome the system should move, and the metric that measures it.

## Architecture and serving

The components and how data flows between them, and how predictions are delivered:
batch or online.

## Office party

Which snacks the team orders for the launch party, and who brings the music.
"""


def test_sections_take_the_cues_of_the_built_in_topics_they_match(embedder) -> None:  # type: ignore[no-untyped-def]
    reference = load_rubric(DEFAULT_TEMPLATE)
    team = parse_rubric(TEAM, "team.md")
    assert all(s.cues_derived for s in team.sections)
    lent = borrow_topics(team, reference, embedder)
    goals = lent.section("goals-and-success-metrics")
    assert goals.topics == ["business-metrics"]
    assert goals.cues == reference.section("business-metrics").cues
    assert not goals.cues_derived
    assert "KPIs" in goals.aliases
    # A section that merges two topics takes both, and their titles become aliases.
    merged = lent.section("architecture-and-serving")
    assert set(merged.topics) == {"architecture", "serving"}
    assert set(reference.section("serving").cues) <= set(merged.cues)
    # A section about nothing the built-in template covers keeps its own derived cues.
    party = lent.section("office-party")
    assert party.topics == [] and party.cues == team.section("office-party").cues
    assert party.cues_derived


def test_templates_with_their_own_cues_and_the_default_are_left_alone(embedder) -> None:  # type: ignore[no-untyped-def]
    reference = load_rubric(DEFAULT_TEMPLATE)
    assert borrow_topics(reference, reference, embedder) is reference
    cued = parse_rubric(
        b"# T\n\n## Monitoring\n\nCues: dashboard*, alert*\n\n- What is watched in production?\n",
        "cued.md",
    )
    assert borrow_topics(cued, reference, embedder) is cued


def test_only_clear_matches_lend_their_topic(embedder) -> None:  # type: ignore[no-untyped-def]
    reference = load_rubric(DEFAULT_TEMPLATE)
    team = load_rubric(SHAPES / "prose_headings.md")
    scores = match_scores(team, reference, embedder)
    matches = topic_matches(scores)
    ids = [s.id for s in team.sections]
    matched = {reference.sections[i].id: ids[k] for k, rows in matches.items() for i in rows}
    assert matched["monitoring"] == "monitoring"
    assert matched["business-metrics"] == "business-metrics"
    assert matched["security-privacy"] == "privacy-and-compliance"
    # Every lent topic is one the team's section is closest to, by a margin.
    for k, rows in matches.items():
        for i in rows:
            assert scores[i].argmax() == k


def test_a_section_merging_two_topics_is_as_present_as_its_weaker_topic(embedder) -> None:  # type: ignore[no-untyped-def]
    reference = load_rubric(DEFAULT_TEMPLATE)
    merged = borrow_topics(parse_rubric(TEAM, "team.md"), reference, embedder).section(
        "architecture-and-serving"
    )
    assert len(merged.topic_cues) == 2
    about_one_topic = [
        "Predictions are served online behind a REST endpoint with a 50 ms latency budget.",
        "The serving API returns a score per request.",
    ]
    served = sum(
        1
        for text in about_one_topic
        if any(r.search(text) for r in section_cues(reference.section("serving")))
    )
    assert served == 2
    assert cue_hits(merged, about_one_topic) < served
    assert cue_hits(reference.section("serving"), about_one_topic) == served
