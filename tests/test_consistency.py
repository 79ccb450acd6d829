"""Cross-section consistency checks on small drafts, with the alignment given by hand."""

from __future__ import annotations

import pytest

from app.draft import Draft, load_draft_bytes
from app.review.align import Alignment
from app.review.consistency import Inconsistency, check_consistency, latency_targets

SECTION_IDS = [
    "overview",
    "business-metrics",
    "requirements",
    "modeling",
    "offline-evaluation",
    "serving",
    "monitoring",
]


def draft_of(text: str) -> Draft:
    return load_draft_bytes(text.encode(), "d.md", max_bytes=10**7, max_pages=500)


def check(
    text: str, aligned: dict[str, str], section_ids: list[str] = SECTION_IDS
) -> list[Inconsistency]:
    """Run the checks with draft headings aligned to template sections as given."""
    draft = draft_of(text)
    index = {s.heading: s.index for s in draft.sections}
    alignment = Alignment(
        {sid: [(index[heading], 1.0)] for heading, sid in aligned.items()}, len(draft.sections)
    )
    return check_consistency(draft, alignment, section_ids)


def rules(found: list[Inconsistency]) -> list[str]:
    return [f.rule_id for f in found]


SERVING_SECTIONS = {"Requirements": "requirements", "Serving": "serving"}


def latency_doc(requirement: str, serving: str) -> str:
    return (
        "# Ranking service\n\n## Requirements\n\n"
        f"{requirement}\n\n## Serving\n\nThe model runs behind a REST endpoint. {serving}\n"
    )


def test_latency_conflict_with_the_percentile_after_the_value_is_flagged() -> None:
    found = check(
        latency_doc("Under 50 ms p99 for every ranking request.", "We serve at 400 ms p99."),
        SERVING_SECTIONS,
    )
    assert rules(found) == ["consistency.latency-targets"]
    conflict = found[0]
    assert conflict.section_id == "requirements"
    assert "50 ms" in conflict.message and "400 ms" in conflict.message
    assert {e.section for e in conflict.evidence} == {"Requirements", "Serving"}


def test_latency_targets_in_seconds_are_compared_in_milliseconds() -> None:
    found = check(
        latency_doc(
            "The p95 latency must be below 0.2 s.", "The p95 latency must stay under 900 ms."
        ),
        SERVING_SECTIONS,
    )
    assert rules(found) == ["consistency.latency-targets"]
    assert "200 ms" in found[0].message


@pytest.mark.parametrize(
    ("requirement", "serving"),
    [
        # different percentiles of one target
        ("The p50 latency is under 40 ms.", "The p99 latency stays under 200 ms."),
        # timeouts, training time and alert thresholds are not targets
        ("The p99 latency must stay under 100 ms.", "Requests time out after 2 s; timeout 2 s."),
        ("The p99 latency must stay under 100 ms.", "Training takes 30 minutes on one GPU."),
        ("The p99 latency must stay under 100 ms.", "We alert when p99 latency exceeds 300 ms."),
        # a figure reached within the limit agrees with it
        ("The p99 latency must stay under 120 ms.", "The model itself runs in 18 ms p99."),
        # a part of the budget is compared only with the same part
        ("End-to-end p99 under 100 ms.", "Feature lookup p99 is under 15 ms."),
        # today's system is not a target
        ("The p99 latency must stay under 100 ms.", "Today the p99 is 800 ms."),
        # the same target twice
        ("Under 50 ms p99.", "The p99 latency must stay under 50 ms."),
    ],
)
def test_consistent_latency_figures_stay_quiet(requirement: str, serving: str) -> None:
    assert check(latency_doc(requirement, serving), SERVING_SECTIONS) == []


def test_latency_targets_name_percentile_path_and_kind() -> None:
    assert [(t.percentile, t.ms, t.bound) for t in latency_targets("Under 50 ms p99.")] == [
        ("p99", 50.0, True)
    ]
    assert [(t.percentile, t.ms) for t in latency_targets("p99 under 50 ms, p50 under 20 ms")] == [
        ("p99", 50.0),
        ("p50", 20.0),
    ]
    assert latency_targets("99% of requests complete within 150 ms")[0].percentile == "p99"
    assert latency_targets("Feature lookup p99 15 ms")[0].scope == "feature lookup"
    assert latency_targets("It runs in 18 ms p99")[0].bound is False
    assert latency_targets("The batch job runs every 30 s.") == []


MODEL_SECTIONS = {"Model": "modeling", "Evaluation": "offline-evaluation"}


def model_doc(model: str, evaluation: str) -> str:
    return f"# Demand model\n\n## Model\n\n{model}\n\n## Evaluation\n\n{evaluation}\n"


@pytest.mark.parametrize(
    ("model", "evaluation", "families"),
    [
        (
            "We train a gradient-boosted model with mean squared error as the loss.",
            "We evaluate it with F1 and accuracy on a held-out month.",
            ("regression", "classification"),
        ),
        (
            "The classifier is trained to minimise binary cross-entropy.",
            "We report RMSE and MAPE on the test set.",
            ("classification", "regression"),
        ),
        (
            "The network is trained with cross-entropy.",
            "- RMSE per store and day\n- MAPE per region",
            ("classification", "regression"),
        ),
    ],
)
def test_loss_and_metric_of_different_task_families_are_flagged(
    model: str, evaluation: str, families: tuple[str, str]
) -> None:
    found = check(model_doc(model, evaluation), MODEL_SECTIONS)
    assert rules(found) == ["consistency.metric-loss"]
    item = found[0]
    assert item.section_id == "modeling"
    loss_family, metric_family = families
    assert f"trained with a {loss_family} loss" in item.message
    assert metric_family in item.message and "evaluate with" in item.message
    assert [e.section for e in item.evidence] == ["Model", "Evaluation"]


@pytest.mark.parametrize(
    ("model", "evaluation"),
    [
        ("We train with mean squared error.", "We report MAE and RMSE on the test set."),
        ("The model minimises MAE.", "We evaluate MAE and RMSE on the last quarter."),
        ("We optimise log loss.", "We evaluate AUC and recall at 90% precision."),
        ("We train the ranker with binary cross-entropy on clicks.", "We report NDCG@10 and MRR."),
        ("We train with a pairwise ranking loss (BPR).", "We evaluate with AUC and recall@20."),
        # losses of two families: an autoencoder next to a classifier
        (
            "The autoencoder minimises mean squared error; the classifier minimises cross-entropy.",
            "We report precision, recall and F1.",
        ),
        # "optimise for recall" states a goal, not a loss
        ("We optimise for recall on the fraud class.", "We evaluate recall and precision."),
    ],
)
def test_matching_loss_and_metric_stay_quiet(model: str, evaluation: str) -> None:
    assert check(model_doc(model, evaluation), MODEL_SECTIONS) == []


def test_metric_loss_is_filed_under_offline_evaluation_without_a_modeling_section() -> None:
    found = check(
        model_doc("We train with mean squared error.", "We evaluate with F1 and accuracy."),
        MODEL_SECTIONS,
        section_ids=[s for s in SECTION_IDS if s != "modeling"],
    )
    assert [(f.rule_id, f.section_id) for f in found] == [
        ("consistency.metric-loss", "offline-evaluation")
    ]


GOAL_DOC = (
    "# Churn\n\n## Goals\n\nWe want to raise customer retention by 5% this year.\n\n"
    "## Monitoring\n\nWe track {measured} weekly on a dashboard.\n"
)
GOAL_SECTIONS = {"Goals": "business-metrics", "Monitoring": "monitoring"}


def test_a_goal_no_section_measures_is_flagged() -> None:
    found = check(GOAL_DOC.format(measured="model AUC"), GOAL_SECTIONS)
    assert rules(found) == ["consistency.goals-unmeasured"]
    assert "retention" in found[0].message


def test_a_measured_goal_stays_quiet() -> None:
    assert check(GOAL_DOC.format(measured="retention"), GOAL_SECTIONS) == []


def test_an_unmeasured_goal_is_flagged_beside_measured_ones() -> None:
    text = GOAL_DOC.replace(
        "this year.", "this year. We also aim to raise NPS by 5 points."
    ).format(measured="retention")
    found = check(text, GOAL_SECTIONS)
    assert rules(found) == ["consistency.goals-unmeasured"]
    assert "nps" in found[0].message and "retention" not in found[0].message


def test_goals_in_a_draft_with_no_measuring_section_are_flagged() -> None:
    text = "# Churn\n\n## Goals\n\nWe want to raise customer retention by 5% this year.\n"
    assert rules(check(text, {"Goals": "business-metrics"})) == ["consistency.goals-unmeasured"]


def test_a_metric_named_in_passing_is_no_goal() -> None:
    text = GOAL_DOC.replace(
        "We want to raise customer retention by 5% this year.",
        "The Retention team calls customers from the list.",
    ).format(measured="model AUC")
    assert check(text, GOAL_SECTIONS) == []


def test_a_goal_stated_outside_the_goal_sections_counts() -> None:
    text = GOAL_DOC.format(measured="retention") + (
        "\n## Notes\n\nA further goal is to raise NPS by 5 points.\n"
    )
    assert rules(check(text, GOAL_SECTIONS)) == ["consistency.goals-unmeasured"]
