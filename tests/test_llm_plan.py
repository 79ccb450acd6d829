"""Planning LLM calls from a measured speed and a budget, and the one timeout path: calls in
daemon threads, each waited for up to its limit and never past the review's deadline."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from app.llm.calls import GaveUp, OutOfTime, run_calls
from app.llm.judge import SectionJudgement
from app.llm.plan import (
    SECTION_PROMPT_TOKENS,
    ModelSpeed,
    answer_tokens,
    expected_tokens,
    load_speed,
    plan_calls,
    save_speed,
    speeds_path,
)

SLOW_CPU = ModelSpeed(
    model="openai:qwen", base_url="http://127.0.0.1:8080/v1", prompt_tps=50.0, output_tps=5.0
)
SECTIONS = [(f"s{k}", 4) for k in range(25)]


def test_a_slow_model_judges_what_fits_the_budget_and_the_rest_is_left_offline() -> None:
    plan = plan_calls(SECTIONS, 6000, speed=SLOW_CPU, budget=300.0, call_timeout=5.0)
    # A slow model is asked for verdicts only; the draft is read once (its prefix is cached
    # by the server), so each later call costs its own prompt and answer.
    assert plan.compact
    first = SLOW_CPU.seconds(SECTION_PROMPT_TOKENS + 6000 / 4, expected_tokens(4, compact=True))
    each = SLOW_CPU.seconds(SECTION_PROMPT_TOKENS, expected_tokens(4, compact=True))
    assert len(plan.sections) == 1 + int((300.0 - first) // each)
    assert plan.sections == [sid for sid, _ in SECTIONS[: len(plan.sections)]]
    assert plan.skipped == [sid for sid, _ in SECTIONS[len(plan.sections) :]]
    assert plan.expected_seconds <= 300.0
    assert f"judges {len(plan.sections)} of 25 sections within the 300 s budget" in plan.note
    # max_tokens is the answer schema's bound; a call may take twice its expected time, the
    # first one (which reads the draft) longer than the others.
    assert set(plan.max_tokens.values()) == {answer_tokens(4, compact=True)}
    assert plan.timeouts["s0"] == round(2 * first, 1) > plan.timeouts["s1"] == round(2 * each, 1)
    # A call's own limit is never under MLSD_LLM_TIMEOUT: a speed measured too high (a model
    # writes more slowly deep in a long prompt) must not time every call out.
    patient = plan_calls(SECTIONS, 6000, speed=SLOW_CPU, budget=300.0, call_timeout=120.0)
    assert patient.sections == plan.sections
    assert patient.timeouts["s1"] == 120.0 and patient.timeouts["s0"] == max(
        120.0, round(2 * first, 1)
    )


def test_a_fast_model_or_a_generous_budget_judges_every_section() -> None:
    fast = SLOW_CPU.model_copy(update={"prompt_tps": 2000.0, "output_tps": 80.0})
    assert plan_calls(SECTIONS, 6000, speed=fast, budget=300.0, call_timeout=60.0).skipped == []
    unmeasured = plan_calls(SECTIONS, 6000, speed=None, budget=300.0, call_timeout=60.0)
    assert len(unmeasured.sections) == 25 and unmeasured.note == ""
    assert unmeasured.call_timeout == 60.0


def test_speeds_are_stored_per_model_and_server_and_a_torn_file_is_ignored(tmp_path: Path) -> None:
    path = speeds_path(tmp_path)
    assert load_speed(path, SLOW_CPU.model, SLOW_CPU.base_url) is None
    save_speed(path, SLOW_CPU)
    other = SLOW_CPU.model_copy(update={"base_url": "http://gpu-box:8080/v1", "output_tps": 90.0})
    save_speed(path, other)
    assert load_speed(path, SLOW_CPU.model, SLOW_CPU.base_url).output_tps == 5.0  # type: ignore[union-attr]
    assert load_speed(path, other.model, other.base_url).output_tps == 90.0  # type: ignore[union-attr]
    path.write_text('{"openai:qwen@http://127.0.0.1:8080/v1": {"prompt_tps": -1', encoding="utf-8")
    assert load_speed(path, SLOW_CPU.model, SLOW_CPU.base_url) is None
    save_speed(path, SLOW_CPU)  # a torn file is replaced, not appended to
    assert load_speed(path, SLOW_CPU.model, SLOW_CPU.base_url) is not None


def _answer() -> SectionJudgement:
    return SectionJudgement()


def test_calls_run_in_order_one_at_a_time_and_report_as_they_finish() -> None:
    active = []
    seen: list[int] = []
    lock = threading.Lock()

    def call(k: int) -> SectionJudgement:
        with lock:
            active.append(k)
            assert len(active) == 1
        time.sleep(0.01)
        with lock:
            active.remove(k)
        return _answer()

    out = run_calls(
        [lambda k=k: call(k) for k in range(5)],  # type: ignore[misc]
        concurrency=1,
        timeout=5.0,
        deadline=None,
        on_done=lambda k, _: seen.append(k),
    )
    assert all(isinstance(o, SectionJudgement) for o in out)
    assert seen == [0, 1, 2, 3, 4]


def test_a_hung_model_is_given_up_after_two_timeouts_and_the_rest_is_not_asked() -> None:
    calls_made = []

    def hang(k: int) -> SectionJudgement:
        calls_made.append(k)
        time.sleep(30)
        return _answer()

    started = time.monotonic()
    out = run_calls(
        [lambda k=k: hang(k) for k in range(6)],  # type: ignore[misc]
        concurrency=1,
        timeout=0.2,
        deadline=None,
    )
    assert time.monotonic() - started < 5
    assert calls_made == [0, 1]
    assert [type(o) for o in out[:2]] == [TimeoutError, TimeoutError]
    assert all(isinstance(o, GaveUp) and "2 calls in a row" in str(o) for o in out[2:])


def test_the_deadline_stops_calls_that_would_run_past_it() -> None:
    def slow() -> SectionJudgement:
        time.sleep(0.3)
        return _answer()

    out = run_calls([slow] * 10, concurrency=1, timeout=5.0, deadline=time.monotonic() + 1.0)
    done = [o for o in out if isinstance(o, SectionJudgement)]
    assert 2 <= len(done) <= 4
    assert all(isinstance(o, OutOfTime) for o in out[len(done) + 1 :])


def test_abandoned_calls_never_keep_the_process_alive() -> None:
    script = (
        "import time\n"
        "from app.llm.calls import run_calls\n"
        "out = run_calls([lambda: time.sleep(60)], concurrency=1, timeout=0.2, deadline=None)\n"
        "print(type(out[0]).__name__)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "TimeoutError"
    assert time.monotonic() - started < 25


class RecordingModel:
    """A chat model stand-in that records each prompt and its max_tokens; answers at once."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def bind(self, **kwargs: Any) -> Any:
        outer = self

        class Bound:
            def invoke(self, messages: list[tuple[str, str]]) -> Any:
                from langchain_core.messages import AIMessage

                outer.calls.append((messages[-1][1], int(kwargs["max_tokens"])))
                n = kwargs["max_tokens"]
                return AIMessage(
                    content=" ".join(str(i) for i in range(1, n + 1)),
                    usage_metadata={
                        "input_tokens": len(messages[-1][1]) // 4,
                        "output_tokens": n,
                        "total_tokens": len(messages[-1][1]) // 4 + n,
                    },
                )

        return Bound()


def test_the_answer_speed_is_measured_deep_in_a_long_prompt_as_reviews_write() -> None:
    from app.llm.speed import measure_speed

    model = RecordingModel()
    speed = measure_speed(model, "fake:model", "http://x", timeout=10.0, seed=1)
    (read_prompt, read_max), (write_prompt, write_max) = model.calls
    assert read_max == 1 and write_max > 1
    # About 1,500 tokens of prompt, and the answer is written after all of it (the same
    # prefix, so a server's cache reads it once).
    assert len(read_prompt) / 4 > 1200
    shared = read_prompt.rsplit("\n", 1)[0]
    assert write_prompt.startswith(shared) and len(write_prompt) >= len(read_prompt) - 40
    assert speed.prompt_tps > 0 and speed.output_tps > 0
