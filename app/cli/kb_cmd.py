"""`mlsd ingest` and `mlsd kb search|stats|remove`."""

from __future__ import annotations

import time
from pathlib import Path

import click

from app.cli.common import EXIT_ERROR, EXIT_OK, echo_json, make_settings, settings_options, warn


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--prune/--no-prune",
    default=True,
    show_default=True,
    help="Remove chunks of files deleted from the folders given.",
)
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. a non-UTF-8 file) as failures.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@settings_options
def ingest_command(
    paths: tuple[Path, ...],
    prune: bool,
    strict: bool,
    as_json: bool,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Build or update the knowledge base from PATHS (default: knowledge/guides).

    Reads Markdown (with YAML front matter), text, PDF, HTML and DOCX. Incremental: unchanged
    files are skipped, edited files re-embed only changed passages, and files deleted from a
    folder given lose their chunks (unless --no-prune); sources outside the folders given
    are never removed, whatever the working directory. In folders, FIFOs, devices and
    sockets are skipped with a warning and links to folders are not followed. Exit 2 when
    any file failed; the other files are still ingested and the store stays intact.
    """
    from app import knowledge

    settings = make_settings(data_dir, llm, llm_base_url)

    def progress(i: int, n: int, sid: str) -> None:
        if not as_json:
            click.echo(f"[{i}/{n}] {sid}", err=True)

    report = knowledge.ingest(settings, list(paths) or None, prune=prune, progress=progress)
    if as_json:
        echo_json(report)
    else:
        for r in report.results:
            if r.status == "failed":
                warn(f"failed: {r.message}")
            elif r.status in ("added", "updated"):
                click.echo(f"{r.status:9} {r.source_id} (+{r.chunks_added} -{r.chunks_removed})")
            elif r.status == "removed":
                click.echo(f"removed   {r.source_id} (-{r.chunks_removed})")
        for w in report.warnings:
            warn(f"warning: {w}")
        click.echo(
            f"{report.files} files: {report.chunks_added} chunks added, {report.chunks_removed} "
            f"removed, {report.unchanged} unchanged, {report.failed} failed; "
            f"{report.total_chunks} chunks in store ({report.seconds:.1f} s)"
        )
    if report.failed or (strict and report.warnings):
        return EXIT_ERROR
    return EXIT_OK


@click.group()
def kb() -> None:
    """Search and inspect the knowledge base."""


@kb.command("search")
@click.argument("query")
@click.option(
    "-k",
    "--top",
    "k",
    default=5,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Number of passages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
@settings_options
def search_command(
    query: str,
    k: int,
    as_json: bool,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Show the passages that best match QUERY, with source, headings, location and score."""
    from app import knowledge

    if not query.strip():
        raise click.BadParameter("the query is empty", param_hint="QUERY")
    settings = make_settings(data_dir, llm, llm_base_url)
    store = knowledge.open_store(settings)
    if store.count() == 0:
        warn("mlsd: the knowledge base is empty; run `mlsd ingest` first")
        return EXIT_ERROR
    hits = knowledge.search(settings, query, k, store=store)
    if as_json:
        echo_json([h.model_dump() for h in hits])
        return EXIT_OK
    for rank, hit in enumerate(hits, start=1):
        where = hit.location.label()
        click.secho(f"{rank}. {hit.title} — {hit.heading_label}", bold=True)
        click.echo(f"   {hit.source_id}{', ' + where if where else ''}   score {hit.score:.3f}")
        snippet = " ".join(hit.text.split())
        click.echo(f"   {snippet[:400]}{'…' if len(snippet) > 400 else ''}\n")
    return EXIT_OK


@kb.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@settings_options
def stats_command(
    as_json: bool, data_dir: Path | None, llm: str | None, llm_base_url: str | None
) -> int:
    """Show sources, chunk counts and the embedding model of the knowledge base."""
    from app import knowledge

    settings = make_settings(data_dir, llm, llm_base_url)
    stats = knowledge.stats(settings)
    if as_json:
        echo_json(stats)
        return EXIT_OK
    click.echo(f"store:           {stats.backend}")
    click.echo(f"collection:      {stats.collection}")
    click.echo(f"embedding model: {stats.embedding_model}")
    click.echo(f"sources:         {len(stats.sources)}")
    click.echo(f"chunks:          {stats.chunks}")
    for s in stats.sources:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.ingested_at))
        click.echo(f"  {s.chunks:5d}  {when}  {s.source_id}")
    return EXIT_OK


@kb.command("remove")
@click.argument("sources", nargs=-1, required=True)
@settings_options
def remove_command(
    sources: tuple[str, ...], data_dir: Path | None, llm: str | None, llm_base_url: str | None
) -> int:
    """Remove every chunk of the given source ids (as `mlsd kb stats` lists them)."""
    from app import knowledge

    settings = make_settings(data_dir, llm, llm_base_url)
    store = knowledge.open_store(settings)
    with store.writing():
        by_source = store.chunk_ids_by_source()
        missing = [s for s in sources if s not in by_source]
        for s in sources:
            if s in by_source:
                n = store.delete(sorted(by_source[s]))
                click.echo(f"removed {s} (-{n})")
    for s in missing:
        warn(f"mlsd: no source '{s}' in the knowledge base")
    return EXIT_ERROR if missing else EXIT_OK
