"""The hostile-input corpus (tests/hostile/) through review, ingest and the web app's upload:
every case ends in bounded time and memory with a short message and no traceback, and the
knowledge base loses nothing. One run of the whole corpus, one test per case and command."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.hostile.corpus import case_names
from tests.hostile.run import run_all

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(3600)]
NAMES = case_names()


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("hostile")
    yield run_all(folder)
    shutil.rmtree(folder, ignore_errors=True)


def _outcome(results: dict[str, Any], case: str, command: str) -> dict[str, Any] | None:
    found = [o for o in results["outcomes"] if o["case"] == case and o["command"] == command]
    return found[0] if found else None


def test_the_corpus_has_at_least_forty_cases() -> None:
    assert len(NAMES) >= 40 and len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("case", NAMES)
@pytest.mark.parametrize("command", ["review", "ingest", "upload"])
def test_hostile_case_meets_the_contract(results: dict[str, Any], case: str, command: str) -> None:
    outcome = _outcome(results, case, command)
    if outcome is None:
        assert command == "upload", f"{case} did not run through {command}"
        pytest.skip("not a file a browser can upload")
    assert outcome["ok"], f"{command} {case}: {outcome['problems']} ({outcome['message']})"


def test_no_stored_source_is_lost_to_any_case(results: dict[str, Any]) -> None:
    assert results["lost"] == {}
