"""Templates of every common shape become rubrics with stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.rubric import Expects, RubricError, Severity, load_rubric, parse_rubric
from app.settings import KNOWLEDGE_DIR
from tests.conftest import FIXTURES, SEEDS

TEMPLATES = FIXTURES / "templates"


def shape(path: Path) -> list[tuple[str, int]]:
    return [(s.title, len(s.questions)) for s in load_rubric(path).sections]


def test_default_template_has_all_sections_with_explicit_ids() -> None:
    rubric = load_rubric(KNOWLEDGE_DIR / "templates" / "default.md")
    assert rubric.shape == "markdown"
    assert 20 <= len(rubric.sections) <= 25
    assert rubric.question_count >= 90
    ids = [s.id for s in rubric.sections]
    assert ids[:3] == ["overview", "problem-statement", "users"]
    assert {"business-metrics", "serving", "monitoring", "fairness"} <= set(ids)
    metrics = rubric.section("business-metrics")
    assert metrics.number == "2.4"
    assert metrics.part == "2. Product design"
    assert metrics.aliases and metrics.key_points and metrics.summary
    assert metrics.questions[0].id == "business-metrics.q1"
    # Tags after a question set its fields and are removed from its text.
    tagged = [q for s in rubric.sections for q in s.questions if q.severity is Severity.ERROR]
    assert tagged and all("[" not in q.text for q in tagged)
    assert any(q.expects is Expects.NUMBER for s in rubric.sections for q in s.questions)


def test_details_template_with_bold_numbering_and_mojibake() -> None:
    assert shape(TEMPLATES / "details_template.md") == [
        ("Summary", 4),
        ("Problem and Motivation", 3),
        ("Success Metrics", 4),
        ("Data and Labels", 3),
        ("Model and Serving", 4),
        ("Monitoring", 3),
    ]
    rubric = load_rubric(TEMPLATES / "details_template.md")
    # Two sections share the number 3.2 and still get distinct ids.
    assert [s.number for s in rubric.sections[-2:]] == ["3.2", "3.2"]
    assert len({s.id for s in rubric.sections}) == 6
    data = rubric.section("data-and-labels")
    assert data.questions[2].text.replace("\u2019", "'") == (
        "What's missing from the data today that we wish we had?"
    )
    # A nested bullet that is not a question belongs to the question above it.
    metrics = rubric.section("success-metrics")
    assert any("adoption rate" in q.text for q in metrics.questions)


def test_prose_template_checks_are_its_questions_and_what_it_tells_the_author_to_write() -> None:
    # Sentences ending in "?" and sentences that say what to write ("Describe ...", "Report
    # ...") are checks; style advice ("Keep it short.", "We prefer small steps.") is not.
    assert shape(TEMPLATES / "prose_template.md") == [
        ("Purpose", 2),
        ("Data", 5),
        ("Evaluation", 3),
        ("Rollout", 3),
        ("Operations", 4),
    ]
    data = load_rubric(TEMPLATES / "prose_template.md").section("data")
    assert data.questions[0].text.startswith("Describe the data the model is trained on")
    assert data.questions[3].text == (
        "How is the label defined, e.g. a refund within 30 days of purchase?"
    )


def test_phase_list_template_items_become_questions() -> None:
    rubric = load_rubric(TEMPLATES / "phase_template.txt")
    assert rubric.shape == "phases"
    assert shape(TEMPLATES / "phase_template.txt") == [
        ("Problem Navigation", 5),
        ("Data Collection", 5),
        ("Feature Engineering", 4),
        ("Modeling and Evaluation", 6),
        ("Deployment and Monitoring", 5),
    ]
    items = [q.text for q in rubric.section("data-collection").questions]
    assert items[0] == "List every source with its owner and refresh rate"


def test_yaml_rubric_keeps_weights_severities_and_expects() -> None:
    rubric = load_rubric(TEMPLATES / "rubric.yaml")
    assert rubric.shape == "yaml"
    assert rubric.id == "launch-readiness"
    assert [len(s.questions) for s in rubric.sections] == [3, 3, 3, 3]
    questions = [q for s in rubric.sections for q in s.questions]
    assert {q.severity for q in questions} >= {Severity.ERROR, Severity.WARNING}
    assert any(q.expects is Expects.NUMBER for q in questions)


def test_question_ids_are_stable_across_parses_and_version_tracks_content() -> None:
    path = TEMPLATES / "details_template.md"
    first, second = load_rubric(path), load_rubric(path)
    assert [q.id for s in first.sections for q in s.questions] == [
        q.id for s in second.sections for q in s.questions
    ]
    assert first.version == second.version
    changed = parse_rubric(path.read_bytes() + b"\n- One more?\n", "details_template.md")
    assert changed.version != first.version


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the project")
def test_real_details_template_from_the_seeds() -> None:
    rubric = load_rubric(next(SEEDS.glob("000_*.txt")))
    assert len(rubric.sections) >= 20
    assert rubric.question_count >= 85


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "t.md", "empty file"),
        (b"# Title\n\nJust prose without any question.\n", "t.md", "no sections found"),
        (b"sections: 3\n", "t.yaml", "needs a `sections:` list"),
        (b"sections: [\n", "t.yaml", "not valid YAML"),
        (
            b"sections:\n  - title: A\n    questions:\n      - text: Why\n        weight: -1\n",
            "t.yaml",
            "greater than 0",
        ),
    ],
)
def test_bad_templates_give_clear_errors(data: bytes, name: str, message: str) -> None:
    with pytest.raises(RubricError, match=message):
        parse_rubric(data, name)


def test_missing_template_path() -> None:
    with pytest.raises(RubricError, match="no such template"):
        load_rubric(Path("nowhere.md"))
