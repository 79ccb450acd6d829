"""`mlsd template show`."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.common import EXIT_FINDINGS, EXIT_OK, echo_json, make_settings, settings_options


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

    Every heading is a section; its checks are its guiding questions, its key points, or
    what its prose guidance asks for. Accepts Markdown (headings, 'Guiding questions:' lists,
    <details> blocks, tables of sections), plain text, DOCX, phase lists and YAML rubrics.
    `mlsd template lint` adds what the parser skipped.
    """
    from app.rubric import load_rubric

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
        marks = [m for m in (_origin(section.checks_from), "optional" * section.optional) if m]
        marked = f"  ({', '.join(marks)})" if marks else ""
        click.secho(f"  {section.label}  [{section.id}]{marked}", bold=True)
        if section.aliases:
            click.echo(f"    aliases: {', '.join(section.aliases)}")
        for point in section.key_points:
            click.echo(f"    • {point}")
        for q in section.questions:
            extra = [q.severity.value] + ([f"expects {q.expects.value}"] if q.expects else [])
            click.echo(f"    {q.id:32} {q.text}  ({', '.join(extra)})")
    return EXIT_OK


def _origin(checks_from: str) -> str:
    return {
        "questions": "",
        "key points": "checks from key points",
        "prose": "checks from its prose",
        "table": "checks from a table row",
        "title": "checked by title only",
    }.get(checks_from, checks_from)


@template.command("lint")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 when there is any warning.")
@click.option("--json", "as_json", is_flag=True, help="Print sections and notes as JSON.")
def lint_command(path: Path, strict: bool, as_json: bool) -> int:
    """Show what the parser understood of a template, and warn about what it skipped.

    One line per section (its id, where its checks came from, how many) and one per note:
    a heading with nothing to check, an id renamed because another heading took it, a
    question cut short, text that is not checked. Exit status: 0, or 1 with --strict when
    there are warnings; 2 when the template cannot be parsed at all.
    """
    from app.rubric import load_rubric

    rubric = load_rubric(path)
    warnings = [n for n in rubric.notes if n.level == "warning"]
    if as_json:
        echo_json(
            {
                "template": str(path),
                "title": rubric.title,
                "shape": rubric.shape,
                "sections": [
                    {
                        "id": s.id,
                        "label": s.label,
                        "part": s.part,
                        "checks": len(s.questions),
                        "checks_from": s.checks_from,
                        "optional": s.optional,
                    }
                    for s in rubric.sections
                ],
                "notes": [n.model_dump() for n in rubric.notes],
            }
        )
    else:
        optional = sum(1 for s in rubric.sections if s.optional)
        click.echo(
            f"{path}: {rubric.title} ({rubric.shape}): {len(rubric.sections)} sections"
            + (f" ({optional} optional)" if optional else "")
            + f", {rubric.question_count} checks"
        )
        for section in rubric.sections:
            origin = section.checks_from + (", optional" if section.optional else "")
            click.echo(
                f"  {section.label[:60]:60}  {len(section.questions):2} from {origin:12} "
                f"[{section.id}]"
            )
        for note in rubric.notes:
            click.echo(f"{note.level}: {note.message}")
        click.echo(f"{len(warnings)} warning(s), {len(rubric.notes) - len(warnings)} note(s)")
    return EXIT_FINDINGS if strict and warnings else EXIT_OK
