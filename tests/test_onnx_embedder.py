"""The packaged MiniLM through ONNX Runtime gives the same vectors as sentence-transformers
(cosine >= 0.999 on every probe text), is found by its weights' hash, and a review through it
gives the same verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app import knowledge
from app.review import Reviewer
from app.settings import load_settings
from evals.cases import load_cases
from ingest.embedder import SentenceTransformerEmbedder, resolve_model_path
from ingest.onnx_embedder import ONNX_MIN_COSINE, OnnxEmbedder, exportable, onnx_file
from tests.conftest import PROJECT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model exported by the torch path, into a folder of this module's own."""
    cache = tmp_path_factory.mktemp("onnx-cache")
    model_dir = resolve_model_path("all-MiniLM-L6-v2")
    target = onnx_file("all-MiniLM-L6-v2", model_dir, cache / "models")
    assert target is not None and not target.exists()
    torch_path = SentenceTransformerEmbedder("all-MiniLM-L6-v2", export_onnx=target)
    torch_path.embed_documents(["load and export"])
    assert torch_path.export_error == "" and target.is_file()
    return target


def probe_texts() -> list[str]:
    """Sentences, headings, tables and long passages from the labelled cases and guides."""
    texts: list[str] = []
    for case in load_cases()[:8]:
        texts += [line for line in case.text.splitlines() if line.strip()][:25]
    for guide in sorted((PROJECT / "knowledge" / "guides").glob("*.md"))[:3]:
        texts.append(guide.read_text(encoding="utf-8")[:3000])  # past the 256-token limit
    return [*texts, "", "é", "🙂 emoji and ünïcödé", "x" * 5000]


def test_onnx_vectors_match_sentence_transformers(exported: Path, embedder: Any) -> None:
    onnx = OnnxEmbedder(exported, resolve_model_path("all-MiniLM-L6-v2"), "all-MiniLM-L6-v2")
    texts = probe_texts()
    assert len(texts) > 150
    a = embedder.embed_documents(texts)
    b = onnx.embed_documents(texts)
    assert a.shape == b.shape
    cosines = np.sum(a * b, axis=1)
    assert float(cosines.min()) >= ONNX_MIN_COSINE, float(cosines.min())
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(onnx.embed_query("a query"), onnx.embed_documents(["a query"])[0])


def test_the_export_is_found_by_the_weights_hash(tmp_path: Path) -> None:
    source = resolve_model_path("all-MiniLM-L6-v2")
    copy = tmp_path / "model"
    shutil.copytree(source, copy)
    cache = tmp_path / "cache"
    first = onnx_file("all-MiniLM-L6-v2", copy, cache)
    assert first is not None and first == onnx_file("all-MiniLM-L6-v2", source, cache)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    changed = onnx_file("all-MiniLM-L6-v2", copy, cache)
    assert changed is not None and changed != first
    (copy / "modules.json").write_text("[]", encoding="utf-8")
    assert not exportable(copy) and onnx_file("x", copy, cache) is None


def test_a_review_through_onnx_gives_the_torch_verdicts(
    exported: Path, kb_dir: Path, embedder: Any
) -> None:
    settings = load_settings(data_dir=kb_dir, cache_dir=exported.parent.parent)
    case = next(c for c in load_cases() if c.kind == "complete")
    store_torch = knowledge.open_store(settings, embedder)
    torch_review = Reviewer(settings, store_torch, use_cache=False).review_bytes(
        case.text.encode(), "case.md"
    )
    onnx = OnnxEmbedder(exported, resolve_model_path("all-MiniLM-L6-v2"), "all-MiniLM-L6-v2")
    store_onnx = knowledge.open_store(settings, onnx)
    onnx_review = Reviewer(settings, store_onnx, use_cache=False).review_bytes(
        case.text.encode(), "case.md"
    )
    assert [s.status for s in onnx_review.sections] == [s.status for s in torch_review.sections]
    assert [v.verdict for s in onnx_review.sections for v in s.verdicts] == [
        v.verdict for s in torch_review.sections for v in s.verdicts
    ]


def test_the_knowledge_api_uses_onnx_once_exported_and_torch_when_told(exported: Path) -> None:
    cache = exported.parent.parent
    assert exported.parent == cache / "models"
    auto = knowledge.get_embedder(load_settings(cache_dir=cache))
    assert isinstance(auto, OnnxEmbedder)
    forced = knowledge.get_embedder(load_settings(cache_dir=cache, embedding_runtime="torch"))
    assert isinstance(forced, SentenceTransformerEmbedder)
