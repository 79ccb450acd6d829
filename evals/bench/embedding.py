"""Embedding helpers: timed and random embedders, a token counter, the raw model."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ingest.embedder import DEFAULT_MODEL, Embedder, Vectors, resolve_model_path


class TimedEmbedder:
    """An Embedder that forwards to another and adds up the time and texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.calls: list[list[str]] = []

    @property
    def name(self) -> str:
        """The wrapped model's name (so the store opens the same collection)."""
        return self.inner.name

    def reset(self) -> None:
        """Forget what was counted."""
        self.seconds, self.calls = 0.0, []

    def embed_documents(self, texts: list[str]) -> Vectors:
        """Forwarded, timed."""
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls.append(list(texts))

    def embed_query(self, text: str) -> Vectors:
        """Forwarded, timed."""
        started = time.perf_counter()
        try:
            return self.inner.embed_query(text)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls.append([text])


class RandomEmbedder:
    """Seeded random unit vectors of dimension 384: fills a store without a model."""

    name = "bench-random-384"

    def __init__(self, seed: int = 384) -> None:
        self._rng = np.random.default_rng(seed)

    def embed_documents(self, texts: list[str]) -> Vectors:
        """One random unit vector per text."""
        return unit_vectors(self._rng, len(texts))

    def embed_query(self, text: str) -> Vectors:
        """One random unit vector."""
        vector: Vectors = unit_vectors(self._rng, 1)[0]
        return vector


def unit_vectors(rng: np.random.Generator, n: int, dim: int = 384) -> Vectors:
    """`n` random vectors of length 1."""
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    out: Vectors = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


class TokenCounter:
    """Tokens the model reads per text (with special tokens, truncated to its window)."""

    def __init__(self, max_tokens: int = 256) -> None:
        from transformers import AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(resolve_model_path(DEFAULT_MODEL)))
        self.max_tokens = max_tokens

    def count(self, texts: Sequence[str]) -> int:
        """Total tokens over the texts."""
        encoded = self._tokenizer(
            list(texts), truncation=True, max_length=self.max_tokens, add_special_tokens=True
        )
        return sum(len(ids) for ids in encoded["input_ids"])


def raw_model() -> Any:
    """The packaged model loaded with plain sentence-transformers (the throughput limit)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(resolve_model_path(DEFAULT_MODEL)), device="cpu")
