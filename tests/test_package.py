"""A real package: the wheel carries the template, risk catalogue, guides, prompts and schema,
and an install of it reviews a draft with no checkout beside it."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, PROJECT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # A copy of the sources, so the build's own folders (build/, *.egg-info) never land in
    # the checkout.
    source = tmp_path_factory.mktemp("source") / "mlsd"
    keep = ("app", "ingest", "evals", "knowledge", "prompts", "schemas")
    source.mkdir()
    for name in keep:
        shutil.copytree(
            PROJECT / name,
            source / name,
            ignore=shutil.ignore_patterns("__pycache__", "results", "build"),
        )
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    # No build isolation: setuptools comes from this environment, nothing is downloaded.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(source)],
        check=True, timeout=600, cwd=out,
    )  # fmt: skip
    (built,) = out.glob("mlsd-*.whl")
    return built


def _venv_with(wheel: Path, venv: Path) -> Path:
    """A fresh venv with the wheel installed; its python."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    # Dependencies come from this environment's site-packages, appended after the fresh
    # venv's own: mlsd itself is the installed wheel (this environment's editable install
    # of the checkout is not activated, as its .pth hook only runs in a site directory).
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "mlsd-test-deps.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    return python


def test_the_wheel_carries_the_shipped_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (
        "app/_data/knowledge/templates/default.md",
        "app/_data/knowledge/templates/risks.yaml",
        "app/_data/prompts/review_section.md",
        "app/_data/prompts/review_section_compact.md",
        "app/_data/prompts/chat_answer.md",
        "app/_data/schemas/review.schema.json",
    ):
        assert path in names, path
    guides = [n for n in names if n.startswith("app/_data/knowledge/guides/")]
    assert len(guides) == len(list((PROJECT / "knowledge" / "guides").iterdir()))
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)


def test_an_installed_wheel_reviews_a_draft_with_no_checkout_beside_it(
    wheel: Path, tmp_path: Path, kb_dir: Path
) -> None:
    venv = tmp_path / "venv"
    python = _venv_with(wheel, venv)
    work = tmp_path / "elsewhere"
    work.mkdir()
    draft = work / "design.md"
    draft.write_text((FIXTURES / "drafts" / "ticket-routing.md").read_text(encoding="utf-8"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MLSD_DATA_DIR": str(kb_dir)}
    where = subprocess.run(
        [str(python), "-c", "import app, app.settings as s; print(app.__file__, s.DATA_ROOT)"],
        check=True, capture_output=True, text=True, cwd=work, env=env,
    ).stdout  # fmt: skip
    assert str(PROJECT) not in where and "_data" in where, where
    done = subprocess.run(
        [str(venv / "bin" / "mlsd"), "review", "design.md", "--format", "json", "--fail-on", "none",
         "--no-cache"],
        capture_output=True, text=True, cwd=work, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    review = json.loads(done.stdout)
    assert len(review["sections"]) == 25 and review["rubric_id"]
    assert any(f["citations"] for s in review["sections"] for f in s["findings"])
    shown = subprocess.run(
        [str(venv / "bin" / "mlsd"), "template", "show"],
        capture_output=True, text=True, cwd=work, env=env, timeout=120,
    )  # fmt: skip
    assert shown.returncode == 0 and "requirements.q1" in shown.stdout


def test_an_installed_wheel_shares_the_checkouts_knowledge_base_without_a_second_copy(
    wheel: Path, tmp_path: Path, kb_dir: Path
) -> None:
    """The same guides from another install (here the wheel's data, the kb built from the
    checkout) keep their ids: ingesting them re-embeds nothing and stores nothing twice."""
    python = _venv_with(wheel, tmp_path / "venv")
    data = tmp_path / "kb"
    shutil.copytree(kb_dir, data)  # the session's kb stays as it was
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MLSD_DATA_DIR": str(data)}
    work = tmp_path / "elsewhere"
    work.mkdir()

    def stats() -> dict[str, int]:
        done = subprocess.run(
            [str(python.parent / "mlsd"), "kb", "stats", "--json"],
            capture_output=True, text=True, cwd=work, env=env, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return {s["source_id"]: s["chunks"] for s in json.loads(done.stdout)["sources"]}

    before = stats()
    assert before and all(sid.startswith("knowledge/guides/") for sid in before)
    done = subprocess.run(
        [str(python.parent / "mlsd"), "ingest", "--json"],
        capture_output=True, text=True, cwd=work, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert (report["unchanged"], report["chunks_added"], report["chunks_removed"]) == (
        len(before), 0, 0,
    )  # fmt: skip
    assert stats() == before
