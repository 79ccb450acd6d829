"""A command line as quick as a linter: `--version` and `--help` import no model, store,
UI or LLM library (what they import is checked, not timed: timings live in `make bench`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "torch",
    "transformers",
    "sentence_transformers",
    "chromadb",
    "gradio",
    "langchain_core",
    "onnxruntime",
    "numpy",
    "pypdf",
    "docx",
    "bs4",
)


def imported_after(*argv: str) -> tuple[int, list[str], str]:
    """(exit code, heavy modules imported, output) of `mlsd ARGV` run in a fresh interpreter."""
    code = (
        "import sys, json\n"
        "from app.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit as exc:\n"
        "    status = exc.code or 0\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('@@' + json.dumps([status, heavy]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    out = done.stdout
    status, heavy = json.loads(out.rsplit("@@", 1)[1])
    return int(status), heavy, out


@pytest.mark.parametrize(
    "argv",
    [
        ("--version",),
        ("--help",),
        ("review", "--help"),
        ("ingest", "--help"),
        ("ask", "--help"),
        ("serve", "--help"),
        ("template", "--help"),
        ("eval", "--help"),
    ],
)
def test_version_and_help_load_no_model_store_or_ui(argv: tuple[str, ...]) -> None:
    status, heavy, out = imported_after(*argv)
    assert status == 0, out
    assert heavy == [], f"mlsd {' '.join(argv)} imported {heavy}"


def test_the_command_list_holds_every_command_and_the_eval_plugin() -> None:
    status, _, out = imported_after("--help")
    assert status == 0
    for command in ("review", "ingest", "kb", "template", "ask", "chat", "llm", "serve", "eval"):
        assert f"  {command} " in out or f"  {command}\n" in out, command


def test_an_unknown_command_is_a_one_line_error() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main(['revieww'])"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "No such command 'revieww'" in done.stderr and "Traceback" not in done.stderr
