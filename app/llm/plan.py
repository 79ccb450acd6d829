"""Plan a review's LLM calls from the model's measured speed and a total time budget.

A hosted API answers a section in a few seconds; a small model on a laptop CPU reads a
prompt at 50 tokens/s and writes 5 tokens/s. `mlsd llm check` measures both speeds and stores
them (`speeds.json` in the data directory, per model and server). A review then knows before
its first call how long a section takes: the draft is sent first in every call, so a server
that caches the prompt prefix (llama.cpp, Ollama, vLLM) reads it once, and each further section
costs only its own questions and the answer. The plan says how many sections the model can
judge within the budget, the answer length each gets, and the time limit of each call; the
sections beyond it are judged offline, and the review says so.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

# Characters per token of English text, for planning (a tokenizer is not at hand).
CHARS_PER_TOKEN = 4.0
# Tokens of an answer: what one usually takes per guiding question (verdict, short quote,
# reason) and for the suggestion and risks, for planning time; and the most the answer's JSON
# schema allows (app.llm.judge.judgement_schema) at a pessimistic 1.5 characters a token,
# for max_tokens.
ANSWER_TOKENS_BASE = 40
ANSWER_TOKENS_BASE_COMPACT = 12  # {"verdicts": [...]}
EXPECTED_PER_QUESTION = 60
EXPECTED_PER_QUESTION_COMPACT = 20  # a verdict and a sentence number
EXPECTED_EXTRAS = 200
BOUND_PER_QUESTION = 220
BOUND_PER_QUESTION_COMPACT = 50
BOUND_EXTRAS = 900
# Below this many answer tokens per second, sections are asked for verdicts and sentence
# numbers only (app.llm.judge's compact answer).
COMPACT_BELOW_TPS = 20.0
# Tokens of the fixed part of a section's prompt (its title, questions and instructions).
SECTION_PROMPT_TOKENS = 250
# A call may take this much longer than planned before it is given up.
SLACK = 2.0
MIN_CALL_SECONDS = 5.0


class ModelSpeed(BaseModel):
    """How fast a model reads a prompt and writes an answer, measured by `mlsd llm check`."""

    model: str = Field(description="The LLM spec, e.g. openai:qwen2.5.")
    base_url: str = ""
    prompt_tps: float = Field(gt=0, description="Prompt tokens read per second.")
    output_tps: float = Field(gt=0, description="Answer tokens written per second.")
    measured_at: float = Field(0.0, description="Unix time of the measurement.")

    def seconds(self, prompt_tokens: float, output_tokens: float) -> float:
        """Expected seconds for one call."""
        return prompt_tokens / self.prompt_tps + output_tokens / self.output_tps


class CallPlan(BaseModel):
    """What the review asks of the model."""

    sections: list[str] = Field(description="Section ids the model judges, in call order.")
    skipped: list[str] = Field(
        default_factory=list, description="Section ids left to the offline judge."
    )
    max_tokens: dict[str, int] = Field(
        default_factory=dict, description="Answer length allowed per section."
    )
    call_timeout: float = Field(description="Seconds a call may take (unless `timeouts` says).")
    timeouts: dict[str, float] = Field(
        default_factory=dict,
        description="Seconds each section's call may take: twice its expected time at the "
        "measured speed (the first call also reads the draft).",
    )
    compact: bool = Field(
        False, description="Ask for verdicts only, no suggested text or risks (a slow model)."
    )
    budget: float | None = Field(None, description="Seconds for all calls; None is unlimited.")
    expected_seconds: float = 0.0
    note: str = ""


def answer_tokens(questions: int, compact: bool = False) -> int:
    """The most tokens a section's answer may take (its max_tokens): its schema's bound."""
    if compact:
        return ANSWER_TOKENS_BASE_COMPACT + BOUND_PER_QUESTION_COMPACT * max(questions, 1)
    return ANSWER_TOKENS_BASE + BOUND_PER_QUESTION * max(questions, 1) + BOUND_EXTRAS


def expected_tokens(questions: int, compact: bool = False) -> int:
    """The tokens a section's answer usually takes, for planning time."""
    if compact:
        return ANSWER_TOKENS_BASE_COMPACT + EXPECTED_PER_QUESTION_COMPACT * max(questions, 1)
    return ANSWER_TOKENS_BASE + EXPECTED_PER_QUESTION * max(questions, 1) + EXPECTED_EXTRAS


def tokens(chars: int) -> float:
    """Rough token count of text of this length."""
    return chars / CHARS_PER_TOKEN


def plan_calls(
    sections: list[tuple[str, int]],
    draft_chars: int,
    *,
    speed: ModelSpeed | None,
    budget: float | None,
    call_timeout: float,
) -> CallPlan:
    """A plan for `sections` ((id, number of questions), most worth asking first).

    Without a measured speed every section is asked, each call limited by `call_timeout`
    and the budget. With one, the calls that fit the budget are asked, each limited to
    SLACK times its expected time but never less than `call_timeout` (the budget still
    bounds them all)."""
    if speed is None:
        return CallPlan(
            sections=[sid for sid, _ in sections],
            max_tokens={sid: answer_tokens(n) for sid, n in sections},
            call_timeout=min(call_timeout, budget) if budget else call_timeout,
            budget=budget,
        )
    compact = speed.output_tps < COMPACT_BELOW_TPS
    chosen: list[str] = []
    limits: dict[str, float] = {}
    total = 0.0
    for k, (sid, n) in enumerate(sections):
        # The draft is read once, with the first call; later calls reuse its cached prefix.
        prompt = SECTION_PROMPT_TOKENS + (tokens(draft_chars) if k == 0 else 0.0)
        seconds = speed.seconds(prompt, expected_tokens(n, compact))
        if budget is not None and total + seconds > budget:
            break
        chosen.append(sid)
        total += seconds
        # The measured speed decides what fits; a call's own limit only catches a hung
        # server, so it is never under call_timeout (MLSD_LLM_TIMEOUT): a speed measured
        # too high must not time out every call. The budget's deadline bounds them all.
        limits[sid] = round(max(MIN_CALL_SECONDS, SLACK * seconds, call_timeout), 1)
    skipped = [sid for sid, _ in sections if sid not in chosen]
    timeout = max(limits.values(), default=call_timeout)
    note = ""
    if skipped:
        note = (
            f"the model judges {len(chosen)} of {len(sections)} sections within the "
            f"{budget:g} s budget at its measured speed ({speed.prompt_tps:.0f} prompt and "
            f"{speed.output_tps:.1f} answer tokens/s); the rest are judged offline"
        )
    return CallPlan(
        sections=chosen,
        skipped=skipped,
        max_tokens={sid: answer_tokens(n, compact) for sid, n in sections if sid in chosen},
        call_timeout=round(timeout, 1),
        timeouts=limits,
        compact=compact,
        budget=budget,
        expected_seconds=round(total, 1),
        note=note,
    )


def speeds_path(data_dir: Path) -> Path:
    """Where measured model speeds are stored."""
    return data_dir / "llm-speeds.json"


def speed_key(model: str, base_url: str) -> str:
    """The key a model's speed is stored under."""
    return f"{model}@{base_url}"


def load_speed(path: Path, model: str, base_url: str) -> ModelSpeed | None:
    """The stored speed of this model on this server, if it was measured."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ModelSpeed.model_validate(data[speed_key(model, base_url)])
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        return None


def save_speed(path: Path, speed: ModelSpeed) -> None:
    """Store a measured speed beside the others, atomically (a torn file is never read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    stamped = speed.model_copy(update={"measured_at": speed.measured_at or time.time()})
    data[speed_key(speed.model, speed.base_url)] = stamped.model_dump()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".speeds-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
