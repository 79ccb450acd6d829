"""The report: one Markdown table of figures and notes."""

from __future__ import annotations

from typing import Any

from evals.bench.common import ratio

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


def _startup_rows(st: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [
        (
            "`mlsd --version` (median)",
            f"{st['version_seconds']:.2f} s",
            f"`python -c pass` {st['python_seconds']:.2f} s",
            _x(ratio(st["version_seconds"], st["python_seconds"])),
            "under 0.3 s: " + ("met" if st["version_under_goal"] else "NOT met"),
            _load(st),
        ),
        (
            "`mlsd review --help` (median)",
            f"{st['review_help_seconds']:.2f} s",
            f"`python -c pass` {st['python_seconds']:.2f} s",
            _x(ratio(st["review_help_seconds"], st["python_seconds"])),
            "under 0.3 s",
            _load(st),
        ),
    ]
    for runtime, label in (("auto", "ONNX Runtime"), ("torch", "sentence-transformers")):
        fig = st[runtime]
        rows.append(
            (
                f"Cold `mlsd review`, 3,000-word draft ({label}: {fig['embedder']})",
                f"{fig['cold_review_seconds']:.2f} s",
                f"warm review {fig['warm_review_seconds']:.2f} s + model load "
                f"{fig['model_load_seconds']:.2f} s",
                _x(fig["cold_vs_warm_plus_load"]),
                "at most 1.5x: " + ("met" if fig["cold_within_goal"] else "NOT met"),
                _load(fig),
            )
        )
    rows.append(
        (
            "Cold review, ONNX against sentence-transformers",
            f"{st['auto']['cold_review_seconds']:.2f} s",
            f"{st['torch']['cold_review_seconds']:.2f} s",
            _x(st["cold_review_onnx_vs_torch"]),
            "under 3 s",
            "",
        )
    )
    return rows


def _load_rows(sl: dict[str, Any]) -> list[Row]:
    if "skipped" in sl:
        return [("`mlsd serve` under load", "not measured", sl["skipped"], "-", "", "")]
    rows: list[Row] = []
    for kind in ("review", "chat"):
        fig = sl[kind]
        lat = fig["latency_ms"]
        rows.append(
            (
                f"`mlsd serve`, {sl['users']} concurrent {kind}s (with {sl['users']} "
                f"{'chats' if kind == 'review' else 'reviews'})",
                f"p50 {lat.get('p50', 0) / 1000:.1f} s, p95 {lat.get('p95', 0) / 1000:.1f} s"
                if lat
                else "no answer",
                f"{fig['answered']}/{fig['requests']} answered, {len(fig['errors'])} errors, "
                f"{fig['unfinished']} unfinished",
                "-",
                "no errors",
                _load(sl),
            )
        )
    return rows


def _install_rows(ins: dict[str, Any]) -> list[Row]:
    before, pip, after = ins["before_make_run"], ins["runtime_pip"], ins["setup_run"]
    goal = "met" if ins["goal_met"] else "NOT met"
    return [
        (
            "Install, `make setup-run` (uv, runtime only; fresh venv, empty caches)",
            f"{after['seconds']:.0f} s" + ("" if ins["setup_run_works"] else " (mlsd broken)"),
            f"old `make run` install (pip, dev extra) {before['seconds']:.0f} s",
            _x(ins["speedup"]) + " faster",
            f"≥ 2x faster: {goal}",
            _load(after, before),
        ),
        (
            "Install, runtime only by pip (what dropping the dev tools alone gives)",
            f"{pip['seconds']:.0f} s",
            f"old `make run` install {before['seconds']:.0f} s",
            _x(ins["speedup_pip_runtime"]) + " faster",
            "",
            _load(pip, before),
        ),
    ]


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown page: the machine, one table of figures, notes."""
    m = results["machine"]
    rows: list[Row] = []
    for label, fig in results["ingest"].items():
        rows += _ingest_rows(label, fig)
    if "review" in results and "batch" in results:
        rows += _review_rows(results["review"], results["batch"])
    rows += [_retrieval_row(fig) for fig in results.get("retrieval", [])]
    if "processes" in results:
        rows += _process_rows(results["processes"])
    if "startup" in results:
        rows += _startup_rows(results["startup"])
    if "serve_load" in results:
        rows += _load_rows(results["serve_load"])
    if "install" in results:
        rows += _install_rows(results["install"])
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
    "Install: a copy of the sources, a fresh venv and empty pip and uv caches per install, "
    "so each pays its downloads; torch is the machine's local CPU build in every case.",
    "Before each measurement the run waits (up to a few minutes) until other processes use "
    "under 0.3 cores; the table shows what they used during the measurement.",
]
