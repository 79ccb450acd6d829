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

from evals.bench.common import (
    CASES,
    GUIDES,
    Plan,
    generate_corpus,
    guide_passages,
    latency_ms,
    make_batch_drafts,
    percentile,
)
from evals.bench.runner import main, run

__all__ = [
    "CASES",
    "GUIDES",
    "Plan",
    "generate_corpus",
    "guide_passages",
    "latency_ms",
    "main",
    "make_batch_drafts",
    "percentile",
    "run",
]
