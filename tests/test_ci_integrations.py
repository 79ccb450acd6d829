"""The ready-made integrations, run for real: the pre-commit hook through pre-commit's own
runner, and the GitHub Action's own shell steps, both in git repositories made here.

What cannot run here is said where it is skipped: the hook's `language: python` environment
(pre-commit would pip-install mlsd with torch, several GB, so the runner gets the same hook
with `language: system` and this project's `mlsd`), and the Action's `uses:` steps
(setup-python, upload-sarif), which only exist on GitHub's runners."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, PROJECT

pytestmark = pytest.mark.slow
CASES = PROJECT / "evals" / "cases"
BIN = Path(sys.executable).parent
MLSD = BIN / "mlsd"
PRE_COMMIT = BIN / "pre-commit"
BASELINE = ".mlsd-baseline.json"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def environment(kb_dir: Path, home: Path) -> dict[str, str]:
    """What the hook or the Action sees: this project's mlsd first on PATH, the test's
    knowledge base, no user configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLSD_", "GITHUB_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        MLSD_DATA_DIR=str(kb_dir),
        MLSD_CONFIG=str(home / "absent.toml"),
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        HF_HUB_OFFLINE="1",
    )
    return env


def design_repo(root: Path) -> Path:
    """A repository with two design docs, a README and a note that is not a design doc."""
    repo = root / "repo"
    (repo / "docs" / "design").mkdir(parents=True)
    shutil.copy(CASES / "search-partial.md", repo / "docs" / "design" / "search.md")
    shutil.copy(CASES / "fraud-complete.md", repo / "docs" / "design" / "fraud.md")
    shutil.copy(FIXTURES / "notdesign" / "recipe.md", repo / "docs" / "design" / "lunch.md")
    (repo / "README.md").write_text("# Our service\n\nSee docs/design.\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "design docs")
    return repo


def accept_findings(repo: Path, env: dict[str, str]) -> None:
    """Today's findings of the repo's design docs, written to .mlsd-baseline.json."""
    subprocess.run(
        [str(MLSD), "review", "docs/design", "--skip-unsupported", "--write-baseline", BASELINE],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )


def test_the_hook_manifest_is_valid_for_pre_commit(tmp_path: Path, kb_dir: Path) -> None:
    done = subprocess.run(
        [str(PRE_COMMIT), "validate-manifest", str(PROJECT / ".pre-commit-hooks.yaml")],
        env=environment(kb_dir, tmp_path),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def local_hook(args: list[str] | None = None) -> dict[str, Any]:
    """Our published hook, as a local hook run by the installed mlsd."""
    [hook] = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert hook["language"] == "python" and hook["entry"].startswith("mlsd review")
    local = {**hook, "language": "system", "entry": f"{MLSD}{hook['entry'][len('mlsd') :]}"}
    if args:
        local["args"] = args
    return local


def pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--color", "never", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pre_commit_runs_the_hook_on_design_docs_and_a_comment_or_baseline_lets_it_pass(
    tmp_path: Path, kb_dir: Path
) -> None:
    repo = design_repo(tmp_path)
    env = environment(kb_dir, tmp_path)
    config = {"repos": [{"repo": "local", "hooks": [local_hook()]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "add", ".pre-commit-config.yaml")

    done = pre_commit(repo, env, "--all-files", "--verbose")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # search.md has an error: no rollback plan
    assert "review ML design docs (mlsd)" in output and "Failed" in output
    assert "docs/design/search.md" in output and "docs/design/fraud.md" in output
    assert "skipped docs/design/lunch.md" in output  # not a design doc: skipped, not failed
    assert "README.md" not in output  # excluded by the hook's own pattern

    # One line in the doc silences the false positive; the hook then passes.
    text = (repo / "docs" / "design" / "search.md").read_text()
    (repo / "docs" / "design" / "search.md").write_text(
        "<!-- mlsd-disable risk.no-rollback -- the old ranker stays deployed behind a flag -->\n"
        + text
    )
    done = pre_commit(repo, env, "--files", "docs/design/search.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"review ML design docs \(mlsd\)\.+Passed", done.stdout)

    # Or: accept today's findings in a baseline, passed as the hook's args.
    (repo / "docs" / "design" / "search.md").write_text(text)
    accept_findings(repo, env)
    hook = local_hook(["--baseline", ".mlsd-baseline.json"])
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]})
    )
    done = pre_commit(repo, env, "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr


# --- The GitHub Action -------------------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(text: str, context: dict[str, Any]) -> str:
    """GitHub's `${{ a.b.c }}` lookups (the only expressions the Action's shell steps use;
    anything else fails the test, so the Action cannot grow one this test cannot run)."""

    def lookup(match: re.Match[str]) -> str:
        value: Any = context
        for part in match.group(1).split("."):
            assert isinstance(value, dict) and part in value, f"cannot evaluate {match.group(0)}"
            value = value[part]
        return str(value)

    return _EXPRESSION.sub(lookup, text)


def read_outputs(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if "=" in line)


def run_action(
    workspace: Path, env: dict[str, str], inputs: dict[str, str], github: dict[str, str]
) -> tuple[int, dict[str, dict[str, str]], str, str]:
    """The Action's shell steps in order, as a runner runs them: each `run` through
    `bash --noprofile --norc -eo pipefail {0}` with its `env` evaluated, GITHUB_OUTPUT and
    GITHUB_STEP_SUMMARY files, and step outputs passed on. The install step is left out
    (mlsd is installed here already). Returns the exit status of the first failing step (or
    0), the outputs, the job summary and what the steps printed."""
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    defaults = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    context: dict[str, Any] = {
        "inputs": {**defaults, **inputs},
        "github": {"action_path": str(PROJECT), **github},
        "steps": {},
    }
    summary = workspace.parent / "step-summary.md"
    printed = []
    for number, step in enumerate(action["runs"]["steps"]):
        if "run" not in step or step.get("id") == "install":
            continue
        assert step["shell"] == "bash"
        output = workspace.parent / f"output-{number}"
        output.write_text("")
        step_env = {k: evaluate(str(v), context) for k, v in step.get("env", {}).items()}
        script = workspace.parent / f"step-{number}.sh"
        script.write_text(evaluate(step["run"], context))
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={
                **env,
                **step_env,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_ACTIONS": "true",
            },
            capture_output=True,
            text=True,
            timeout=600,
        )
        printed.append(done.stdout + done.stderr)
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": read_outputs(output)}
        if done.returncode != 0:
            return done.returncode, context["steps"], _read(summary), "\n".join(printed)
    return 0, context["steps"], _read(summary), "\n".join(printed)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A shallow clone of a branch that changes one design doc, as actions/checkout makes
    it by default (depth 1): the base branch is not there until the Action fetches it."""
    upstream = design_repo(tmp_path)
    git(upstream, "checkout", "-qb", "feature")
    path = upstream / "docs" / "design" / "fraud.md"
    path.write_text(
        path.read_text().replace(
            "## Success metrics", "## Success metrics\n\nThe precision target is TBD.", 1
        )
    )
    git(upstream, "commit", "-qam", "fraud: precision target to be decided")
    git(upstream, "checkout", "-q", "main")
    workspace = tmp_path / "workspace"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        "--single-branch",
        f"file://{upstream}",
        str(workspace),
    )
    return workspace


def test_the_action_reviews_only_what_a_pull_request_changes(
    tmp_path: Path, kb_dir: Path, pull_request: Path
) -> None:
    env = environment(kb_dir, tmp_path)
    with pytest.raises(subprocess.CalledProcessError):
        git(pull_request, "rev-parse", "--verify", "origin/main")  # not fetched yet
    code, steps, summary, printed = run_action(
        pull_request,
        env,
        inputs={"paths": "docs/design", "fail-on": "warning"},
        github={"event_name": "pull_request", "base_ref": "main"},
    )
    assert steps["base"]["outputs"]["ref"] == "origin/main"
    assert code == 1, printed  # the placeholder is a warning
    assert steps["review"]["outputs"]["exit-code"] == "1"
    assert steps["review"]["outputs"]["sarif-file"] == "mlsd-reports/mlsd.sarif"
    assert "reviewed docs/design/fraud.md" in printed
    assert "search.md" not in printed  # unchanged: not reviewed
    assert "| docs/design/fraud.md |" in summary and "**Skipped**" not in summary
    annotations = [line for line in printed.splitlines() if line.startswith("::")]
    assert annotations and all("file=docs/design/fraud.md" in a for a in annotations)
    assert any("placeholders" in a for a in annotations)
    sarif = json.loads((pull_request / "mlsd-reports" / "mlsd.sarif").read_text())
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    } == {"docs/design/fraud.md"}


def test_the_action_with_a_baseline_passes_on_unchanged_docs_and_reviews_all_on_push(
    tmp_path: Path, kb_dir: Path
) -> None:
    repo = design_repo(tmp_path)
    env = environment(kb_dir, tmp_path)
    code, steps, summary, printed = run_action(
        repo, env, inputs={"paths": "docs/design"}, github={"event_name": "push", "base_ref": ""}
    )
    assert steps["base"]["outputs"]["ref"] == ""  # a push reviews every doc
    assert code == 1, printed  # search.md: no rollback plan (an error)
    assert "| docs/design/search.md |" in summary and "| docs/design/fraud.md |" in summary
    assert "docs/design/lunch.md" in summary  # listed as skipped

    accept_findings(repo, env)
    code, steps, _, printed = run_action(
        repo,
        env,
        inputs={"paths": "docs/design", "baseline": ".mlsd-baseline.json"},
        github={"event_name": "push", "base_ref": ""},
    )
    assert code == 0, printed
    assert steps["review"]["outputs"]["exit-code"] == "0"
    assert "known finding(s) suppressed, 0 new" in printed


def test_the_action_succeeds_when_a_pull_request_touches_no_design_doc(
    tmp_path: Path, kb_dir: Path
) -> None:
    repo = design_repo(tmp_path)
    git(repo, "checkout", "-qb", "feature")
    (repo / "README.md").write_text("# Our service, renamed\n")
    git(repo, "commit", "-qam", "readme")
    git(repo, "update-ref", "refs/remotes/origin/main", "main")
    code, steps, summary, printed = run_action(
        repo,
        environment(kb_dir, tmp_path),
        inputs={"paths": "docs/design"},
        github={"event_name": "pull_request", "base_ref": "main"},
    )
    assert code == 0, printed
    assert steps["review"]["outputs"]["sarif-file"] == ""  # nothing to upload
    assert "No design docs to review." in summary
