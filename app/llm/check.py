"""`mlsd llm check`: does the configured LLM answer, and if not, why and how to fix it.

The same diagnosis explains a failed chat or review call. Messages never contain the API key.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from app.llm.calls import call_with_timeout
from app.llm.plan import ModelSpeed
from app.llm.provider import LLMError, build_chat_model, describe_spec
from app.settings import Settings

Problem = Literal[
    "offline",
    "config",
    "missing_key",
    "auth",
    "connection_refused",
    "host_not_found",
    "unreachable",
    "unknown_model",
    "bad_url",
    "timeout",
    "error",
]
CHECK_PROMPT = "Reply with the single word: ok"
DEFAULT_CHECK_TIMEOUT = 10.0
_DEFAULT_URLS = {"ollama": "http://localhost:11434", "openai": "https://api.openai.com/v1"}
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{4})[A-Za-z0-9_\-*]{4,}")
_KEY_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GROQ_API_KEY", "MISTRAL_API_KEY")


class LLMCheck(BaseModel):
    """The outcome of one tiny request to the configured LLM."""

    ok: bool
    provider: str
    model: str
    base_url: str
    latency_ms: float | None = None
    problem: Problem | None = None
    message: str
    fix: str = ""
    reply: str = ""
    speed: ModelSpeed | None = None


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong with an LLM call, in words, and how to fix it."""

    problem: Problem
    message: str
    fix: str


def base_url(settings: Settings, provider: str) -> str:
    """The address the provider's client will call."""
    if settings.llm_base_url:
        return settings.llm_base_url
    if provider == "ollama":
        host = os.environ.get("OLLAMA_HOST")
        if host:
            return host if "://" in host else f"http://{host}"
    if provider == "openai" and os.environ.get("OPENAI_BASE_URL"):
        return os.environ["OPENAI_BASE_URL"]
    return _DEFAULT_URLS.get(provider, f"{provider}'s default endpoint")


def scrub(text: str, settings: Settings) -> str:
    """The text with any API key it might quote masked."""
    secrets = [os.environ.get(name, "") for name in _KEY_VARIABLES]
    if settings.llm_api_key is not None:
        secrets.append(settings.llm_api_key.get_secret_value())
    for secret in secrets:
        if len(secret) >= 6:
            text = text.replace(secret, "***")
    return _KEY_PATTERN.sub(r"\1***", text)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        nested = getattr(current, "cause", None)
        current = (
            current.__cause__
            or current.__context__
            or (nested if isinstance(nested, BaseException) else None)
        )


def _status(exc: BaseException) -> int | None:
    for link in _chain(exc):
        status = getattr(link, "status_code", None)
        if status is None:
            status = getattr(getattr(link, "response", None), "status_code", None)
        if isinstance(status, int):
            return status
    return None


def _start_server(provider: str, model: str) -> str:
    if provider == "ollama":
        return f"start Ollama (`ollama serve`; `ollama pull {model}` once)"
    return "start the server"


def diagnose(exc: BaseException, settings: Settings, timeout: float | None = None) -> Diagnosis:
    """Explain a failed LLM call: what happened and how to fix it."""
    provider, model = describe_spec(settings.llm)
    url = base_url(settings, provider)
    where = f"{provider} at {url}" if provider != "none" else "the model"
    links = list(_chain(exc))
    # What the errors say, not their class names ("OpenAIModelNotFoundError" is any 404).
    lowered = " ".join(str(e) for e in links).lower()
    status = _status(exc)
    seconds = timeout if timeout is not None else settings.llm_timeout
    if "no api key" in lowered:
        return Diagnosis(
            "missing_key",
            f"no API key for {provider}",
            "set OPENAI_API_KEY or MLSD_LLM_API_KEY (never on the command line), or give "
            "--llm-base-url for a local OpenAI-compatible server that needs none",
        )
    if any(isinstance(e, TimeoutError) or "Timeout" in type(e).__name__ for e in links):
        return Diagnosis(
            "timeout",
            f"{where} did not answer within {seconds:g} s",
            "the first call may be loading the model: try again; otherwise raise "
            "MLSD_LLM_TIMEOUT, use a smaller model, or check the server's load",
        )
    if any(isinstance(e, ConnectionRefusedError) for e in links) or "refused" in lowered:
        return Diagnosis(
            "connection_refused",
            f"no server at {url} (connection refused)",
            f"{_start_server(provider, model)}, or point --llm-base-url / MLSD_LLM_BASE_URL "
            "at the address it listens on",
        )
    if any(isinstance(e, socket.gaierror) for e in links) or re.search(
        r"name or service not known|nodename nor servname|getaddrinfo|name resolution", lowered
    ):
        return Diagnosis(
            "host_not_found",
            f"the host in {url} cannot be found",
            "check the host name in --llm-base-url / MLSD_LLM_BASE_URL",
        )
    if status in (401, 403) or any("Authentication" in type(e).__name__ for e in links):
        return Diagnosis(
            "auth",
            f"{where} rejected the API key (HTTP {status or 401})",
            "set a valid key in OPENAI_API_KEY or MLSD_LLM_API_KEY",
        )
    if status == 404 or "model_not_found" in lowered:
        if "model" in lowered:
            fix = (
                f"`ollama pull {model}`, or use a model `ollama list` shows"
                if provider == "ollama"
                else f"use a model the server lists at {url.rstrip('/')}/models"
            )
            return Diagnosis("unknown_model", f"{where} does not know the model '{model}'", fix)
        return Diagnosis(
            "bad_url",
            f"{url} answered 404 Not Found",
            "check --llm-base-url: OpenAI-compatible servers usually end in /v1 "
            "(http://host:8000/v1); Ollama's is http://host:11434",
        )
    if any("connect" in type(e).__name__.lower() for e in links):
        return Diagnosis(
            "unreachable",
            f"cannot reach {url}: {scrub(str(exc), settings)[:160]}",
            f"{_start_server(provider, model)}, and check --llm-base-url and any proxy",
        )
    return Diagnosis(
        "error",
        f"{where} failed: {scrub(f'{type(exc).__name__}: {exc}', settings)[:200]}",
        "run `mlsd llm check` and read the server's log",
    )


def check_llm(
    settings: Settings, *, timeout: float = DEFAULT_CHECK_TIMEOUT, model: Any | None = None
) -> LLMCheck:
    """Send one tiny prompt to the configured LLM (or `model`) and report what happened."""
    try:
        provider, model_name = describe_spec(settings.llm)
    except LLMError as exc:
        return LLMCheck(
            ok=False,
            provider="",
            model="",
            base_url="",
            problem="config",
            message=str(exc),
            fix="use --llm ollama:NAME, openai:NAME or provider:model",
        )
    url = base_url(settings, provider) if provider != "none" else ""
    facts = {"provider": provider, "model": model_name, "base_url": url}
    if provider == "none" and model is None:
        return LLMCheck(
            ok=False,
            problem="offline",
            message="no LLM is configured: mlsd runs offline (extractive chat answers, "
            "offline review)",
            fix="pass --llm ollama:NAME (with `ollama serve` running) or openai:NAME (with "
            "OPENAI_API_KEY), or set MLSD_LLM in the environment or mlsd.toml",
            **facts,
        )
    if model is None:
        # The client's own timeout matches the check's, so an abandoned call ends soon too.
        quick = settings.model_copy(update={"llm_timeout": min(settings.llm_timeout, timeout)})
        try:
            model = build_chat_model(quick)
        except LLMError as exc:
            diagnosis = diagnose(exc, settings, timeout)
            problem = diagnosis.problem if diagnosis.problem == "missing_key" else "config"
            fix = diagnosis.fix if problem == "missing_key" else "check --llm and its provider"
            return LLMCheck(
                ok=False, problem=problem, message=scrub(str(exc), settings), fix=fix, **facts
            )
    chat_model: Any = model
    started = time.perf_counter()
    try:
        reply = call_with_timeout(lambda: chat_model.invoke([("human", CHECK_PROMPT)]), timeout)
    except Exception as exc:
        diagnosis = diagnose(exc, settings, timeout)
        return LLMCheck(
            ok=False,
            problem=diagnosis.problem,
            message=diagnosis.message,
            fix=diagnosis.fix,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            **facts,
        )
    latency = round((time.perf_counter() - started) * 1000, 1)
    content = getattr(reply, "content", reply)
    said = content if isinstance(content, str) else str(content)
    return LLMCheck(
        ok=True,
        latency_ms=latency,
        message=f"{provider} {model_name} answered in {latency:.0f} ms",
        reply=" ".join(said.split())[:80],
        **facts,
    )
