"""`.ci/run` is what CI executes: it must parse as bash and end in the README's test command
(a stray edit once broke its quoting and CI failed in 2 s)."""

from __future__ import annotations

import subprocess

from tests.conftest import PROJECT


def test_the_ci_entry_point_parses_and_runs_the_readme_test_command() -> None:
    script = PROJECT / ".ci" / "run"
    checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[-1] == "make test"
    assert "make test" in (PROJECT / "README.md").read_text(encoding="utf-8")
