"""Measure how fast the configured model reads and writes (`mlsd llm check --speed`).

Two calls: one with a long prompt and a one-token answer (prompt speed), then the same long
prompt with a longer answer (answer speed). A review's calls write after reading a whole
draft, and a model writes more slowly the more it has read (SmolLM2-135M here: 126 tokens/s
after 40 tokens of prompt, 14-34 after 1,500-3,400), so the answer speed is measured at that
depth. The first prompt starts with a fresh number, so a server's prompt cache cannot
flatter the prompt speed; the second reuses it, as a review's calls reuse the draft. Token
counts come from the server's usage report when it gives one, else from the text's length.
"""

from __future__ import annotations

import random
import time
from typing import Any

from app.llm.calls import call_with_timeout
from app.llm.plan import CHARS_PER_TOKEN, ModelSpeed

# About 1,500 tokens of ordinary design-doc prose (a short draft), varied sentence by sentence.
_TOPICS = (
    "the feature store",
    "the nightly batch job",
    "the online ranking service",
    "the drift monitor",
    "the label pipeline",
    "the rollback plan",
    "the A/B test",
    "the cost dashboard",
)
_VERBS = ("reads from", "writes to", "is checked by", "depends on", "is owned by", "alerts")
ANSWER_TOKENS = 48


def probe_prompt(rng: random.Random, sentences: int = 110) -> str:
    """A long prompt of plain sentences that starts with a fresh number."""
    lines = [f"Reference {rng.randrange(10**9)}."]
    for _ in range(sentences):
        a, b = rng.sample(_TOPICS, 2)
        lines.append(f"{a.capitalize()} {rng.choice(_VERBS)} {b} every {rng.randrange(2, 60)} min.")
    return " ".join(lines)


def _usage(reply: Any) -> tuple[int | None, int | None]:
    usage = getattr(reply, "usage_metadata", None) or {}
    return usage.get("input_tokens"), usage.get("output_tokens")


def _text(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    return content if isinstance(content, str) else str(content)


def measure_speed(
    model: Any, spec: str, base_url: str, timeout: float, seed: int | None = None
) -> ModelSpeed:
    """Prompt and answer tokens per second of `model`. Raises what the calls raise
    (CallTimeout when one takes longer than `timeout`)."""
    rng = random.Random(seed)
    probe = probe_prompt(rng)
    prompt = probe + "\nReply with the single word: ok"
    reader = model.bind(max_tokens=1, temperature=0)
    started = time.perf_counter()
    reply = call_with_timeout(lambda: reader.invoke([("human", prompt)]), timeout)
    read_seconds = time.perf_counter() - started
    read_tokens = _usage(reply)[0] or len(prompt) / CHARS_PER_TOKEN

    writer = model.bind(max_tokens=ANSWER_TOKENS, temperature=0)
    ask = "\nCount from 1 to 100, numbers separated by spaces."
    long_ask = probe + ask
    started = time.perf_counter()
    reply = call_with_timeout(lambda: writer.invoke([("human", long_ask)]), timeout)
    write_seconds = time.perf_counter() - started
    _, counted = _usage(reply)
    written = float(counted or max(1.0, len(_text(reply)) / CHARS_PER_TOKEN))
    # The second call also read the new end of its prompt (its start is cached by servers
    # that cache prefixes; one that does not makes the answer speed look slower, which only
    # makes the plan more careful): take that reading off at the measured rate.
    prompt_tps = read_tokens / max(read_seconds, 1e-3)
    reading = (len(ask) / CHARS_PER_TOKEN) / prompt_tps
    output_tps = written / max(write_seconds - reading, 1e-3)
    return ModelSpeed(
        model=spec,
        base_url=base_url,
        prompt_tps=round(prompt_tps, 2),
        output_tps=round(output_tps, 2),
        measured_at=time.time(),
    )
