"""The web app through its API: a real `mlsd serve` on loopback, driven with gradio_client.

One server per module (starting it loads torch and the embedding model). It runs on a copy
of the session's knowledge base, from a scratch folder under pytest's tmp dir (its working
directory, TMPDIR and GRADIO_TEMP_DIR), so nothing it writes lands in the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES

pytestmark = [pytest.mark.server, pytest.mark.slow]

DRAFT = FIXTURES / "drafts" / "ticket-routing.md"
CORRUPT = FIXTURES / "bad" / "corrupt.pdf"
START_TIMEOUT = 120.0
CALL_TIMEOUT = 300.0


@dataclass(frozen=True)
class Server:
    """A running `mlsd serve`: its URL, how long it took to answer HTTP 200, its log."""

    url: str
    cold_start: float
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mlsd_binary() -> str:
    beside = Path(sys.executable).parent / "mlsd"
    found = str(beside) if beside.exists() else shutil.which("mlsd")
    if not found:
        pytest.fail("the mlsd command is not installed (pip install -e .)")
    return found


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def _default_sigint() -> None:
    """In the child: Ctrl-C stops the server even when pytest runs with SIGINT ignored
    (a background job of a non-interactive shell), since ignored signals survive exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C first (the app cleans its own scratch folders), then SIGTERM, then SIGKILL."""
    for sig, grace in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def running_server(kb_dir: Path, scratch: Path) -> Iterator[Server]:
    """`mlsd serve` on a free loopback port over a copy of `kb_dir`; everything it writes
    stays under `scratch` (a pytest tmp folder). Stopped on exit."""
    data = scratch / "data"
    shutil.copytree(kb_dir, data)
    tmp = scratch / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSD_")}
    env.update(
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONUNBUFFERED="1",
        MLSD_CONFIG=str(scratch / "absent.toml"),
        TMPDIR=str(tmp),
        GRADIO_TEMP_DIR=str(scratch / "gradio"),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = scratch / "serve.log"
    command = [mlsd_binary(), "serve", "--port", str(port), "--data-dir", str(data)]
    with log.open("wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            command,
            cwd=scratch,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_default_sigint,
        )
        try:
            while _status(url) != 200:
                if proc.poll() is not None:
                    pytest.fail(f"mlsd serve exited with {proc.returncode}:\n{log.read_text()}")
                if time.monotonic() - started > START_TIMEOUT:
                    pytest.fail(
                        f"mlsd serve did not answer 200 within {START_TIMEOUT:.0f} s:\n"
                        + log.read_text()
                    )
                time.sleep(0.25)
            cold_start = time.monotonic() - started
            print(f"\nmlsd serve answered HTTP 200 after {cold_start:.1f} s at {url}")
            yield Server(url=url, cold_start=cold_start, log=log)
        finally:
            _stop(proc)


@pytest.fixture(scope="module")
def server(kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(kb_dir, tmp_path_factory.mktemp("ui-api")) as running:
        yield running


def client_for(server: Server) -> Any:
    """A new client: a new session, as a second browser tab would be."""
    from gradio_client import Client

    return Client(server.url, verbose=False, download_files=False)


def review(client: Any, path: Path | None, pasted: str = "") -> tuple[Any, ...]:
    """Call the Review tab's button: (status, review, md, json, html, diff)."""
    from gradio_client import handle_file

    draft = handle_file(str(path)) if path is not None else None
    result = client.predict(draft, pasted, None, api_name="/review")
    assert isinstance(result, tuple) and len(result) == 6
    return result


def score_of(html: str) -> int:
    found = re.search(r'data-score="(\d+)"', html)
    assert found, html[:500]
    return int(found.group(1))


def document_of(html: str) -> str:
    found = re.search(r"<dt>Document</dt><dd><code>([^<]+)</code>", html)
    assert found, html[:500]
    return found.group(1)


def message_text(message: dict[str, Any]) -> str:
    """The text of a chatbot message, whichever shape the client returns."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text") or "" for part in content if isinstance(part, dict))


def second_draft(folder: Path, extra: str = "") -> Path:
    """Another draft: the fixture under a different title and name (plus `extra` text)."""
    text = DRAFT.read_text(encoding="utf-8")
    assert text.startswith("# Ticket routing model: design")
    path = folder / "churn-forecast.md"
    text = text.replace("# Ticket routing model: design", "# Churn forecast: design", 1)
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_the_api_names_every_endpoint_the_ui_uses(server: Server) -> None:
    api = client_for(server).view_api(print_info=False, return_format="dict")
    named = set(api["named_endpoints"])
    assert {"/review", "/chat", "/batch", "/batch_document"} <= named
    params = [p["parameter_name"] for p in api["named_endpoints"]["/review"]["parameters"]]
    assert params == ["draft_path", "pasted_text", "template_path"]


def test_upload_a_draft_and_get_its_review(server: Server) -> None:
    status, html, markdown, report, page, diff = review(client_for(server), DRAFT)

    assert "mlsd-status-error" not in status
    summary = re.search(r"Reviewed ticket-routing\.md: (\d+)/100", status)
    assert summary, status
    score = score_of(html)
    assert 0 <= score <= 100 and int(summary.group(1)) == score
    assert document_of(html) == "ticket-routing.md"
    # The heatmap, one panel per template section, findings with their cited passages.
    assert 'class="mlsd-heatmap"' in html
    panels = re.findall(r'<details class="mlsd-section" id="mlsd-sec-[^"]+"', html)
    assert len(panels) >= 10
    assert html.count('class="mlsd-finding ') > 0
    citations = re.findall(r'<details class="mlsd-citation" data-chunk="[^"]+">', html)
    assert citations
    assert '<blockquote class="mlsd-quote">' in html
    assert "<code>knowledge/guides/" in html

    # The downloads are offered and hold the same review.
    names = {u["value"]["orig_name"] for u in (markdown, report, page, diff)}
    assert names == {
        "ticket-routing.review.md",
        "ticket-routing.review.json",
        "ticket-routing.review.html",
        "ticket-routing.suggested.diff",
    }
    assert all(u["visible"] for u in (markdown, report, page, diff))
    with urllib.request.urlopen(report["value"]["url"], timeout=30) as response:
        data = json.load(response)
    assert data["document"] == "ticket-routing.md"
    assert f"{data['score']:.0f}" == str(score)
    assert len(panels) == len(data["sections"])


def test_ask_a_question_and_get_an_answer_with_citations(server: Server) -> None:
    history, question = client_for(server).predict(
        "How should I detect data drift after launch?", [], False, api_name="/chat"
    )
    assert question == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert message_text(history[0]) == "How should I detect data drift after launch?"
    answer = message_text(history[1])
    assert "Searching the guides" not in answer and "Could not answer" not in answer
    assert "drift" in answer.lower()
    assert "**Sources**" in answer
    cites = re.findall(
        r'<details class="mlsd-chat-cite"><summary>\[(\d+)\] ([^<]+)</summary>', answer
    )
    assert cites and cites[0][0] == "1"
    assert all("knowledge/guides/" in title for _, title in cites)


def test_batch_a_zip_of_two_drafts(server: Server, tmp_path: Path) -> None:
    from gradio_client import handle_file

    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(DRAFT, "docs/ticket-routing.md")
        zf.write(second_draft(tmp_path), "docs/churn-forecast.md")
        zf.writestr("docs/README.md", "# Not a draft\n")

    client = client_for(server)
    status, table, choose, detail, download = client.predict(
        [handle_file(str(archive))], api_name="/batch"
    )
    assert "2 reviewed, 0 failed" in status
    assert table["headers"] == ["document", "score", "errors", "warnings", "notes", "status"]
    rows = table["data"]
    assert [r[0] for r in rows] == ["docs/ticket-routing.md", "docs/churn-forecast.md"]
    assert all(r[5] == "reviewed" and 0 <= int(r[1]) <= 100 for r in rows)
    assert choose["value"] == "docs/ticket-routing.md"
    assert document_of(detail) == "docs/ticket-routing.md"
    assert download["value"]["orig_name"] == "mlsd-reports.zip"

    # A row opens its own review (the batch is kept in this client's session).
    other = client.predict("docs/churn-forecast.md", api_name="/batch_document")
    assert document_of(other) == "docs/churn-forecast.md"
    assert "Churn forecast: design" in other


def test_a_corrupt_file_shows_an_error_and_the_server_keeps_working(server: Server) -> None:
    client = client_for(server)
    status, html, *downloads = review(client, CORRUPT)
    assert "mlsd-status-error" in status
    assert "corrupt.pdf" in status and "Internal error" not in status
    assert "mlsd-review" not in str(html)  # no review was shown for it
    assert all("value" not in d for d in downloads)

    # The same session, then a new one, still get reviews.
    status, html, *_ = review(client, None, pasted=DRAFT.read_text(encoding="utf-8"))
    assert "mlsd-status-error" not in status and "Reviewed pasted-draft.md" in status
    assert document_of(html) == "pasted-draft.md"
    status, html, *_ = review(client_for(server), DRAFT)
    assert document_of(html) == "ticket-routing.md"


def test_two_concurrent_reviews_each_get_their_own_document(server: Server, tmp_path: Path) -> None:
    # Text no other test sends, so neither answer can come from the review cache.
    extra = "\n\nReviewed concurrently.\n"
    first = tmp_path / "ticket-routing.md"
    first.write_text(DRAFT.read_text(encoding="utf-8") + extra, encoding="utf-8")
    drafts = {"ticket-routing.md": first, "churn-forecast.md": second_draft(tmp_path, extra)}
    titles = {
        "ticket-routing.md": "Ticket routing model: design",
        "churn-forecast.md": "Churn forecast: design",
    }

    clients = {name: client_for(server) for name in drafts}
    results: dict[str, tuple[Any, ...]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(drafts))

    def one(name: str) -> None:
        try:
            barrier.wait(timeout=30)
            results[name] = review(clients[name], drafts[name])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(name,)) for name in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=CALL_TIMEOUT)
    assert not errors, errors
    assert set(results) == set(drafts)
    for name, (status, html, markdown, *_rest) in results.items():
        other = next(n for n in drafts if n != name)
        assert f"Reviewed {name}:" in status and "from the cache" not in status
        assert document_of(html) == name
        assert titles[name] in html and titles[other] not in html
        assert markdown["value"]["orig_name"] == name.replace(".md", ".review.md")
