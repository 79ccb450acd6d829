"""`mlsd eval --llm SPEC --subset N`: a model compared with offline on a spread of labelled
cases, over every section and over the sections the model judged."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app import knowledge
from app.llm.judge import LLMJudge
from app.review import Reviewer
from app.settings import load_settings
from evals.cases import load_cases
from evals.llm_eval import compare_llm, pick_cases, render
from tests.test_review_llm import fake, question_ids


def test_a_subset_takes_cases_of_every_kind_in_turn() -> None:
    cases = load_cases()
    kinds = {c.kind for c in cases}
    subset = pick_cases(cases, len(kinds))
    assert len(subset) == len(kinds) and {c.kind for c in subset} == kinds
    assert [c.name for c in pick_cases(cases, 3)] == [c.name for c in subset[:3]]
    assert len(pick_cases(cases, 1000)) == len(cases)


@pytest.mark.slow
def test_the_model_and_offline_are_scored_on_the_same_cases(kb_dir: Path, embedder: Any) -> None:
    def everything_missing(prompt: str) -> str:
        ids = question_ids(prompt)
        return json.dumps(
            {
                "verdicts": [
                    {"question_id": q, "verdict": "missing", "quote": "", "reason": "x"}
                    for q in ids
                ],
                "suggested_text": "",
                "risks": [],
            }
        )

    settings = load_settings(data_dir=kb_dir)
    store = knowledge.open_store(settings, embedder)
    judge = LLMJudge(fake(everything_missing), "fake:none", timeout=10.0, concurrency=2)
    cases = pick_cases(load_cases(), 2)
    report = compare_llm(
        Reviewer(settings, store, use_cache=False),
        Reviewer(settings, store, use_cache=False, llm=judge),
        cases,
    )
    assert report.cases == [c.name for c in cases]
    assert report.sections_judged_by_model == report.sections_total == 50
    assert report.verdicts_downgraded == 0 and report.verdicts_by_model > 0
    # A model that calls everything missing finds every labelled gap and nothing else.
    assert report.llm.model_sections.gap["recall"] == 1.0
    labelled = report.llm.all_sections.sections
    assert labelled == report.offline.all_sections.sections > 0
    gaps = sum(
        label in ("partial", "missing")
        for c in cases
        for label in c.sections.values()
        if label != "not_applicable"
    )
    assert report.llm.all_sections.gap["precision"] == round(gaps / labelled, 3)
    assert report.offline.all_sections.status_accuracy != report.llm.all_sections.status_accuracy
    table = render(report)
    assert "fake:none against offline on 2 cases" in table
    assert re.search(r"status agreement\s+\d\.\d{3}\s+\d\.\d{3}", table)
