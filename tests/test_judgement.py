"""Judgement that holds on docs we did not write: one review never contradicts itself,
paraphrased headings align, "not applicable" is challenged, and documents the reviewer
cannot judge are declined with a reason instead of a wall of false gaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import knowledge
from app.cli import main
from app.draft import load_draft_bytes
from app.errors import UnsupportedDocument
from app.review import Review, Reviewer
from app.review.edits import unified_diff
from app.review.models import FindingKind, Verdict
from app.settings import load_settings
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow
GROCERY = FIXTURES / "drafts" / "grocery-demand.md"
NOT_DESIGN = FIXTURES / "notdesign"

RUSSIAN = """# Прогноз спроса на свежие продукты

## Цели и предпосылки

Мы хотим прогнозировать ежедневный спрос на свежие продукты в каждом магазине, чтобы
управляющие заказывали меньше лишнего и реже сталкивались с пустыми полками. Модель
предсказывает продажи в штуках на семь дней вперёд и передаёт их в систему пополнения.

## Методология

В качестве базовой модели берём сезонный наивный прогноз, затем обучаем градиентный бустинг
на лагах продаж, промоакциях и погоде. Качество измеряем по MAPE и WAPE на отложенных неделях.

## Подготовка пилота

Пилот пройдёт в ста двадцати магазинах в течение восьми недель; контрольная группа из того же
числа похожих магазинов работает по старым правилам заказа.
"""


@pytest.fixture
def reviewer(kb_dir: Path, embedder) -> Reviewer:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=kb_dir)
    return Reviewer(settings, knowledge.open_store(settings, embedder), use_cache=False)


@pytest.fixture
def grocery(reviewer: Reviewer) -> Review:
    return reviewer.review_path(GROCERY)


def verdict(review: Review, question_id: str) -> Verdict:
    section_id = question_id.split(".")[0]
    section = next(s for s in review.sections if s.section_id == section_id)
    return next(v.verdict for v in section.verdicts if v.question_id == question_id)


def fired(review: Review) -> set[str]:
    return {f.rule_id for f in review.all_findings() if f.kind is not FindingKind.GAP}


def test_no_verdict_is_covered_when_a_risk_of_the_same_review_denies_it(
    reviewer: Reviewer, grocery: Review
) -> None:
    # The draft pilots in 120 stores but never says how to roll back, and splits sales
    # history at random: a rollback or split question cannot be "covered" here.
    assert {"risk.no-rollback", "risk.leakage-prone-split"} <= fired(grocery)
    assert verdict(grocery, "serving.q3") is not Verdict.COVERED
    assert verdict(grocery, "risks-rollback.q2") is Verdict.MISSING
    assert verdict(grocery, "offline-evaluation.q1") is Verdict.PARTIAL
    about = reviewer.risk_questions(
        reviewer.judge(
            load_draft_bytes(GROCERY.read_bytes(), "g.md", max_bytes=10**7, max_pages=10)
        ).vectors
    )
    for finding in grocery.all_findings():
        if finding.kind is FindingKind.RISK:
            for question_id in about.get(finding.rule_id.removeprefix("risk."), []):
                assert verdict(grocery, question_id) is not Verdict.COVERED, question_id


def test_paraphrased_headings_align_to_their_template_sections(grocery: Review) -> None:
    aligned = {s.section_id: [a.heading for a in s.aligned] for s in grocery.sections}
    assert "Who uses this" in aligned["users"]
    assert "How we'll know it worked" in aligned["business-metrics"]
    assert "How we'll know it worked" not in aligned["solution-overview"]


def test_the_diff_does_not_add_a_second_users_section(grocery: Review) -> None:
    edits = [f.suggested_edit for f in grocery.all_findings() if f.suggested_edit is not None]
    diff = unified_diff("g.md", GROCERY.read_text(encoding="utf-8"), edits)
    added_headings = [line for line in diff.splitlines() if line.startswith("+#")]
    assert diff and not any("Users" in line for line in added_headings)


def test_latency_targets_written_after_the_value_are_compared(grocery: Review) -> None:
    conflict = next(f for f in grocery.all_findings() if f.rule_id == "consistency.latency-targets")
    assert "50" in conflict.message and "400" in conflict.message


def test_not_applicable_is_challenged_when_the_draft_uses_personal_data(
    grocery: Review,
) -> None:
    fairness = next(s for s in grocery.sections if s.section_id == "fairness")
    assert fairness.status != "not_applicable"
    assert all(v.verdict is not Verdict.NOT_APPLICABLE for v in fairness.verdicts)
    reasons = " ".join(v.reason for v in fairness.verdicts)
    assert "it applies" in reasons and "line" in reasons


def test_not_applicable_stands_when_nothing_in_the_draft_contradicts_it(
    reviewer: Reviewer,
) -> None:
    text = GROCERY.read_text(encoding="utf-8").replace(
        "Loyalty-card purchase records give the basket\ncomposition per customer, which we "
        "aggregate to store level.",
        "No data about individual shoppers is used.",
    )
    review = reviewer.review_bytes(text.encode(), "g.md")
    fairness = next(s for s in review.sections if s.section_id == "fairness")
    assert fairness.status == "not_applicable"


def test_a_russian_doc_is_declined_with_the_language_named(reviewer: Reviewer) -> None:
    with pytest.raises(UnsupportedDocument, match=r"judges English text.*looks Russian"):
        reviewer.review_bytes(RUSSIAN.encode(), "ru.md")


def test_the_cli_exits_2_with_one_line_for_a_russian_doc(
    tmp_path: Path, kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ru.md"
    path.write_text(RUSSIAN, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["review", str(path), "--data-dir", str(kb_dir)])
    out, err = capsys.readouterr()
    assert info.value.code == 2
    lines = [line for line in err.splitlines() if "Russian" in line]
    assert len(lines) == 1 and "Traceback" not in err
    assert "missing" not in out


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("changelog.md", "changelog"),
        ("script.md", "source code"),
        ("recipe.md", "words an ML design doc"),
    ],
)
def test_a_file_that_is_not_a_design_doc_is_declined_with_a_reason(
    reviewer: Reviewer, name: str, reason: str
) -> None:
    with pytest.raises(UnsupportedDocument, match=rf"not look like an ML design doc.*{reason}"):
        reviewer.review_path(NOT_DESIGN / name)
