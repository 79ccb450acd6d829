"""All of mlsd's settings in one place, each with help text.

Sources, strongest first: command-line flags (passed as overrides), environment variables
(`MLSD_` prefix), `mlsd.toml` in the working directory (or the file `MLSD_CONFIG` names), and
the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
PROMPTS_DIR = PROJECT_ROOT / "prompts"


def _config_file() -> Path:
    return Path(os.environ.get("MLSD_CONFIG", "mlsd.toml"))


class Settings(BaseSettings):
    """mlsd configuration. Every field is documented; `mlsd settings` prints them."""

    model_config = SettingsConfigDict(
        env_prefix="MLSD_", extra="ignore", validate_default=True, frozen=True
    )

    data_dir: Path = Field(
        Path(".mlsd"), description="Where the knowledge base (Chroma) and caches live."
    )
    knowledge_paths: list[Path] = Field(
        default_factory=lambda: [KNOWLEDGE_DIR / "guides"],
        description="Files and folders `mlsd ingest` reads when given no paths.",
    )
    template: Path = Field(
        KNOWLEDGE_DIR / "templates" / "default.md",
        description="The design-doc template (Markdown, text or YAML rubric) reviews use.",
    )
    risks: Path = Field(
        KNOWLEDGE_DIR / "templates" / "risks.yaml",
        description="The catalogue of design risks the reviewer detects.",
    )
    chroma_host: str | None = Field(
        None, description="Host of a Chroma server; unset means embedded Chroma in data_dir."
    )
    chroma_port: int = Field(8000, ge=1, le=65535, description="Port of the Chroma server.")
    collection_prefix: str = Field(
        "mlsd",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,30}$",
        description="Prefix of the Chroma collection name (the model name is appended).",
    )
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Embedding model: 'all-MiniLM-L6-v2' (shipped in a PyPI package) or the "
        "path of a local sentence-transformers model folder. Never downloaded.",
    )
    chunk_size: int = Field(900, ge=200, le=4000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(
        120, ge=0, le=1000, description="Characters shared by consecutive pieces of a long block."
    )
    max_file_mb: float = Field(
        20.0, gt=0, description="Largest file (ingest, review, upload), in megabytes."
    )
    max_pages: int = Field(200, ge=1, description="Largest PDF, in pages.")
    max_findings_per_section: int = Field(
        12, ge=1, le=200, description="Most findings listed per template section (worst first)."
    )
    llm: str = Field(
        "none",
        description="Chat model: 'none' (offline), 'ollama:NAME', 'openai:NAME', or any "
        "'provider:model' LangChain's init_chat_model knows.",
    )
    llm_base_url: str | None = Field(
        None, description="Base URL of the LLM server (Ollama or any OpenAI-compatible API)."
    )
    llm_api_key: SecretStr | None = Field(
        None,
        description="API key for the LLM; never logged. Provider variables such as "
        "OPENAI_API_KEY are read too.",
    )
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before an LLM call gives up.")
    llm_concurrency: int = Field(2, ge=1, le=32, description="LLM calls in flight at once.")
    max_zip_entries: int = Field(
        500,
        ge=1,
        le=100_000,
        description="Most entries (files and folders) a .zip uploaded for batch review may hold.",
    )
    max_zip_mb: float = Field(
        100.0,
        gt=0,
        description="Largest total uncompressed size of a .zip uploaded for batch review, "
        "in megabytes.",
    )
    ui_host: str = Field(
        "127.0.0.1",
        description="Address `mlsd serve` binds. Anything but loopback needs ui_auth or "
        "--open-to-network.",
    )
    ui_port: int = Field(7860, ge=1, le=65535, description="Port `mlsd serve` listens on.")
    ui_auth: SecretStr | None = Field(
        None,
        description="'user:password' the web app asks for (prefer this variable to --auth, "
        "which other users can see in the process list); never logged.",
    )
    max_question_chars: int = Field(
        2000,
        ge=50,
        le=100_000,
        description="Longest chat question, in characters; a longer one is cut and the "
        "answer says so.",
    )

    @field_validator("knowledge_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p for p in value.split(os.pathsep) if p]
        return value

    @property
    def max_bytes(self) -> int:
        """max_file_mb in bytes."""
        return int(self.max_file_mb * 1_000_000)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags, then environment, then mlsd.toml, then defaults."""
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )


def load_settings(**overrides: Any) -> Settings:
    """Settings with the given overrides (None values are ignored)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        rows.append((f"MLSD_{name.upper()}", str(default), field.description or ""))
    return rows
