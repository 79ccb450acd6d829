"""`mlsd eval --realdocs DIR --template-map MAP` compares reviews against a second template
with reviews against the default on the same labels mapped by section
(evals/realdocs/templates.py). The real corpus texts are not in the repository, so these tests
run the same machinery on the project's own labelled drafts (evals/cases), with real
reviewers and the real embedding model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app import knowledge
from app.review.pipeline import Reviewer
from app.rubric import load_rubric
from app.settings import DEFAULT_TEMPLATE, load_settings
from evals.cases import load_cases
from evals.realdocs.evaluate import Extra
from evals.realdocs.labels import mapped
from evals.realdocs.templates import MapError, TemplateMap, compare_templates, load_map

PROJECT = Path(__file__).resolve().parents[1]
MAPS = PROJECT / "evals" / "templates"
CASES = (
    "eta-complete-plain",
    "fraud-complete",
    "churn-thin",
    "credit-thin",
    "moderation-partial",
    "llm-assistant-partial",
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(texts folder, labels folder) made from labelled cases, in the corpus' own format."""
    root = tmp_path_factory.mktemp("corpus")
    texts, labels = root / "texts", root / "labels"
    texts.mkdir()
    labels.mkdir()
    for case in load_cases():
        if case.name not in CASES:
            continue
        (texts / f"{case.name}.md").write_text(case.text, encoding="utf-8")
        sections = {
            sid: {"status": "partial" if status == "not_applicable" else status}
            for sid, status in case.sections.items()
        }
        label = {
            "id": case.name,
            "source": {"repo": "mlsd/evals", "path": f"cases/{case.name}.md", "commit": "0" * 40},
            "format": "md",
            "sections": sections,
        }
        (labels / f"{case.name}.yaml").write_text(yaml.safe_dump(label), encoding="utf-8")
    return texts, labels


@pytest.fixture(scope="module")
def reviewers(kb_dir: Path, embedder) -> dict[str, Reviewer]:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=kb_dir)
    store = knowledge.open_store(settings, embedder)
    second = PROJECT / load_map(MAPS / "second-map.yaml").template
    return {
        "default": Reviewer(settings, store, use_cache=False),
        "second": Reviewer(settings, store, rubric=load_rubric(second), use_cache=False),
    }


@pytest.mark.parametrize("name", ["second-map.yaml", "shapes-map.yaml", "details-map.yaml"])
def test_maps_name_real_sections_on_both_sides(name: str) -> None:
    template_map = load_map(MAPS / name)
    template = {s.id for s in load_rubric(PROJECT / template_map.template).sections}
    default = {s.id for s in load_rubric(DEFAULT_TEMPLATE).sections}
    assert set(template_map.map) <= template
    assert all(covers and set(covers) <= default for covers in template_map.map.values())


def test_the_second_template_is_measured_on_every_section_it_checks() -> None:
    template_map = load_map(MAPS / "second-map.yaml")
    template = load_rubric(PROJECT / template_map.template)
    assert set(template_map.map) == {s.id for s in template.sections if not s.optional}


def test_the_default_template_compared_with_itself_differs_by_nothing(
    corpus: tuple[Path, Path], reviewers: dict[str, Reviewer]
) -> None:
    texts, labels = corpus
    default = reviewers["default"]
    identity = TemplateMap(
        template=str(DEFAULT_TEMPLATE), map={s.id: [s.id] for s in default.rubric.sections}
    )
    report = compare_templates(
        default, default, texts, identity, labels_dir=labels, folds=3, extra=Extra()
    )
    assert report.docs == len(CASES)
    assert report.default == report.second
    assert set(report.delta.values()) == {0.0}
    assert report.holds


def test_a_second_template_is_scored_on_the_labels_mapped_to_its_sections(
    corpus: tuple[Path, Path], reviewers: dict[str, Reviewer]
) -> None:
    texts, labels = corpus
    template_map = load_map(MAPS / "second-map.yaml")
    report = compare_templates(
        reviewers["default"],
        reviewers["second"],
        texts,
        template_map,
        labels_dir=labels,
        folds=3,
        extra=Extra(),
    )
    expected = sum(
        len(mapped(c.sections, template_map.map)) for c in load_cases() if c.name in CASES
    )
    assert report.second.sections == report.default.sections == expected
    for name, figure in (
        ("agreement", lambda m: m.agreement),
        ("gap_recall", lambda m: m.gap["recall"]),
        ("missing_precision", lambda m: m.missing["precision"]),
    ):
        assert report.delta[name] == pytest.approx(
            figure(report.second) - figure(report.default), abs=0.002
        )
    assert report.holds == all(v >= -0.05 for v in report.delta.values())


def test_a_map_naming_a_section_the_template_lacks_is_refused(
    corpus: tuple[Path, Path], reviewers: dict[str, Reviewer]
) -> None:
    texts, labels = corpus
    bad = TemplateMap(template="second.md", map={"no-such-section": ["overview"]})
    with pytest.raises(MapError, match="no-such-section"):
        compare_templates(
            reviewers["default"], reviewers["second"], texts, bad, labels_dir=labels, folds=3
        )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "cannot read"),
        ("template: [1\n", "not valid YAML at line"),
        ("- a\n- b\n", "not a template map"),
        ("template: t.md\nmap: {s: overview}\n", "not a template map (map.s"),
    ],
)
def test_a_bad_map_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, says: str
) -> None:
    from app.cli import main

    path = tmp_path / "map.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(MapError, match=re.escape(says)):
        load_map(path)
    with pytest.raises(SystemExit) as exit_:
        main(["eval", "--realdocs", str(tmp_path), "--template-map", str(path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert says in err and "internal error" not in err and len(err.splitlines()) == 1
