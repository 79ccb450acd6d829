"""Language and document-kind checks: the reviewer names what it cannot judge."""

from __future__ import annotations

import pytest

from app.draft import load_draft_bytes
from app.language import detect_language
from app.review.doctype import not_a_design_doc
from app.rubric import load_rubric
from app.settings import load_settings
from tests.conftest import FIXTURES, PROJECT

ENGLISH = (
    "We will serve the ranking model behind a REST endpoint with a p99 latency under 80 ms. "
    "The feature store computes the same features for training and serving, and a nightly job "
    "compares the distributions. If the model misbehaves, we roll back to the previous version. "
) * 3
SPANISH = (
    "El modelo predice la demanda de cada tienda para los próximos siete días y se entrena con "
    "los datos de ventas de los últimos tres años. La latencia debe ser menor que cien "
    "milisegundos y el equipo de datos es responsable de la calidad de las etiquetas. "
) * 3
GERMAN = (
    "Das Modell sagt die Nachfrage für jede Filiale voraus und wird mit den Verkaufsdaten der "
    "letzten drei Jahre trainiert. Die Latenz muss unter hundert Millisekunden liegen und das "
    "Team ist für die Qualität der Daten verantwortlich, die nicht immer vollständig sind. "
) * 3
RUSSIAN = (
    "Модель прогнозирует спрос для каждого магазина на семь дней вперёд и обучается на данных "
    "о продажах за три года. Задержка ответа не должна превышать ста миллисекунд. "
) * 3
CHINESE = (
    "该模型预测每个门店未来七天的需求，并使用过去三年的销售数据进行训练。响应延迟必须低于一百毫秒。"
    * 6
)


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        (ENGLISH, "en", "English"),
        (SPANISH, "es", "Spanish"),
        (GERMAN, "de", "German"),
        (RUSSIAN, "ru", "Russian"),
        (CHINESE, "zh", "Chinese"),
    ],
)
def test_the_language_of_a_draft_is_named(text: str, code: str, name: str) -> None:
    found = detect_language(text)
    assert (found.code, found.name) == (code, name)
    assert found.english is (code == "en")


def test_english_with_foreign_names_and_code_stays_english() -> None:
    text = ENGLISH + "\n```python\nпривет = 'мир'  # 中文\n```\n" + "Zürich, São Paulo, Москва."
    assert detect_language(text).english


def test_too_little_text_is_taken_as_english_rather_than_guessed() -> None:
    assert detect_language("Модель").english


def _draft(text: str):  # type: ignore[no-untyped-def]
    return load_draft_bytes(text.encode(), "d.md", max_bytes=10**7, max_pages=10)


def test_design_docs_of_the_project_are_never_taken_for_something_else() -> None:
    rubric = load_rubric(load_settings().template)
    for path in sorted((PROJECT / "evals" / "cases").glob("*.md")):
        assert not_a_design_doc(_draft(path.read_text(encoding="utf-8")), rubric) == "", path


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("changelog.md", "changelog"),
        ("script.md", "source code"),
        ("recipe.md", "words an ML design doc"),
    ],
)
def test_a_changelog_code_or_unrelated_text_is_named_for_what_it_is(name: str, reason: str) -> None:
    rubric = load_rubric(load_settings().template)
    text = (FIXTURES / "notdesign" / name).read_text(encoding="utf-8")
    assert reason in not_a_design_doc(_draft(text), rubric)
