"""Server mode: the same store code against a real `chroma run` on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import knowledge
from app.settings import load_settings
from ingest.errors import StoreError

pytestmark = [pytest.mark.server, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_binary() -> str:
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.exists() else shutil.which("chroma")
    if not found:
        pytest.fail("the chroma CLI (from the chromadb package) is not installed")
    return found


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [
            chroma_binary(),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_search_against_a_chroma_server(
    chroma_server: int, guides_dir: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(chroma_host="127.0.0.1", chroma_port=chroma_server)
    store = knowledge.open_store(settings, embedder)
    assert store.backend == f"server 127.0.0.1:{chroma_server}"
    report = knowledge.ingest(settings, [guides_dir], store=store)
    assert report.failed == 0 and report.chunks_added > 0
    again = knowledge.ingest(settings, [guides_dir], store=store)
    assert again.chunks_added == 0 and again.unchanged == 6
    hit = store.search("how do we detect data drift in production", k=1)[0]
    assert Path(hit.source_id).name == "monitoring.md"
    # A second client sees the same data: the server, not this process, holds it.
    other = knowledge.open_store(settings, embedder)
    assert other.count() == store.count()


def test_unreachable_server_is_a_clear_store_error(embedder) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(StoreError, match=r"cannot open the Chroma server at 127\.0\.0\.1"):
        knowledge.open_store(settings, embedder)
