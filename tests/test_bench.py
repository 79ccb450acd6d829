"""The benchmark's pure helpers: percentiles, and inputs that are the same on every run.
No timing here: `make bench` measures, tests only pin how it builds its inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.bench import (
    CASES,
    GUIDES,
    generate_corpus,
    guide_passages,
    latency_ms,
    make_batch_drafts,
    percentile,
)

pytestmark = pytest.mark.slow


def test_percentile_interpolates_between_ranks_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 95) == pytest.approx(4.8)
    assert percentile([7.0], 95) == 7.0
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)


def test_percentile_rejects_no_values_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_is_in_milliseconds() -> None:
    summary = latency_ms([0.001, 0.002, 0.003])
    assert summary["p50"] == 2.0
    assert summary["max"] == 3.0
    assert summary["n"] == 3


def test_corpus_generation_is_deterministic_and_reaches_its_target(tmp_path: Path) -> None:
    first, chunks = generate_corpus(GUIDES, tmp_path / "a", 80)
    second, again = generate_corpus(GUIDES, tmp_path / "b", 80)
    assert chunks == again >= 80
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
    other, _ = generate_corpus(GUIDES, tmp_path / "c", 80, seed=7)
    assert other[0].read_bytes() != first[0].read_bytes()


def test_corpus_reuses_whole_guide_paragraphs(tmp_path: Path) -> None:
    passages = {p.text for p in guide_passages(GUIDES)}
    files, _ = generate_corpus(GUIDES, tmp_path, 30)
    body = files[0].read_text(encoding="utf-8").split("\n---\n", 1)[1]
    blocks = [b for b in body.split("\n\n") if b.strip() and not b.startswith("#")]
    assert blocks and all(b.strip() in passages for b in blocks)


def test_batch_drafts_all_differ_and_repeat_exactly(tmp_path: Path) -> None:
    drafts = make_batch_drafts(CASES, tmp_path / "a", 20)
    again = make_batch_drafts(CASES, tmp_path / "b", 20)
    contents = [p.read_bytes() for p in drafts]
    assert len(set(contents)) == 20
    assert contents == [p.read_bytes() for p in again]


def _install_result(before: float, after: float, works: bool = True) -> dict:  # type: ignore[type-arg]
    from evals.bench.common import ratio

    speedup = ratio(before, after)
    return {
        "before_make_run": {"seconds": before, "others_cores": 0.0},
        "runtime_pip": {"seconds": before * 0.7, "others_cores": 0.0},
        "setup_run": {"seconds": after, "others_cores": 0.0},
        "setup_run_works": works,
        "speedup": speedup,
        "speedup_pip_runtime": ratio(before, before * 0.7),
        "goal_met": works and (speedup or 0) >= 2.0,
    }


@pytest.mark.parametrize(
    ("before", "after", "works", "verdict"),
    [(100.0, 32.0, True, "met"), (100.0, 60.0, True, "NOT met"), (100.0, 20.0, False, "NOT met")],
)
def test_install_rows_say_whether_the_2x_goal_is_met(
    before: float, after: float, works: bool, verdict: str
) -> None:
    from evals.bench.report import _install_rows

    row = _install_rows(_install_result(before, after, works))[0]
    assert row[4] == f"≥ 2x faster: {verdict}"
    assert ("mlsd broken" in row[1]) is not works


def test_the_install_benchmark_copies_what_make_setup_run_needs(tmp_path: Path) -> None:
    import re

    from evals.bench.install import _copy_sources

    copy = _copy_sources(tmp_path / "src")
    recipe = (copy / "Makefile").read_text(encoding="utf-8")
    for script in re.findall(r"scripts/[\w.-]+", recipe):
        assert (copy / script).is_file(), script
    assert (copy / "pyproject.toml").is_file() and (copy / "knowledge" / "guides").is_dir()
