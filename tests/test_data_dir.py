"""One knowledge base per user: the default data directory is the user's (platformdirs), the
same from any folder; a project pins its own with --data-dir, MLSD_DATA_DIR or its
configuration file, whose relative paths are relative to the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.settings import load_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG folders under tmp_path, no MLSD_DATA_DIR, and a working directory of our own."""
    monkeypatch.delenv("MLSD_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def test_the_default_data_dir_is_the_users_and_does_not_depend_on_the_folder(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_settings().data_dir
    assert first == home / "xdg-data" / "mlsd"
    elsewhere = home / "work" / "docs" / "deeper"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    assert load_settings().data_dir == first
    assert load_settings().cache_dir == home / "xdg-cache" / "mlsd"


def test_flag_then_environment_then_config_file_pin_a_projects_own(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = home / "work" / "project"
    (project / "docs").mkdir(parents=True)
    config = project / "mlsd.toml"
    config.write_text('data_dir = ".mlsd"\ntemplate = "templates/ours.md"\n', encoding="utf-8")
    monkeypatch.setenv("MLSD_CONFIG", str(config))
    monkeypatch.chdir(project / "docs")
    # Relative to the configuration file, not to the working directory.
    settings = load_settings()
    assert settings.data_dir == project / ".mlsd"
    assert settings.template == project / "templates" / "ours.md"
    monkeypatch.setenv("MLSD_DATA_DIR", str(home / "env-kb"))
    assert load_settings().data_dir == home / "env-kb"
    assert load_settings(data_dir=home / "flag-kb").data_dir == home / "flag-kb"


def test_an_absolute_path_in_the_config_file_is_kept(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = home / "mlsd.toml"
    config.write_text(f'data_dir = "{home / "abs-kb"}"\n', encoding="utf-8")
    monkeypatch.setenv("MLSD_CONFIG", str(config))
    assert load_settings().data_dir == home / "abs-kb"
    assert os.path.isabs(load_settings().data_dir)
