"""`mlsd eval`, registered through the `mlsd.commands` entry point (app never imports evals)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.cli.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    FirstBuild,
    make_settings,
    settings_options,
    warn,
)

if TYPE_CHECKING:
    from app.review.pipeline import Reviewer
    from evals.realdocs.templates import TemplateMap
    from evals.run import EvalReport

RESULTS = Path(__file__).parent / "results"


def _table(report: EvalReport) -> str:
    r = report.review
    rows = [
        ("mode", report.mode),
        ("cases", str(r.cases)),
        (
            "section gap precision / recall / F1",
            f"{r.section_gap['precision']:.3f} / {r.section_gap['recall']:.3f} / "
            f"{r.section_gap['f1']:.3f}",
        ),
        ("section status accuracy", f"{r.section_accuracy:.3f}"),
        ("question verdict accuracy (4 classes)", f"{r.question_accuracy:.3f}"),
        ("question answered-or-not accuracy", f"{r.question_answered_accuracy:.3f}"),
        ("risk precision / recall", f"{r.risk['precision']:.3f} / {r.risk['recall']:.3f}"),
        (
            "mutations detected",
            f"{report.mutations.mutations_detected:.3f} of {report.mutations.mutations}"
            if report.mutations and report.mutations.mutations
            else "-",
        ),
        ("citation relevance", f"{report.citation_relevance:.3f}"),
        (
            "retrieval hit@1 / hit@5 / MRR@10 (template questions)",
            f"{report.retrieval_template.hit_at_1:.3f} / {report.retrieval_template.hit_at_5:.3f}"
            f" / {report.retrieval_template.mrr_at_10:.3f}",
        ),
        (
            "retrieval hit@1 / hit@5 / MRR@10 (trade-off questions)",
            f"{report.retrieval_tradeoffs.hit_at_1:.3f} / "
            f"{report.retrieval_tradeoffs.hit_at_5:.3f} / "
            f"{report.retrieval_tradeoffs.mrr_at_10:.3f}",
        ),
        ("seconds per review", f"{report.seconds_per_review:.2f}"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


@click.command("eval")
@click.option(
    "--check", is_flag=True, help="Exit 1 when a figure is under its floor (evals/floors.yaml)."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the report as JSON here (default: print only).",
)
@click.option("--no-mutations", is_flag=True, help="Skip the mutation cases.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--calibrate",
    is_flag=True,
    help="Search the offline thresholds on the cases "
    "and print the best ones (slow: about 5 minutes).",
)
@click.option(
    "--realdocs",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Measure on the real-doc corpus texts in this folder (filled by "
    "`python -m evals.realdocs.fill DIR`), with the section model cross-validated by document.",
)
@click.option(
    "--inject",
    is_flag=True,
    help="With --realdocs: run the flaw-injection suite on the Markdown and text docs there "
    "(each flaw next to its clean control) instead of the status figures.",
)
@click.option(
    "--fit",
    is_flag=True,
    help="With --realdocs: print the section-status model fitted on every corpus doc "
    "(the weights app/review/thresholds.py ships).",
)
@click.option(
    "--template-map",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="With --realdocs: compare reviews against the default template with reviews against "
    "the template this map names (evals/templates/second-map.yaml), on the same mapped labels.",
)
@click.option(
    "--subset",
    type=click.IntRange(min=1),
    default=None,
    help="With --llm: review only this many labelled cases (spread over their kinds), "
    "offline and with the model, and compare both with the labels. For a slow local model.",
)
@settings_options
def eval_command(
    check: bool,
    out: Path | None,
    no_mutations: bool,
    as_json: bool,
    calibrate: bool,
    realdocs: Path | None,
    inject: bool,
    fit: bool,
    template_map: Path | None,
    subset: int | None,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Measure review quality and retrieval on the labelled drafts in evals/cases.

    Offline by default; with --llm SPEC the same harness judges with that model, so teams
    can compare models on the same cases.
    """
    from app.api import make_reviewer
    from evals.run import check_floors, evaluate, load_floors

    if realdocs is not None and not realdocs.is_dir():
        warn(f"mlsd eval: {realdocs} is not a folder; fill it with python -m evals.realdocs.fill")
        return EXIT_ERROR
    mapping = None
    if realdocs is not None and template_map is not None and not inject:
        from evals.realdocs.templates import load_map

        mapping = load_map(template_map)  # a bad map fails before the slow set-up
    settings = make_settings(data_dir, llm, llm_base_url)
    reviewer = make_reviewer(settings, use_cache=False, on_build=FirstBuild(settings).start)
    if subset is not None:
        if reviewer.llm is None:
            warn("mlsd eval: --subset compares a model with offline; give the model with --llm")
            return EXIT_ERROR
        return _llm_subset(reviewer, subset, out, as_json)
    if realdocs is not None:
        if inject:
            return _inject(reviewer, realdocs, out, as_json)
        if mapping is not None:
            return _templates(reviewer, realdocs, mapping, out, as_json)
        return _realdocs(reviewer, realdocs, out, as_json, fit)
    if calibrate:
        from evals.calibrate import calibrate as run_calibration
        from evals.cases import load_cases
        from evals.review_eval import prepare

        prepared = [prepare(reviewer, c) for c in load_cases()]
        result = run_calibration(reviewer, prepared, reviewer.thresholds, cross_validate=True)
        click.echo(result.model_dump_json(indent=2))
        return EXIT_OK
    report = evaluate(reviewer, with_mutations=not no_mutations)
    report.failures = check_floors(report, load_floors()) if check else []
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(_table(report))
        for failure in report.failures:
            warn(f"mlsd eval: {failure}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report.model_dump(), indent=2), encoding="utf-8")
    return EXIT_FINDINGS if report.failures else EXIT_OK


def _realdocs(reviewer: Reviewer, folder: Path, out: Path | None, as_json: bool, fit: bool) -> int:
    from evals.realdocs.evaluate import (
        case_rows,
        evaluate_realdocs,
        fit_model,
        judge_corpus,
        pooled_rows,
    )
    from evals.realdocs.labels import load_labels
    from evals.realdocs.report import render_realdocs
    from evals.realdocs.templates import other_templates

    others = other_templates(_reviewer_for(reviewer), folder)
    if fit:
        labels = [d for d in load_labels() if d.english]
        rows, statuses = pooled_rows(judge_corpus(reviewer, folder, labels), others)
        if not rows:
            warn(f"mlsd eval: no corpus text in {folder}")
            return EXIT_ERROR
        click.echo(json.dumps(fit_model(rows, statuses, case_rows(reviewer))))
        return EXIT_OK
    report = evaluate_realdocs(reviewer, folder, others=others)
    if report.docs == 0:
        warn(f"mlsd eval: no corpus text in {folder}; fill it with python -m evals.realdocs.fill")
        return EXIT_ERROR
    click.echo(report.model_dump_json(indent=2) if as_json else render_realdocs(report))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return EXIT_OK


def _llm_subset(reviewer: Reviewer, subset: int, out: Path | None, as_json: bool) -> int:
    from app.review.pipeline import Reviewer
    from evals.cases import load_cases
    from evals.llm_eval import compare_llm, pick_cases, render

    offline = Reviewer(
        reviewer.settings.model_copy(update={"llm": "none"}),
        reviewer.store,
        use_cache=False,
    )
    report = compare_llm(offline, reviewer, pick_cases(load_cases(), subset))
    click.echo(report.model_dump_json(indent=2) if as_json else render(report))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return EXIT_OK


def _reviewer_for(reviewer: Reviewer) -> Callable[[Path], Reviewer]:
    """Reviewers of other templates sharing this one's settings, store and LLM."""
    from app.review.pipeline import Reviewer
    from app.rubric import load_rubric

    def build(template: Path) -> Reviewer:
        return Reviewer(
            reviewer.settings,
            reviewer.store,
            rubric=load_rubric(template),
            use_cache=False,
            llm=reviewer.llm,
        )

    return build


def _templates(
    reviewer: Reviewer,
    folder: Path,
    mapping: TemplateMap,
    out: Path | None,
    as_json: bool,
) -> int:
    from evals.realdocs.templates import compare_templates, other_templates, render_comparison

    template = Path(mapping.template)
    if not template.is_absolute() and not template.exists():
        template = Path(__file__).resolve().parents[1] / template  # relative to the project
    second = _reviewer_for(reviewer)(template)
    others = other_templates(_reviewer_for(reviewer), folder)
    report = compare_templates(reviewer, second, folder, mapping, others=others)
    click.echo(report.model_dump_json(indent=2) if as_json else render_comparison(report))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return EXIT_OK


def _inject(reviewer: Reviewer, folder: Path, out: Path | None, as_json: bool) -> int:
    from evals.realdocs.inject import run_suite, table

    report = run_suite(reviewer, folder)
    click.echo(report.model_dump_json(indent=2) if as_json else table(report))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return EXIT_OK
