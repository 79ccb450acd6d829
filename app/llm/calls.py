"""The one way mlsd waits for a model: every call runs in a daemon thread and is waited for
until its time limit (and, for a review, the review's deadline). A call past its limit is
abandoned: a hung server never hangs the caller, nor the interpreter at exit. Chat, the
reviewer's section judge, `mlsd llm check` and the speed probe all go through here."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

T = TypeVar("T")


class CallTimeout(TimeoutError):
    """A model call took longer than its time limit."""


def start_call(call: Callable[[], T], name: str = "mlsd-llm-call") -> queue.Queue[tuple[bool, Any]]:
    """Start `call` in a daemon thread; its (True, result) or (False, exception) arrives in
    the returned queue. A daemon thread never keeps the interpreter alive at exit."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def work() -> None:
        try:
            box.put((True, call()))
        except BaseException as exc:  # handed to the caller's thread
            box.put((False, exc))

    threading.Thread(target=work, daemon=True, name=name).start()
    return box


def call_with_timeout(call: Callable[[], T], timeout: float) -> T:
    """The call's result, its exception, or CallTimeout after `timeout` seconds.

    The call runs in a daemon thread that is abandoned on timeout: a hung server never
    hangs the caller, nor the interpreter at exit."""
    box = start_call(call)
    try:
        ok, value = box.get(timeout=timeout)
    except queue.Empty:
        raise CallTimeout(f"no answer within {timeout:g} s") from None
    if not ok:
        raise value
    result: T = value
    return result


HUNG_AFTER = 2


class OutOfTime(TimeoutError):
    """A call was not made, or not answered, before the review's deadline."""


class GaveUp(TimeoutError):
    """A call was not made because the model timed out on the calls before it."""


def describe_failure(exc: BaseException) -> str:
    """A section's error in one line, for the review's warnings."""
    text = " ".join(str(exc).split())
    if isinstance(exc, TimeoutError):  # OutOfTime too: its message says which budget
        return text or "no answer in time"
    if "length" in text.lower() and (
        "limit" in text.lower() or isinstance(exc, (ValidationError, ValueError))
    ):
        return "the answer was cut off at its length limit (a model that repeats itself)"
    if isinstance(exc, (ValidationError, ValueError)):  # json.JSONDecodeError is a ValueError
        return f"unusable answer ({type(exc).__name__})"
    return f"{type(exc).__name__}: {text[:200]}"


def run_calls(
    calls: list[Callable[[], Any]],
    *,
    concurrency: int,
    timeout: float | list[float],
    deadline: float | None,
    on_done: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Each call's result or exception, in order. At most `concurrency` calls run at once,
    each in a daemon thread, waited for at most `timeout` seconds and never past `deadline`
    (time.monotonic()); a call not started by the deadline is not made. `on_done(k, outcome)`
    is called in the caller's thread as each call settles. `timeout` may give each call its
    own limit."""
    limits = timeout if isinstance(timeout, list) else [timeout] * len(calls)
    out: list[Any] = [OutOfTime("not asked: outside the LLM time budget") for _ in calls]
    boxes: dict[int, queue.Queue[tuple[bool, Any]]] = {}
    pending = list(range(len(calls)))
    running: dict[int, float] = {}
    timeouts_in_a_row = 0
    while pending or running:
        now = time.monotonic()
        while pending and len(running) < concurrency:
            if deadline is not None and now >= deadline:
                pending.clear()
                break
            k = pending.pop(0)
            boxes[k] = start_call(calls[k], name=f"mlsd-llm-{k}")
            running[k] = time.monotonic()
        if not running:
            break
        # Wait for the running call whose limit comes first.
        k = min(running, key=lambda i: running[i] + limits[i])
        own = running[k] + limits[k]
        limit = own if deadline is None else min(own, deadline)
        try:
            _, out[k] = boxes[k].get(timeout=max(0.0, limit - time.monotonic()))
            timeouts_in_a_row = 0
        except queue.Empty:
            cut_by_deadline = deadline is not None and own > deadline
            out[k] = (
                OutOfTime("not answered within the LLM time budget")
                if cut_by_deadline
                else TimeoutError(f"no answer within {limits[k]:g} s")
            )
            timeouts_in_a_row += 1
            if timeouts_in_a_row >= HUNG_AFTER:
                # A model that timed out twice in a row is down or far too slow: the
                # remaining sections are judged offline instead of waiting for it.
                for rest in pending:
                    out[rest] = GaveUp(
                        f"not asked: the model timed out on {HUNG_AFTER} calls in a row"
                    )
                pending.clear()
        del running[k]
        if on_done is not None:
            on_done(k, out[k])
    if on_done is not None:
        for k in (i for i in range(len(calls)) if i not in boxes):
            on_done(k, out[k])
    return out
