"""The `mlsd` command line. Each command group lives in its own module; this one wires them
and turns every error into a one-line message and an exit status (never a traceback)."""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points

import click
from pydantic import ValidationError

from app.cli.chat_cmd import ask_command, chat_command, llm_group
from app.cli.common import EXIT_ERROR, cli
from app.cli.kb_cmd import ingest_command, kb
from app.cli.review_cmd import review_command, schema_command
from app.cli.serve_cmd import serve_command
from app.cli.settings_cmd import settings_command
from app.cli.template_cmd import template
from app.errors import MlsdError
from app.settings import config_file

cli.add_command(ingest_command)
cli.add_command(review_command)
cli.add_command(kb)
cli.add_command(template)
cli.add_command(settings_command)
cli.add_command(ask_command)
cli.add_command(chat_command)
cli.add_command(llm_group)
cli.add_command(schema_command)
cli.add_command(serve_command)


def _load_plugins() -> None:
    """Commands other packages register under the `mlsd.commands` entry point (`mlsd eval`
    comes from evals this way, so app never imports evals)."""
    for entry in entry_points(group="mlsd.commands"):
        try:
            command = entry.load()
        except Exception as exc:  # a broken plugin must not break the CLI
            click.echo(f"mlsd: warning: command '{entry.name}' failed to load: {exc}", err=True)
            continue
        if isinstance(command, click.Command):
            cli.add_command(command, entry.name)


_load_plugins()

__all__ = ["cli", "main"]


def _settings_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(x) for x in first["loc"]) or "settings"
    where = f"MLSD_{str(first['loc'][0]).upper()}" if first["loc"] else "MLSD_*"
    if (path := config_file()) is not None:
        where += f" or {path}"
    return f"invalid setting {field} ({where}): {first['msg']}"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `mlsd` console script."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        code = cli.main(args=argv, prog_name="mlsd", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("mlsd: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except MlsdError as exc:
        click.echo(f"mlsd: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except ValidationError as exc:
        click.echo(f"mlsd: error: {_settings_error(exc)}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("mlsd: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("MLSD_DEBUG"):
            raise
        click.echo(
            f"mlsd: internal error: {type(exc).__name__}: {exc} "
            "(set MLSD_DEBUG=1 for the traceback and please report it)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else 0)
