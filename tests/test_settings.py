"""Settings: one model, every field documented, env and mlsd.toml both honoured."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import Settings, load_settings


def test_every_setting_has_help_text() -> None:
    undocumented = [n for n, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []


def test_defaults_are_offline_and_local() -> None:
    settings = load_settings(data_dir=None)
    assert settings.llm == "none"
    assert settings.chroma_host is None
    assert settings.embedding_model == "all-MiniLM-L6-v2"


def test_environment_and_toml_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "mlsd.toml"
    config.write_text('llm = "ollama:llama3"\nchunk_size = 700\nmax_pages = 10\n')
    monkeypatch.setenv("MLSD_CONFIG", str(config))
    monkeypatch.setenv("MLSD_MAX_PAGES", "20")
    settings = load_settings(chunk_size=None, llm="openai:gpt-x")
    assert settings.chunk_size == 700  # from the file
    assert settings.max_pages == 20  # the environment beats the file
    assert settings.llm == "openai:gpt-x"  # a flag beats both


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLSD_CHROMA_PORT", "99999")
    with pytest.raises(ValidationError):
        load_settings()
