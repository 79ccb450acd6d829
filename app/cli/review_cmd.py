"""`mlsd review`: review one draft or a whole folder of design docs."""

from __future__ import annotations

import glob
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.cli.common import (
    DURATION,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    FirstBuild,
    make_settings,
    settings_options,
    warn,
)
from app.reports import FILE_SUFFIX, FORMATS, render, render_sarif_many, review_json_schema

if TYPE_CHECKING:
    from app.review import BatchItem, Review
    from app.review.baseline import Baseline


def _report_name(path: str) -> str:
    """A file name for a document's report: 'docs/a/b.md' -> 'docs__a__b'. Names can
    collide ('a/b.md' and 'a__b.md', 'x.md' and 'x.docx'); _report_names makes them unique."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    stem = "/".join("up" if p == ".." else p for p in parts)
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", stem)
    return re.sub(r"[^\w.-]+", "__", stem).strip("_.") or "draft"


def _report_names(paths: list[Path]) -> list[str]:
    """A distinct report name per document, from its path relative to the working
    directory (or as given when outside it). A clash gets the file's suffix, then a
    number: two documents never write to the same report file."""
    cwd = Path.cwd()
    names: list[str] = []
    used: set[str] = set()
    for path in paths:
        try:
            shown = Path(os.path.normpath(cwd / path)).relative_to(cwd).as_posix()
        except ValueError:
            shown = path.as_posix()
        name = _report_name(shown)
        if name.casefold() in used and path.suffix:
            name = f"{name}.{path.suffix.lstrip('.').lower()}"
        unique, n = name, 2
        while unique.casefold() in used:  # case-insensitive file systems clash too
            unique, n = f"{name}-{n}", n + 1
        used.add(unique.casefold())
        names.append(unique)
    return names


def _expand_globs(targets: list[str]) -> tuple[list[str], list[str]]:
    """Targets with glob patterns replaced by the files they match, and the patterns that
    matched nothing. A file reached by two routes (a link to its folder) is listed once."""
    out: list[str] = []
    unmatched: list[str] = []
    for target in targets:
        if Path(target).exists() or not any(ch in target for ch in "*?["):
            out.append(target)
            continue
        matches: list[str] = []
        seen: set[str] = set()
        for match in _glob(target):
            real = os.path.realpath(match)
            if match.is_file() and real not in seen:
                seen.add(real)
                matches.append(str(match))
        out.extend(matches)
        if not matches:
            unmatched.append(target)
    return out, unmatched


def _glob(target: str) -> list[Path]:
    """Paths matching a pattern, hidden ones left out as the shell does.

    `glob.glob(..., recursive=True)` follows symbolic links to folders under `**`, so a
    link loop makes it run forever; pathlib's `**` does not follow them. Patterns without
    `**` do not recurse, so glob.glob is safe for them."""
    anchor, pattern = _split_glob(target)
    if "**" not in Path(pattern).parts:
        return sorted(Path(p) for p in glob.glob(target))
    skip = len(Path(anchor).parts)
    try:
        found = sorted(Path(anchor).glob(pattern))
    except (OSError, ValueError):
        return []
    return [p for p in found if not any(part.startswith(".") for part in p.parts[skip:])]


def _split_glob(target: str) -> tuple[str, str]:
    """('docs', 'a/**/*.md') for 'docs/a/**/*.md': the folder before the first wildcard and
    the pattern after it."""
    parts = Path(target).parts
    for index, part in enumerate(parts):
        if any(ch in part for ch in "*?["):
            anchor = str(Path(*parts[:index])) if index else "."
            return anchor, str(Path(*parts[index:]))
    return target, ""


def _not_regular(paths: list[Path], targets: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """Paths that are regular files (or missing: reported as such by the review), and one
    line per FIFO, device or socket. Those are never opened: a FIFO blocks forever and
    /dev/zero never ends. Found in a folder they are skipped; named outright, they fail."""
    from ingest.loaders import file_kind

    named = {str(Path(t)) for t in targets}
    keep: list[Path] = []
    problems: list[str] = []
    for path in paths:
        try:
            mode = path.stat().st_mode
        except OSError:
            keep.append(path)  # missing, a broken link or a loop: the loader says which
            continue
        line = f"{path}: not a regular file ({file_kind(mode)})"
        if stat.S_ISREG(mode):
            keep.append(path)
        elif str(path) in named:
            problems.append(line)
        else:
            warn(f"mlsd: skipped {line}")
    return keep, problems


def _edits(review: Review) -> list:  # type: ignore[type-arg]
    return [f.suggested_edit for f in review.all_findings() if f.suggested_edit is not None]


def _diff(review: Review, path: Path) -> str:
    from app.review.edits import unified_diff

    if review.document_format not in ("markdown", "text"):
        raise click.UsageError(
            f"{path}: --diff needs a Markdown or text draft, not {review.document_format}"
        )
    from app.draft import draft_lines_text

    original = draft_lines_text(path.read_bytes())
    return unified_diff(str(path), original, _edits(review))


@click.command("review")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--template",
    type=click.Path(path_type=Path),
    default=None,
    help="Template to review against [MLSD_TEMPLATE; default: the bundled one].",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Report format; repeat for several. Default: text on the terminal; "
    "markdown and json files with --out.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for report files (one per document and format, plus mlsd.sarif).",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the suggested edits as a unified diff (`git apply` accepts it).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "none"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding has this severity or worse.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when a document scores under this (0-100).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 32),
    default=2,
    show_default=True,
    help="Documents reviewed in parallel.",
)
@click.option("--no-cache", is_flag=True, help="Recompute even when a cached review exists.")
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Review only the documents among TARGETS changed since this git ref (from its merge "
    "base with HEAD, uncommitted and untracked files included). None changed: exit 0.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Findings this baseline file holds are shown as suppressed and never fail the run: "
    "only new findings count.",
)
@click.option(
    "--write-baseline",
    "write_baseline_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Record the findings of this run in a baseline file (entries of documents not "
    "reviewed this run are kept) and exit 0 unless a document failed.",
)
@click.option(
    "--skip-unsupported",
    is_flag=True,
    help="Skip documents that are not ML design docs or not in English, with a note, "
    "instead of failing (for hooks that get every changed Markdown file).",
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Text and Markdown reports list every verdict, finding and suggested edit, not only "
    "what to fix first and the ranked findings (JSON, HTML and SARIF always hold everything).",
)
@click.option(
    "--llm-budget",
    "llm_budget",
    type=DURATION,
    default=None,
    metavar="SECONDS",
    help="Time all LLM calls of a review may take together, e.g. 300s or 15m; sections the "
    "model cannot judge within it are judged offline [MLSD_LLM_BUDGET, default 900s].",
)
@settings_options
def review_command(
    targets: tuple[str, ...],
    template: Path | None,
    formats: tuple[str, ...],
    out: Path | None,
    show_diff: bool,
    fail_on: str,
    fail_under: float | None,
    jobs: int,
    no_cache: bool,
    changed_since: str | None,
    baseline_file: Path | None,
    write_baseline_file: Path | None,
    skip_unsupported: bool,
    show_all: bool,
    llm_budget: float | None,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Review design docs (Markdown, text, PDF, DOCX) against the template.

    TARGETS are files, folders (searched recursively; README, CHANGELOG and LICENSE files
    are skipped) or quoted glob patterns such as 'docs/**/*.md'. One document prints a
    readable review; several print a summary table. Findings silenced by the configuration
    ([rules] in mlsd.toml), by mlsd-disable comments in the draft or by --baseline are listed
    as suppressed and never counted. Exit status: 0 clean, 1 a finding at or above --fail-on
    or a score under --fail-under, 2 a document could not be reviewed.
    """
    from app.api import make_reviewer
    from app.changes import changed_since as changed_since_ref
    from app.review import discover, fails, review_many
    from app.review.baseline import load_baseline
    from app.rubric.models import Severity

    extra = {"llm_budget": llm_budget} if llm_budget is not None else {}
    settings = make_settings(data_dir, llm, llm_base_url, **extra)
    baseline = load_baseline(baseline_file) if baseline_file is not None else None
    expanded, unmatched = _expand_globs(list(targets))
    paths, more_unmatched = discover(expanded) if expanded else ([], [])
    paths, special = _not_regular(paths, targets)
    for pattern in [*unmatched, *more_unmatched]:
        warn(f"mlsd: no files match '{pattern}'")
    for line in special:
        warn(f"mlsd: error: {line}")
    if changed_since is not None and paths:
        # git runs where the documents are, which need not be the working directory.
        changed = changed_since_ref(changed_since, paths[0].resolve().parent)
        paths = [p for p in paths if p.resolve() in changed]
        if not paths and not special:
            warn(f"mlsd: no design docs among the targets changed since {changed_since}")
            if out is not None:
                _write_summary(out, [], [], [])
            return EXIT_OK
    if not paths:
        warn("mlsd: nothing to review")
        return EXIT_ERROR
    reviewer = make_reviewer(
        settings,
        template,
        use_cache=not no_cache,
        on_build=FirstBuild(settings).start,
    )
    single = len(paths) == 1 and len(targets) == 1 and Path(targets[0]).is_file()

    def progress(item: BatchItem) -> None:
        if not single:
            status = f"score {item.review.score:5.1f}" if item.review else "failed"
            warn(f"reviewed {item.path}: {status}")

    def stage(path: Path, text: str, fraction: float) -> None:
        # LLM mode is slow on a local model: say which section is done as each one is.
        if text.startswith("LLM "):
            warn(f"mlsd: {path}: {text}")

    items = review_many(reviewer, paths, jobs=jobs, on_done=progress, on_stage=stage)
    level = None if fail_on == "none" else Severity(fail_on)
    skipped = [i for i in items if i.unsupported and skip_unsupported]
    failed = [i for i in items if i.review is None and i not in skipped]
    for item in skipped:
        warn(f"mlsd: skipped {item.error}")
    for item in failed:
        warn(f"mlsd: error: {item.error}")
    reviews = [(Path(i.path), i.review) for i in items if i.review is not None]
    if baseline is not None and baseline_file is not None:
        reviews = _against_baseline(reviews, baseline, baseline_file)
    if write_baseline_file is not None:
        _write_baseline(write_baseline_file, reviews)

    if show_diff:
        for path, review in reviews:
            click.echo(_diff(review, path), nl=False)
    if out is not None:
        _write_reports(out, reviews, formats or ("markdown", "json"), show_all)
        _write_summary(out, reviews, failed, skipped)
    elif not show_diff:
        if single and reviews:
            fmt = formats[0] if formats else "text"
            click.echo(render(reviews[0][1], fmt, full=show_all))
        elif formats and formats[0] == "sarif":
            click.echo(render_sarif_many([r for _, r in reviews]))
        elif formats and formats[0] == "github":
            for _, review in reviews:
                click.echo(render(review, "github"), nl=False)
        else:
            _summary(reviews, failed)
    for review in (r for _, r in reviews):
        for message in review.warnings:
            warn(f"mlsd: {review.document}: {message}")
    if failed or special:
        return EXIT_ERROR
    if write_baseline_file is not None:
        return EXIT_OK
    if any(fails(r, level, fail_under) for _, r in reviews):
        return EXIT_FINDINGS
    return EXIT_OK


def _write_reports(
    out: Path, reviews: list[tuple[Path, Review]], formats: tuple[str, ...], full: bool = False
) -> None:
    from app.review.edits import unified_diff

    out.mkdir(parents=True, exist_ok=True)
    files: dict[Path, str] = {}
    names = _report_names([path for path, _ in reviews])
    for (path, review), name in zip(reviews, names, strict=True):
        for fmt in formats:
            target = out / f"{name}{FILE_SUFFIX[fmt]}"
            if fmt in ("text", "github"):
                target = out / f"{name}.{fmt}.txt"
            files[target] = render(review, fmt, full=full)
        if review.document_format in ("markdown", "text"):
            diff = unified_diff(
                str(path), path.read_bytes().decode("utf-8", "replace"), _edits(review)
            )
            if diff:
                files[out / f"{name}.diff"] = diff
    files[out / "mlsd.sarif"] = render_sarif_many([r for _, r in reviews])
    from app.files import write_atomic

    replaced = [target.name for target in files if target.exists()]
    for target, text in files.items():
        write_atomic(target, text)
    if replaced:
        more = f" and {len(replaced) - 3} more" if len(replaced) > 3 else ""
        shown = ", ".join(replaced[:3]) + more
        warn(f"mlsd: replaced {len(replaced)} report file(s) of an earlier run in {out}: {shown}")
    warn(f"mlsd: wrote reports for {len(reviews)} document(s) to {out}")


def _against_baseline(
    reviews: list[tuple[Path, Review]], baseline: Baseline, baseline_file: Path
) -> list[tuple[Path, Review]]:
    """The reviews with the findings the baseline holds suppressed, and one line saying
    how many were known, how many are new and how many entries are fixed now."""
    from app.review.baseline import apply_baseline, document_key, stale_entries

    root = baseline_file.parent
    out = [(p, apply_baseline(r, document_key(p, root), baseline)) for p, r in reviews]
    known = sum(1 for _, r in out for s in r.suppressed if s.by == "baseline")
    new = sum(len(r.all_findings()) for _, r in out)
    fixed = stale_entries(baseline, [(document_key(p, root), r) for p, r in out])
    line = f"mlsd: baseline {baseline_file}: {known} known finding(s) suppressed, {new} new"
    if fixed:
        line += f"; {fixed} baseline entries fixed since (--write-baseline drops them)"
    warn(line)
    return out


def _write_baseline(path: Path, reviews: list[tuple[Path, Review]]) -> None:
    from app.review.baseline import document_key, load_baseline, updated, write_baseline

    previous = load_baseline(path) if path.exists() else None
    root = path.parent
    keyed = [(document_key(p, root), r) for p, r in reviews]
    baseline = updated(previous, keyed)
    write_baseline(path, baseline)
    count = sum(len(r.all_findings()) for _, r in reviews)
    warn(
        f"mlsd: wrote {path}: {count} finding(s) of {len(reviews)} document(s) accepted "
        f"({len(baseline.entries)} entries in all)"
    )


def _write_summary(
    out: Path,
    reviews: list[tuple[Path, Review]],
    failed: list[BatchItem],
    skipped: list[BatchItem],
) -> None:
    """summary.md in the report folder: the run on one page (the Action's job summary)."""
    from app.reports.summary import render_summary

    out.mkdir(parents=True, exist_ok=True)
    text = render_summary(
        [(str(p), r) for p, r in reviews],
        [(i.path, i.error) for i in failed],
        [(i.path, i.error) for i in skipped],
    )
    from app.files import write_atomic

    write_atomic(out / "summary.md", text)


def _summary(reviews: list[tuple[Path, Review]], failed: list[BatchItem]) -> None:
    from app.rubric.models import Severity

    rows = [
        (
            str(p),
            f"{r.score:.0f}",
            str(r.count(Severity.ERROR)),
            str(r.count(Severity.WARNING)),
            str(r.count(Severity.NOTE)),
            "yes" if r.cached else "",
        )
        for p, r in reviews
    ]
    rows += [(i.path, "-", "-", "-", "-", "failed") for i in failed]
    header = ("document", "score", "errors", "warnings", "notes", "cached")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    if reviews:
        mean = sum(r.score for _, r in reviews) / len(reviews)
        click.echo(f"\n{len(reviews)} reviewed, {len(failed)} failed, mean score {mean:.0f}")
    sys.stdout.flush()


@click.command("schema")
def schema_command() -> int:
    """Print the JSON Schema of the review JSON report (schemas/review.schema.json)."""
    click.echo(json.dumps(review_json_schema(), indent=2))
    return EXIT_OK
