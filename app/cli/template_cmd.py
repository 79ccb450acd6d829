"""`mlsd template show`."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.common import EXIT_OK, echo_json, make_settings, settings_options
from app.rubric import load_rubric


@click.group()
def template() -> None:
    """Inspect design-doc templates."""


@template.command("show")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the rubric as JSON.")
@settings_options
def show_command(
    path: Path | None,
    as_json: bool,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Parse a template (default: the configured one) into a rubric and print it.

    Accepts Markdown templates with 'Guiding questions:' lists (also inside <details>),
    templates whose questions are sentences ending in '?', phase lists ('Phase:' lines with
    short items) and YAML rubrics.
    """
    settings = make_settings(data_dir, llm, llm_base_url)
    rubric = load_rubric(path or settings.template)
    if as_json:
        echo_json(rubric)
        return EXIT_OK
    click.secho(f"{rubric.title}", bold=True)
    click.echo(
        f"id {rubric.id}  version {rubric.version}  shape {rubric.shape}  "
        f"{len(rubric.sections)} sections, {rubric.question_count} questions\n"
    )
    part = None
    for section in rubric.sections:
        if section.part and section.part != part:
            part = section.part
            click.secho(part, bold=True)
        click.secho(f"  {section.label}  [{section.id}]", bold=True)
        if section.aliases:
            click.echo(f"    aliases: {', '.join(section.aliases)}")
        for point in section.key_points:
            click.echo(f"    • {point}")
        for q in section.questions:
            extra = [q.severity.value] + ([f"expects {q.expects.value}"] if q.expects else [])
            click.echo(f"    {q.id:32} {q.text}  ({', '.join(extra)})")
    return EXIT_OK
