"""Pieces every command shares: the root group, settings options, exit codes, JSON output."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pydantic import BaseModel

    from app.settings import Settings


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


# Each command's module, imported only when that command (or the command list) is asked for:
# `mlsd --version` and `mlsd review --help` never load the reviewer, torch or Chroma.
COMMANDS = {
    "ask": "app.cli.chat_cmd:ask_command",
    "chat": "app.cli.chat_cmd:chat_command",
    "ingest": "app.cli.kb_cmd:ingest_command",
    "kb": "app.cli.kb_cmd:kb",
    "llm": "app.cli.chat_cmd:llm_group",
    "review": "app.cli.review_cmd:review_command",
    "schema": "app.cli.review_cmd:schema_command",
    "serve": "app.cli.serve_cmd:serve_command",
    "settings": "app.cli.settings_cmd:settings_command",
    "template": "app.cli.template_cmd:template",
}
PLUGIN_GROUP = "mlsd.commands"


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; other packages add commands under
    the `mlsd.commands` entry point (`mlsd eval` comes from evals this way, so app never
    imports evals)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is not None:
            module, name = target.split(":")
            command = getattr(importlib.import_module(module), name)
            return command if isinstance(command, click.Command) else None
        entry = self._plugins().get(cmd_name)
        if entry is None:
            return None
        try:
            loaded = entry.load()
        except Exception as exc:  # a broken plugin must not break the CLI
            click.echo(f"mlsd: warning: command '{cmd_name}' failed to load: {exc}", err=True)
            return None
        return loaded if isinstance(loaded, click.Command) else None

    @staticmethod
    def _plugins() -> dict[str, EntryPoint]:
        return {e.name: e for e in entry_points(group=PLUGIN_GROUP) if e.name not in COMMANDS}


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
        help="Where the knowledge base lives [MLSD_DATA_DIR; default: the user's data "
        "directory, see `mlsd settings`].",
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
    from app.settings import load_settings

    return load_settings(data_dir=data_dir, llm=llm, llm_base_url=llm_base_url, **extra)


def echo_json(data: BaseModel | dict[str, Any] | list[Any]) -> None:
    """Print machine-readable output."""
    if hasattr(data, "model_dump_json"):
        click.echo(data.model_dump_json(indent=2))
    else:
        click.echo(json.dumps(data, indent=2, default=str))


def warn(message: str) -> None:
    """A line on stderr."""
    click.echo(message, err=True)


# Knowledge-base build speed measured on 2 cores: about 15 kB of guides per second, plus the
# model's load; for the first-run estimate only.
BUILD_BYTES_PER_SECOND_2_CORES = 15_000
BUILD_FIXED_SECONDS = 5


def _source_bytes(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            total += sum(p.stat().st_size for p in files)
        except OSError:
            continue
    return total


class FirstBuild:
    """The first build of a knowledge base, told on stderr: where it goes, about how long it
    takes, and a progress bar as the files are ingested."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._bar: Any = None

    def start(self) -> FirstBuild:
        """Announce the build; the object is then ingest's progress callback."""
        self.announce()
        return self

    def announce(self) -> None:
        """Say where the knowledge base is built and how long it should take."""
        import os

        size = _source_bytes(list(self.settings.knowledge_paths))
        cores = max(os.cpu_count() or 1, 1)
        seconds = BUILD_FIXED_SECONDS + size / BUILD_BYTES_PER_SECOND_2_CORES * 2 / min(cores, 8)
        where = self.settings.chroma_host or str(self.settings.data_dir)
        warn(
            f"mlsd: first run: building the knowledge base in {where} from "
            f"{size / 1000:.0f} kB of guides (about {seconds:.0f} s); later runs reuse it"
        )

    def __call__(self, index: int, total: int, source: str) -> None:
        """ingest's progress callback: one step per file."""
        if self._bar is None:
            make_bar: Any = click.progressbar
            self._bar = make_bar(length=total, label="mlsd: ingesting", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(1)
        if index >= total:
            self._bar.__exit__(None, None, None)
            self._bar = None
