"""The same sentence-transformers model through ONNX Runtime and the `tokenizers` library.

Loading torch, transformers and sentence-transformers takes seconds; ONNX Runtime and a
tokenizer load in a fraction of one. The model is exported once from the packaged weights
(which needs torch, so it happens where torch is loaded anyway: the first ingest or review)
into `<data dir>/models/<name>-<weights sha256>.onnx`, and only when its vectors match the
torch path on probe texts (cosine >= ONNX_MIN_COSINE). Later processes find it by the
weights' hash and never import torch.

Only the shape of model mlsd ships is exported: a BERT-like transformer, mean pooling,
normalised vectors (all-MiniLM-L6-v2). Any other model stays on sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedder import Vectors, cached_query
from ingest.errors import EmbedderError

# Vectors of the exported model must be this close to the torch path's, on every probe text.
ONNX_MIN_COSINE = 0.999
PROBE_TEXTS = [
    "A short sentence.",
    "p99 latency under 300 ms at a peak of 5 requests per second.",
    "We retrain weekly on the last 90 days of labelled tickets and compare against the "
    "production model on a held-out week before promotion.",
    "Feature store, drift monitoring and a rollback plan for the ranking model. " * 12,
    "Données personnelles : base légale, durée de conservation et droit d'accès.",
    "| metric | target |\n|---|---|\n| recall@10 | 0.42 |",
]
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_MANIFEST = "manifest.json"
_BATCH = 32
# Tokens per batch (rows x the longest row): short sentences go 32 at a time, passages of
# 256 tokens 8 at a time. Same speed on 2 cores, and a batch of long passages no longer
# needs its attention buffers at full width (peak memory of a table-heavy ingest: 1.1 GB
# -> 0.5 GB).
_BATCH_TOKENS = 2048


def _weights_file(model_dir: Path) -> Path | None:
    return next((model_dir / w for w in _WEIGHTS if (model_dir / w).is_file()), None)


def exportable(model_dir: Path) -> bool:
    """Whether the model is one this module can run: a transformer, mean pooling and
    normalisation, with a fast tokenizer file."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads(
            (model_dir / modules[1]["path"] / "config.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        pooling.get(k)
        for k in (
            "pooling_mode_cls_token",
            "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens",
        )
    )
    return (
        kinds == ["Transformer", "Pooling", "Normalize"]
        and bool(mean_only)
        and (model_dir / "tokenizer.json").is_file()
        and _weights_file(model_dir) is not None
    )


def weights_hash(model_dir: Path, cache_dir: Path) -> str | None:
    """The sha256 of the model's weights. Hashing 90 MB takes a moment, so the hash is
    remembered in the cache's manifest by the file's path, size and modification time."""
    weights = _weights_file(model_dir)
    if weights is None:
        return None
    stat = weights.stat()
    key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    manifest = _read_manifest(cache_dir)
    known = manifest.get(key)
    if isinstance(known, str):
        return known
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    manifest[key] = value
    _write_json(cache_dir / _MANIFEST, manifest)
    return value


def onnx_file(model_name: str, model_dir: Path, cache_dir: Path) -> Path | None:
    """Where this model's export lives (whether or not it exists yet); None when the model
    cannot be exported."""
    if not exportable(model_dir):
        return None
    digest = weights_hash(model_dir, cache_dir)
    if digest is None:
        return None
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(model_name).name)
    return cache_dir / f"{stem}-{digest[:16]}.onnx"


def _read_manifest(cache_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((cache_dir / _MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manifest-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass  # the hash is only remembered to save time


def export_onnx(st_model: Any, model_dir: Path, target: Path) -> float:
    """Export a loaded SentenceTransformer's transformer to `target` and check it; returns
    the smallest cosine between the two paths' vectors on the probe texts. The file appears
    only when the check passes (EmbedderError otherwise)."""
    import torch

    transformer = st_model[0].auto_model
    transformer.eval()

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out: torch.Tensor = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return out

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".onnx")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        sample = torch.ones((2, 8), dtype=torch.long)
        # The tracer's notes (constant shapes, advanced indexing) concern other models.
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHidden(),
                (sample, sample, torch.zeros_like(sample)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"}
                    for name in (
                        "input_ids",
                        "attention_mask",
                        "token_type_ids",
                        "last_hidden_state",
                    )
                },
                opset_version=17,
                dynamo=False,
            )
        reference = np.asarray(
            st_model.encode(PROBE_TEXTS, normalize_embeddings=True, convert_to_numpy=True),
            dtype=np.float32,
        )
        candidate = OnnxEmbedder(tmp, model_dir, "probe", max_seq_length=st_model.max_seq_length)
        vectors = candidate.embed_documents(PROBE_TEXTS)
        cosine = float(np.min(np.sum(reference * vectors, axis=1)))
        if cosine < ONNX_MIN_COSINE:
            raise EmbedderError(
                "the ONNX export's vectors differ from sentence-transformers' "
                f"(cosine {cosine:.5f})"
            )
        os.replace(tmp, target)
        return cosine
    finally:
        tmp.unlink(missing_ok=True)


def _max_seq_length(model_dir: Path) -> int:
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length", 256))
    except (OSError, ValueError, TypeError):
        return 256


def _batches(order: list[int], lengths: list[int]) -> list[list[int]]:
    """`order` (sorted by token count, `lengths` alongside) cut into batches of at most
    _BATCH rows and about _BATCH_TOKENS tokens of padded width."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index, length in zip(order, lengths, strict=True):
        # Sorted ascending: the newest row is the widest of its batch.
        if current and (len(current) >= _BATCH or (len(current) + 1) * length > _BATCH_TOKENS):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


class OnnxEmbedder:
    """An Embedder over an exported model: ONNX Runtime, the `tokenizers` library, mean
    pooling and normalisation, as sentence-transformers computes them. Loaded on first use,
    safe across threads."""

    def __init__(
        self, onnx_path: Path, model_dir: Path, name: str, max_seq_length: int | None = None
    ) -> None:
        self._onnx_path = onnx_path
        self._model_dir = model_dir
        self._name = name
        self._max_len = max_seq_length or _max_seq_length(model_dir)
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The configured model name (the same as the torch path's: the vectors match)."""
        return self._name

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                try:
                    import onnxruntime
                    from tokenizers import Tokenizer

                    tokenizer = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
                    tokenizer.enable_truncation(max_length=self._max_len)
                    tokenizer.no_padding()
                    options = onnxruntime.SessionOptions()
                    options.intra_op_num_threads = os.cpu_count() or 1
                    options.log_severity_level = 3
                    self._session = onnxruntime.InferenceSession(
                        str(self._onnx_path), options, providers=["CPUExecutionProvider"]
                    )
                    self._tokenizer = tokenizer
                except Exception as exc:  # a missing or corrupt export
                    raise EmbedderError(
                        f"cannot load the ONNX embedding model {self._onnx_path}: {exc}"
                    ) from exc
            return self._session, self._tokenizer

    def embed_documents(self, texts: list[str]) -> Vectors:
        """Unit-length vectors, one row per text."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(texts)
        # Batches of similar token counts, so little of each batch is padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out: Vectors | None = None
        for rows in _batches(order, [len(encodings[i].ids) for i in order]):
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = encodings[i].attention_mask
                types[r, :n] = encodings[i].type_ids
            (hidden,) = session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            part = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
            if out is None:
                out = np.empty((len(texts), part.shape[1]), dtype=np.float32)
            out[rows] = part
        assert out is not None
        return out

    def embed_query(self, text: str) -> Vectors:
        """Unit-length vector for a query (cached: reviews ask the same questions often)."""
        return cached_query(self, text)
