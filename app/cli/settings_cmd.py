"""`mlsd settings`: every setting, its environment variable, current value and help."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.common import EXIT_OK, echo_json, make_settings, settings_options
from app.settings import Settings


@click.command("settings")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@settings_options
def settings_command(
    as_json: bool, data_dir: Path | None, llm: str | None, llm_base_url: str | None
) -> int:
    """List every setting with its environment variable, current value and help text."""
    settings = make_settings(data_dir, llm, llm_base_url)
    rows = []
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        shown = "***" if "key" in name and value is not None else str(value)
        rows.append(
            {
                "name": name,
                "env": f"MLSD_{name.upper()}",
                "value": shown,
                "help": field.description or "",
            }
        )
    if as_json:
        echo_json(rows)
        return EXIT_OK
    for row in rows:
        click.secho(f"{row['env']}", bold=True, nl=False)
        click.echo(f" = {row['value']}\n    {row['help']}")
    return EXIT_OK
