"""The `mlsd` command line. Each command group lives in its own module, imported when it runs
(app.cli.common.COMMANDS); this one turns every error into a one-line message and an exit
status (never a traceback)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from app.cli.common import EXIT_ERROR, cli
from app.errors import MlsdError

__all__ = ["cli", "main"]


def _settings_error(exc: Any) -> str:
    """A settings ValidationError in one line."""
    from app.settings import config_file

    first = exc.errors()[0]
    field = ".".join(str(x) for x in first["loc"]) or "settings"
    where = f"MLSD_{str(first['loc'][0]).upper()}" if first["loc"] else "MLSD_*"
    if (path := config_file()) is not None:
        where += f" or {path}"
    return f"invalid setting {field} ({where}): {first['msg']}"


def _is_validation_error(exc: Exception) -> bool:
    """A pydantic ValidationError (bad settings), checked without importing pydantic: a
    command that never loaded it cannot have raised one."""
    core: Any = sys.modules.get("pydantic_core")
    return core is not None and isinstance(exc, core.ValidationError)


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
    except KeyboardInterrupt:
        click.echo("mlsd: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if _is_validation_error(exc):
            click.echo(f"mlsd: error: {_settings_error(exc)}", err=True)
            sys.exit(EXIT_ERROR)
        if os.environ.get("MLSD_DEBUG"):
            raise
        click.echo(
            f"mlsd: internal error: {type(exc).__name__}: {exc} "
            "(set MLSD_DEBUG=1 for the traceback and please report it)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else 0)
