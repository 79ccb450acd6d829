"""Constants, the bench plan and pure helpers."""

from __future__ import annotations

import math
import random
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.settings import KNOWLEDGE_DIR
from ingest.chunking import Chunker
from ingest.loaders import load_bytes

EVALS = Path(__file__).resolve().parent.parent
RESULTS = EVALS / "results"
CASES = EVALS / "cases"
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
