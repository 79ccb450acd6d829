"""`python -m evals.bench`: every measurement in order."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.settings import PROJECT_ROOT, load_settings
from evals.bench.common import GUIDES, RESULTS, Plan, generate_corpus
from evals.bench.embedding import TokenCounter, raw_model
from evals.bench.ingest import IngestTools, bench_ingest, markdown_files, warm_chroma
from evals.bench.install import bench_install
from evals.bench.machine import load_average, log, machine_info
from evals.bench.processes import bench_processes, bench_startup
from evals.bench.report import render_markdown
from evals.bench.retrieval import bench_retrieval
from evals.bench.review import bench_batch, bench_review
from evals.bench.serve_load import bench_serve_load
from ingest.embedder import DEFAULT_MODEL, resolve_model_path

PARTS = ("ingest", "review", "batch", "retrieval", "processes", "startup", "serve_load", "install")


def run(plan: Plan, out: Path, parts: tuple[str, ...] = PARTS) -> dict[str, Any]:
    """The measurements in `parts`, in order (the guides are always ingested: the others
    review against them); returns the results and writes them to `out`. A part that fails
    is recorded as failed and the others still run."""
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
        if "ingest" in parts:
            ingest["corpus"], corpus_dir = bench_ingest(
                "corpus", work / "corpus", tools, work, plan
            )
            shutil.rmtree(corpus_dir, ignore_errors=True)
        results["ingest"] = ingest

        review_settings = load_settings(data_dir=kb_dir)
        steps: dict[str, Callable[[], Any]] = {
            "review": lambda: bench_review(embedder, model, kb_dir, review_settings, plan),
            "batch": lambda: bench_batch(embedder, kb_dir, review_settings, work, plan),
            "retrieval": lambda: [bench_retrieval(n, work, plan) for n in plan.retrieval_sizes],
            "processes": lambda: bench_processes(kb_dir, work, plan),
            "startup": lambda: bench_startup(kb_dir, work, plan),
            "serve_load": lambda: bench_serve_load(kb_dir, work, plan),
            "install": lambda: bench_install(work, plan),
        }
        for name, step in steps.items():
            if name not in parts:
                continue
            try:
                results[name] = step()
            except Exception as exc:  # one broken measurement must not lose the others
                log(f"{name} failed: {type(exc).__name__}: {exc}")
                results.setdefault("failed", {})[name] = f"{type(exc).__name__}: {exc}"[:300]
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
        "--only",
        default=",".join(PARTS),
        help=f"Comma-separated parts to run (default all): {', '.join(PARTS)}.",
    )
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
    parts = tuple(p.strip() for p in args.only.split(",") if p.strip())
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)}")
    results = run(Plan.make(args.quick), out, parts)
    print(render_markdown(results))
    return 0
