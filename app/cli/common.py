"""Pieces every command shares: the root group, settings options, exit codes, JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import BaseModel

from app.settings import Settings, load_settings

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="mlsd", prog_name="mlsd")
def cli() -> None:
    """mlsd: a review assistant for machine-learning system design documents.

    Exit status: 0 success, 1 findings at or above the fail level, 2 the tool could not do
    its job (bad input, configuration, model or store error). Settings come from flags,
    MLSD_* environment variables and mlsd.toml; `mlsd settings` lists them.
    """


_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


class Duration(click.ParamType[float]):
    """Seconds, written as 300, 300s, 5m or 1h."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = text[len(number) :]
        try:
            seconds = float(number) * _UNITS[unit]
        except (ValueError, KeyError):
            self.fail(f"'{value}' is not a duration (use 300, 300s, 5m or 1h)", param, ctx)
        if not 0 < seconds < 10**7:
            self.fail(f"'{value}' must be more than 0 seconds", param, ctx)
        return seconds


DURATION = Duration()


def settings_options(func: F) -> F:
    """Options every command takes that override settings."""
    func = click.option(
        "--data-dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Where the knowledge base lives [MLSD_DATA_DIR, default .mlsd].",
    )(func)
    func = click.option(
        "--llm",
        "llm",
        default=None,
        metavar="SPEC",
        help="Chat model: none, ollama:NAME, openai:NAME, provider:model [MLSD_LLM].",
    )(func)
    func = click.option(
        "--llm-base-url",
        default=None,
        metavar="URL",
        help="Base URL of the LLM server [MLSD_LLM_BASE_URL].",
    )(func)
    return func


def make_settings(
    data_dir: Path | None, llm: str | None, llm_base_url: str | None, **extra: Any
) -> Settings:
    """Settings with command-line overrides applied."""
    return load_settings(data_dir=data_dir, llm=llm, llm_base_url=llm_base_url, **extra)


def echo_json(data: BaseModel | dict[str, Any] | list[Any]) -> None:
    """Print machine-readable output."""
    if isinstance(data, BaseModel):
        click.echo(data.model_dump_json(indent=2))
    else:
        click.echo(json.dumps(data, indent=2, default=str))


def warn(message: str) -> None:
    """A line on stderr."""
    click.echo(message, err=True)
