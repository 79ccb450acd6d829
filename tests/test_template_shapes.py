"""Templates of the shapes teams use, read as a reader would: every heading is a section or a
part that groups sections, reference material is optional, and checks come from questions,
prose, table rows or YAML. The fixtures in tests/fixtures/templates/shapes/ are our own text
reproducing each shape; expected.yaml is our reading of them, written before the parser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli import main
from app.rubric import Rubric, RubricError, load_rubric, parse_rubric
from app.rubric.parse import slugify
from app.rubric.prose import enumerated_parts, expects_number, prose_checks
from tests.conftest import FIXTURES

SHAPES = FIXTURES / "templates" / "shapes"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((SHAPES / "expected.yaml").read_text())


def bare(title: str) -> str:
    """'2.2. Labels' -> 'labels'."""
    return re.sub(r"^\d+(\.\d+)*\.?\s+", "", title.strip()).rstrip(".:").strip().lower()


def headings_seen(rubric: Rubric) -> set[str]:
    """Every heading the rubric keeps: its sections and the parts that group them."""
    return {bare(s.title) for s in rubric.sections} | {bare(s.part) for s in rubric.sections}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_heading_of_a_shape_is_a_section_or_a_part(name: str) -> None:
    expected = EXPECTED[name]
    rubric = load_rubric(SHAPES / name)
    wanted = {bare(t) for t in expected["sections"]}
    optional = {bare(t) for t in expected.get("optional", [])}
    seen = headings_seen(rubric)
    assert wanted - seen == set(), f"lost headings: {wanted - seen}"
    kept = {bare(s.title) for s in rubric.sections if not s.optional}
    assert kept <= wanted, f"sections a reader would not keep: {kept - wanted}"
    # Sections with text of their own are sections; headings that only group are parts.
    parts = {bare(s.part) for s in rubric.sections if s.part}
    assert wanted == kept | (parts & wanted)
    assert {bare(s.title) for s in rubric.sections if s.optional} <= optional | parts
    assert optional - seen == set()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shape_asks_what_a_reader_expects(name: str) -> None:
    rubric = load_rubric(SHAPES / name)
    for check in EXPECTED[name]["checks"]:
        section = next(s for s in rubric.sections if bare(s.title) == bare(check["section"]))
        texts = " ".join(q.text for q in section.questions).lower()
        assert check["contains"].lower() in texts, (check, texts)


def test_shapes_are_told_apart() -> None:
    shapes = {name: load_rubric(SHAPES / name).shape for name in EXPECTED}
    assert shapes["table_sections.md"] == "table"
    assert shapes["rubric.yaml"] == "yaml"
    assert shapes["gdocs_export.docx"] == "prose"


def test_a_question_with_a_parenthesis_is_kept_whole() -> None:
    rubric = load_rubric(SHAPES / "question_list.md")
    texts = [q.text for s in rubric.sections for q in s.questions]
    assert any(t.endswith("(e.g., GDPR?)") or "(e.g., GDPR?)" in t for t in texts)
    assert not any(t.rstrip().endswith(("(e.g.,", "(e.g., GDPR?")) for t in texts)


def test_prose_guidance_becomes_checks_and_fill_ins_expect_numbers() -> None:
    data = (
        b"# Service design\n\n## Motivation\n\nWhy the problem is important to solve, and why "
        b"now.\n\n## Requirements\n\nConstraints such as cost below $`x` a month and p99 latency "
        b"< `y` ms.\n\n## Glossary\n\n## Owners\n"
    )
    rubric = parse_rubric(data, "t.md")
    motivation = rubric.section("motivation")
    assert motivation.checks_from == "prose"
    assert motivation.questions[0].text == "Why the problem is important to solve, and why now."
    requirements = rubric.section("requirements")
    assert requirements.questions[0].expects is not None
    assert rubric.section("glossary").optional
    owners = rubric.section("owners")
    assert owners.checks_from == "title"
    assert any("'Owners': no guidance" in n.message for n in rubric.notes)


def test_enumerations_split_only_when_they_list_what_to_write() -> None:
    assert enumerated_parts(
        "The sources, their volume and history, how labels are defined, and the main features."
    ) == ["The sources", "Their volume and history", "How labels are defined", "The main features"]
    kept = (
        "Usually framed as business goals, such as engagement (e.g., CTR, DAU), revenue, or cost."
    )
    assert enumerated_parts(kept) == [kept]
    assert enumerated_parts("Why it matters, and why now.") == ["Why it matters, and why now."]
    assert prose_checks(["(See the wiki for more.)", "Describe the serving path."]) == [
        "Describe the serving path."
    ]
    assert expects_number("p99 latency < `y` ms") and not expects_number("the latency budget")


def test_a_long_sentence_is_judged_by_its_clauses_when_a_section_gives_few_checks() -> None:
    assert prose_checks(
        [
            "How the model is proven with real users before launch: a shadow run or pilot, "
            "then a controlled experiment with its split and duration."
        ]
    ) == [
        "How the model is proven with real users before launch",
        "A shadow run or pilot",
        "A controlled experiment with its split and duration",
    ]
    assert prose_checks(
        ["Where the system runs, how it scales to ten times the load, and what it costs."]
    ) == ["Where the system runs", "How it scales to ten times the load", "What it costs"]
    # Commas in an example list or a parenthesis never cut, and short sentences stay whole.
    kept = "The metrics used to judge the model offline (precision, recall, or AUC) in detail."
    assert prose_checks([kept]) == [kept]
    assert prose_checks(["Describe the data, such as the tables, the owners, and the SLAs."]) == [
        "Describe the data, such as the tables, the owners, and the SLAs."
    ]
    # An enumerated item of one real word is kept.
    assert "Availability" in prose_checks(
        [
            "Latency with p99 under `y` ms, throughput in requests per second, availability, "
            "and how fresh predictions must be."
        ]
    )


def test_a_table_of_sections_and_details_summaries_are_sections() -> None:
    table = load_rubric(SHAPES / "table_sections.md")
    assert all(s.checks_from == "table" for s in table.sections)
    details = parse_rubric(
        b"# T\n\n<details><summary>Data sources</summary>\n\nWhich tables feed training?\n\n"
        b"</details>\n\n<details>\n<summary>Guide</summary>\n\nNot a section.\n</details>\n",
        "t.md",
    )
    assert [s.title for s in details.sections] == ["Data sources"]


def test_ids_keep_any_alphabet_and_duplicates_are_renamed_with_a_note() -> None:
    assert slugify("1.1. Цель проекта") == "цель-проекта"
    rubric = parse_rubric(b"# T\n\n## Data\n\nWhich data?\n\n## Data\n\nWhich labels?\n", "t.md")
    assert [s.id for s in rubric.sections] == ["data", "data-2"]
    assert any(n.level == "warning" and "'data-2'" in n.message for n in rubric.notes)


def test_yaml_rubrics_of_other_shapes() -> None:
    mapping = parse_rubric(
        b"title: Launch\nsections:\n  Data:\n    - Which sources?\n    - Who labels?\n"
        b"  Serving:\n    guidance: Latency under `y` ms, throughput per second,"
        b" and the uptime target.\n",
        "r.yaml",
    )
    assert [s.id for s in mapping.sections] == ["data", "serving"]
    assert len(mapping.section("serving").questions) == 3
    with pytest.raises(RubricError, match="two sections have the id"):
        parse_rubric(b"sections:\n  - title: A\n  - title: A\n", "r.yaml")


def test_only_reference_sections_is_an_error() -> None:
    with pytest.raises(RubricError, match="only reference sections"):
        parse_rubric(b"# T\n\n## Glossary\n\nTerms.\n\n## References\n\nLinks.\n", "t.md")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_template_lint_shows_what_was_understood_and_strict_fails_on_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "template", "lint", str(SHAPES / "numbered_dots.md"))
    assert code == 0
    assert "22 sections (2 optional)" in out and "[labels]" in out and "optional" in out
    shaky = tmp_path / "t.md"
    shaky.write_text(
        "# T\n\n## Data\n\nWhich data (e.g., logs,\n\n## Owners\n\n## Data\n\nWhich labels?\n"
    )
    code, out, _ = run(capsys, "template", "lint", str(shaky))
    assert code == 0 and "warning:" in out
    assert "no guidance under this heading" in out and "is taken by an earlier heading" in out
    code, _, _ = run(capsys, "template", "lint", str(shaky), "--strict")
    assert code == 1
    code, out, _ = run(capsys, "template", "lint", str(shaky), "--json")
    assert '"checks_from": "title"' in out
    code, _, err = run(capsys, "template", "lint", str(tmp_path / "absent.md"))
    assert code == 2 and "no such template" in err


def test_question_headings_are_checks_of_the_section_above() -> None:
    rubric = parse_rubric(
        b"# Datasheet\n\n## Motivation\n\n### Why was the dataset made?\n\n### Who paid for it?"
        b"\n\n## Composition\n\n### What does one record stand for?\n\nExplain the unit.\n\n"
        b"### How many records are there?\n",
        "t.md",
    )
    assert [(s.title, len(s.questions)) for s in rubric.sections] == [
        ("Motivation", 2),
        ("Composition", 2),
    ]


def test_yaml_checklists_with_item_mappings_and_several_rubrics_in_one_file() -> None:
    lines = parse_rubric(
        b"title: Ethics\nsections:\n  - title: Data collection\n    lines:\n"
        b"      - line_id: A.1\n        line: Have subjects given informed consent?\n"
        b"      - line_id: A.2\n        line: Could collection introduce bias?\n",
        "e.yaml",
    )
    assert [q.text for q in lines.sections[0].questions] == [
        "Have subjects given informed consent?",
        "Could collection introduce bias?",
    ]
    several = parse_rubric(
        b"first:\n  access:\n    title: Access control\n    items: [Limit who reads raw data]\n"
        b"  anonymise:\n    title: Anonymisation\n    items: [Remove direct identifiers]\n"
        b"second:\n  other:\n    title: Other\n    items: [Something else entirely]\n"
        b"  more:\n    title: More\n    items: [And more]\n",
        "r.yaml",
    )
    assert [s.title for s in several.sections] == ["Access control", "Anonymisation"]
    assert any("2 rubrics in one file" in n.message for n in several.notes)


def test_instructions_join_the_questions_of_a_guide_block() -> None:
    rubric = load_rubric(SHAPES / "details_blocks.md")
    problem = rubric.section("problem-and-motivation")
    texts = [q.text for q in problem.questions]
    assert texts[0].startswith("Describe the pain as it exists today")
    assert texts[-1] == "What does it cost us to do nothing for another year?"
    # A labelled list stays the whole of a section's questions (the default template).
    default = load_rubric(Path(__file__).parents[1] / "knowledge" / "templates" / "default.md")
    assert default.question_count == 98
