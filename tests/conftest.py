"""Shared fixtures: an isolated data dir per test, the real embedding model once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).parent.parent
SEEDS = PROJECT.parent / "shared" / "seeds"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data dir and no mlsd.toml or MLSD_* from the environment."""
    for key in list(os.environ):
        if key.startswith("MLSD_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("MLSD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MLSD_CONFIG", str(tmp_path / "absent.toml"))


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real packaged all-MiniLM-L6-v2 model, loaded once."""
    from ingest.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder("all-MiniLM-L6-v2")


@pytest.fixture
def guides_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder of small guides in every supported format, safe to edit."""
    import shutil

    folder = tmp_path / "guides"
    shutil.copytree(FIXTURES / "guides", folder)
    yield folder


@pytest.fixture(scope="session")
def kb_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:  # type: ignore[no-untyped-def]
    """A data dir holding the knowledge base built from knowledge/guides, once per session."""
    from ingest.chunking import Chunker
    from ingest.pipeline import ingest_paths
    from ingest.store import KnowledgeStore

    data = tmp_path_factory.mktemp("kb")
    store = KnowledgeStore.open(embedder, data_dir=data)
    report = ingest_paths(
        [PROJECT / "knowledge" / "guides"],
        store,
        Chunker(),
        bases=[PROJECT],
        max_bytes=20_000_000,
        max_pages=200,
    )
    assert report.failed == 0 and report.total_chunks > 100
    return data
