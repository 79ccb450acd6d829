"""`mlsd llm check` and the diagnosis of LLM failures, against real clients and a small local
HTTP server that answers the way Ollama and OpenAI-compatible servers do."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.cli import main
from app.llm.check import check_llm
from app.settings import load_settings

SECRET = "sk-test-0123456789abcdefSECRET"


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeLLMServer:
    """Answers every POST with a queued (status, JSON body), or never ('hang')."""

    def __init__(self) -> None:
        self.reply: tuple[int | str, Any] = (200, {})
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                server.requests.append(
                    {"path": self.path, "auth": self.headers.get("authorization", "")}
                )
                self.rfile.read(length)
                status, body = server.reply
                if status == "hang":
                    time.sleep(3)
                    return
                data = json.dumps(body).encode()
                self.send_response(int(status))
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    fake = FakeLLMServer()
    yield fake
    fake.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_offline_mode_is_reported_with_how_to_configure_an_llm() -> None:
    result = check_llm(load_settings())
    assert not result.ok
    assert result.problem == "offline"
    assert "--llm" in result.fix


def test_nothing_listening_is_diagnosed_as_connection_refused() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = check_llm(load_settings(llm="ollama:llama3", llm_base_url=url), timeout=5)
    assert not result.ok
    assert result.problem == "connection_refused"
    assert (result.provider, result.model, result.base_url) == ("ollama", "llama3", url)
    assert url in result.message and "connection refused" in result.message
    assert "ollama serve" in result.fix


def test_openai_compatible_address_with_nothing_listening_is_connection_refused() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = check_llm(load_settings(llm="openai:qwen2.5", llm_base_url=url), timeout=10)
    assert result.problem == "connection_refused"
    assert "--llm-base-url" in result.fix


def test_missing_openai_key_is_diagnosed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = check_llm(load_settings(llm="openai:gpt-4o-mini"))
    assert result.problem == "missing_key"
    assert "OPENAI_API_KEY" in result.fix


def test_unknown_ollama_model_is_diagnosed(server: FakeLLMServer) -> None:
    server.reply = (404, {"error": 'model "llama9" not found, try pulling it first'})
    result = check_llm(load_settings(llm="ollama:llama9", llm_base_url=server.url))
    assert result.problem == "unknown_model"
    assert "llama9" in result.message
    assert "ollama pull llama9" in result.fix


def test_unknown_openai_model_is_diagnosed(server: FakeLLMServer) -> None:
    server.reply = (
        404,
        {
            "error": {
                "message": "The model `gpt-9` does not exist",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        },
    )
    result = check_llm(load_settings(llm="openai:gpt-9", llm_base_url=f"{server.url}/v1"))
    assert result.problem == "unknown_model"
    assert f"{server.url}/v1/models" in result.fix


def test_wrong_path_is_diagnosed_as_a_bad_base_url(server: FakeLLMServer) -> None:
    server.reply = (404, {"detail": "Not Found"})
    result = check_llm(load_settings(llm="openai:qwen", llm_base_url=server.url))
    assert result.problem == "bad_url"
    assert "/v1" in result.fix


def test_rejected_key_is_diagnosed_and_never_shown(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLSD_LLM_API_KEY", SECRET)
    server.reply = (
        401,
        {"error": {"message": f"Incorrect API key provided: {SECRET}", "code": "invalid_api_key"}},
    )
    code, out, err = run(
        capsys, "llm", "check", "--llm", "openai:gpt-4o", "--llm-base-url", f"{server.url}/v1"
    )
    assert code == 2
    assert server.requests and SECRET in server.requests[0]["auth"]  # the key was sent...
    assert SECRET not in out + err  # ...and never printed
    assert "rejected the API key" in out


def test_slow_server_is_diagnosed_as_a_timeout(server: FakeLLMServer) -> None:
    server.reply = ("hang", None)
    started = time.perf_counter()
    result = check_llm(load_settings(llm="ollama:llama3", llm_base_url=server.url), timeout=0.5)
    assert time.perf_counter() - started < 2.5
    assert result.problem == "timeout"
    assert "0.5 s" in result.message
    assert "MLSD_LLM_TIMEOUT" in result.fix


def test_an_answering_model_is_ok_with_its_latency(server: FakeLLMServer) -> None:
    server.reply = (
        200,
        {
            "model": "llama3",
            "created_at": "2024-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": "ok"},
            "done": True,
            "done_reason": "stop",
        },
    )
    result = check_llm(load_settings(llm="ollama:llama3", llm_base_url=server.url))
    assert result.ok, result
    assert result.problem is None
    assert result.reply == "ok"
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert server.requests[0]["path"] == "/api/chat"


def test_a_model_passed_in_is_checked_without_settings() -> None:
    result = check_llm(load_settings(), model=FakeListChatModel(responses=["ok"]))
    assert result.ok and result.reply == "ok"


def test_cli_llm_check_exit_2_and_one_diagnosis_when_nothing_listens(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    code, out, err = run(capsys, "llm", "check", "--llm", "ollama:llama3", "--llm-base-url", url)
    assert code == 2
    assert out.splitlines()[0] == (
        f"not ok: ollama:llama3 at {url}: no server at {url} (connection refused)"
    )
    assert out.splitlines()[1].startswith("fix: start Ollama")
    assert "Traceback" not in err


def test_cli_llm_check_json_in_offline_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "llm", "check", "--json")
    assert code == 2
    result = json.loads(out)
    assert result["ok"] is False and result["problem"] == "offline"
    assert set(result) >= {"ok", "provider", "model", "base_url", "latency_ms", "message", "fix"}


def test_cli_llm_check_reads_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("MLSD_LLM", "ollama:phi3")
    monkeypatch.setenv("MLSD_LLM_BASE_URL", url)
    code, out, _ = run(capsys, "llm", "check", "--json")
    result = json.loads(out)
    assert code == 2
    assert (result["model"], result["base_url"], result["problem"]) == (
        "phi3",
        url,
        "connection_refused",
    )
