"""The shipped section-status model and the risk-to-question map fit the code and template."""

from __future__ import annotations

import pytest

from app.review.risks import load_catalogue
from app.review.sections import FEATURES, RELATIVE, STATUSES, centre_of, classify, with_relative
from app.review.thresholds import DEFAULT_THRESHOLDS, Thresholds
from app.rubric import load_rubric, parse_rubric
from app.settings import load_settings


def test_the_shipped_model_has_one_weight_per_feature_plus_a_bias() -> None:
    model = DEFAULT_THRESHOLDS.section_model
    assert set(model) == set(STATUSES)
    assert all(len(weights) == len(FEATURES) + 1 for weights in model.values())


def test_a_section_with_strong_signals_is_covered_and_one_without_any_is_missing() -> None:
    # evidence, vote_top3 and raw_best are relative to the draft's mean over its sections.
    strong = [1.0, 1.0, 1.0, 2.5, 1.5, 0.2, 2.5, 0.0, 2.0, 0.1, 0.2, 8.0]
    empty = [0.0, 0.0, 0.0, 0.0, 0.0, -0.2, 0.0, 1.0, 0.0, -0.1, -0.2, 8.0]
    assert classify(strong, DEFAULT_THRESHOLDS)[0] == "covered"
    assert classify(empty, DEFAULT_THRESHOLDS)[0] == "missing"


def test_without_a_model_status_follows_question_coverage() -> None:
    plain = Thresholds(section_model={})
    assert classify([0.9, *[0.0] * (len(FEATURES) - 1)], plain)[0] == "covered"
    assert classify([0.1, *[0.0] * (len(FEATURES) - 1)], plain)[0] == "missing"


def test_every_question_a_risk_names_exists_in_the_default_template() -> None:
    settings = load_settings()
    questions = {q.id for s in load_rubric(settings.template).sections for q in s.questions}
    for risk in load_catalogue(settings.risks).risks:
        assert set(risk.questions) <= questions, risk.id


def test_every_default_section_has_topic_cues() -> None:
    assert all(s.cues for s in load_rubric(load_settings().template).sections)


def test_similarity_features_are_relative_to_the_drafts_other_checked_sections() -> None:
    rubric = parse_rubric(
        b"# T\n\n## Goals\n\n- What is the goal?\n\n## Data\n\n- Which data?\n\n"
        b"## Appendix\n\n- Anything else?\n",
        "t.md",
    )
    assert [s.optional for s in rubric.sections] == [False, False, True]
    absolute = {
        "goals": [0.5] * len(FEATURES),
        "data": [0.3] * len(FEATURES),
        "appendix": [0.9] * len(FEATURES),  # reference material: not part of the centre
    }
    centre = centre_of(rubric, absolute)
    assert centre == pytest.approx([0.4] * len(RELATIVE))
    goals = with_relative(absolute["goals"], centre)
    for name in FEATURES:
        expected = 0.1 if name in RELATIVE else 0.5
        assert goals[FEATURES.index(name)] == pytest.approx(expected), name
