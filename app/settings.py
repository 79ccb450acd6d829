"""All of mlsd's settings in one place, each with help text.

Sources, strongest first: command-line flags (passed as overrides), environment variables
(`MLSD_` prefix), the configuration file, and the defaults below. The configuration file is
the one `MLSD_CONFIG` names, else the first `mlsd.toml`, or `pyproject.toml` with a
`[tool.mlsd]` table, found from the working directory upwards (stopping at the top of a git
repository). Its `[rules]` table (`[tool.mlsd.rules]`) is the team's review policy.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from app.errors import ConfigError
from app.rubric.models import Severity

MAX_CONFIG_BYTES = 1_000_000
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def _data_root() -> Path:
    """Where knowledge/, prompts/ and schemas/ are: inside the package in an installed wheel
    (`app/_data`, copied there by setup.py), beside the source in a checkout."""
    bundled = PACKAGE_DIR / "_data"
    return bundled if (bundled / "knowledge").is_dir() else PROJECT_ROOT


DATA_ROOT = _data_root()
KNOWLEDGE_DIR = DATA_ROOT / "knowledge"
DEFAULT_TEMPLATE = KNOWLEDGE_DIR / "templates" / "default.md"
PROMPTS_DIR = DATA_ROOT / "prompts"
SCHEMAS_DIR = DATA_ROOT / "schemas"


def default_data_dir() -> Path:
    """The user's data directory for mlsd (platformdirs): one knowledge base per user, the
    same from any working directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("mlsd", appauthor=False))


def default_cache_dir() -> Path:
    """The user's cache directory for mlsd (platformdirs): exported models."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("mlsd", appauthor=False))


def _has_tool_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool", {}).get("mlsd"), dict)


def read_config(path: Path) -> dict[str, Any]:
    """The configuration file's tables. Raises ConfigError with a one-line reason."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"cannot read the configuration {path}: larger than 1 MB")
        return tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise ConfigError(f"cannot read the configuration {path}: {reason}") from None


def config_file(start: Path | None = None) -> Path | None:
    """The configuration file in force: `MLSD_CONFIG`, else the nearest `mlsd.toml` or
    `pyproject.toml` with `[tool.mlsd]` from `start` (the working directory) upwards, up to
    the top of the git repository. None when there is none."""
    if named := os.environ.get("MLSD_CONFIG"):
        path = Path(named)
        return path if path.is_file() else None
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / "mlsd.toml").is_file():
            return candidate / "mlsd.toml"
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (candidate / ".git").exists():
            break
    return None


class DocKind(BaseModel):
    """A kind of design doc with its own policy, e.g. `[rules.kinds.batch-job]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: list[str] = Field(
        default_factory=list,
        description="Glob patterns (relative to the configuration file's folder, `**` for any "
        "depth) of the documents of this kind. A document can also declare its kind with "
        "`<!-- mlsd-kind NAME -->`.",
    )
    not_applicable: list[str] = Field(
        default_factory=list,
        description="Template section ids that do not apply to this kind of doc: they are not "
        "scored and their findings are suppressed.",
    )
    disable: list[str] = Field(
        default_factory=list, description="Rules switched off for this kind of doc."
    )


class RulesConfig(BaseModel):
    """The review policy a team owns: `[rules]` in mlsd.toml, `[tool.mlsd.rules]` in
    pyproject.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    disable: list[str] = Field(
        default_factory=list,
        description="Rules switched off, by id or glob: 'risk.no-baseline', 'risk.*', "
        "'*.edit'. Their findings are listed as suppressed, never counted.",
    )
    severity: dict[str, Severity] = Field(
        default_factory=dict,
        description="New severity (error, warning or note) per rule id or glob.",
    )
    kinds: dict[str, DocKind] = Field(
        default_factory=dict, description="Kinds of doc, each with its own policy."
    )


class Settings(BaseSettings):
    """mlsd configuration. Every field is documented; `mlsd settings` prints them."""

    model_config = SettingsConfigDict(
        env_prefix="MLSD_",
        extra="ignore",
        validate_default=True,
        frozen=True,
    )

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the knowledge base (Chroma), cached reviews and measured LLM speeds "
        "live. Default: the user's data directory (~/.local/share/mlsd on Linux), the same "
        "from any folder; a project can pin its own here, with --data-dir or MLSD_DATA_DIR.",
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Where derived files that can be rebuilt live: the embedding model "
        "exported for ONNX Runtime. Default: the user's cache directory (~/.cache/mlsd).",
    )
    embedding_runtime: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description="How the embedding model runs. 'auto': ONNX Runtime once the model has "
        "been exported (the first ingest or review does it, checked against torch), torch "
        "until then; 'onnx': the same, but an error for a model ONNX Runtime cannot run; "
        "'torch': sentence-transformers always, never exported.",
    )
    knowledge_paths: list[Path] = Field(
        default_factory=lambda: [KNOWLEDGE_DIR / "guides"],
        description="Files and folders `mlsd ingest` reads when given no paths.",
    )
    template: Path = Field(
        DEFAULT_TEMPLATE,
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
    max_unpacked_mb: float = Field(
        50.0,
        gt=0,
        description="Most megabytes a .docx may unpack to, or one PDF stream decompress to; "
        "past it the file is refused (a zip or Flate bomb).",
    )
    read_seconds: float = Field(
        20.0,
        gt=0,
        description="Most seconds spent extracting a PDF's text; the pages read by then are "
        "reviewed or ingested, and a warning says which were skipped.",
    )
    max_chunks_per_file: int = Field(
        250,
        ge=1,
        description="Most passages one file adds to the knowledge base (about 220 KB of "
        "text; at most about 15 s of embedding on 2 cores); past it, the file's first "
        "passages are indexed and a warning says so.",
    )
    max_sections: int = Field(
        400,
        ge=1,
        description="Most sections of a draft the reviewer reads; the rest of the draft is "
        "not judged, and the review says from which line.",
    )
    max_sentences: int = Field(
        2500,
        ge=10,
        description="Most sentences (list items, table rows) of a draft the reviewer embeds "
        "and judges; the rest of the draft is not judged, and the review says from which "
        "line. About 40,000 words.",
    )
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
    llm_timeout: float = Field(
        120.0,
        gt=0,
        description="Most seconds one LLM call may take while the model's speed is not "
        "measured; with a measured speed (`mlsd llm check --speed`) each call gets twice its "
        "expected time, and the budget bounds them all.",
    )
    llm_budget: float = Field(
        900.0,
        ge=0,
        description="Seconds all of a review's LLM calls may take together; the sections the "
        "model cannot judge within it are judged offline, and the review says so. 0 for "
        "no limit.",
    )
    llm_concurrency: int = Field(
        1,
        ge=1,
        le=32,
        description="LLM calls in flight at once: 1 suits a local server with one slot "
        "(llama.cpp, Ollama on a CPU); raise it for a hosted API.",
    )
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
    ui_concurrency: int = Field(
        2,
        ge=1,
        le=64,
        description="Requests of one kind (reviews, chats, batches) `mlsd serve` works on at "
        "once; the rest wait their turn. More than the CPU cores only adds waiting.",
    )
    ui_queue_size: int = Field(
        64,
        ge=1,
        le=10_000,
        description="Requests `mlsd serve` lets wait; past this a new one is refused at once "
        "with 'queue full' (bounded memory and waiting time).",
    )
    ui_auth: SecretStr | None = Field(
        None,
        description="'user:password' the web app asks for (prefer this variable to --auth, "
        "which other users can see in the process list); never logged.",
    )
    rules: RulesConfig = Field(
        default_factory=RulesConfig,
        description="Review policy: disabled rules, severities and per-kind not-applicable "
        "sections (the `[rules]` table of the configuration file).",
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

    @property
    def read_limits(self) -> dict[str, Any]:
        """What reading one file may cost, as the loaders take it (keyword arguments)."""
        return {
            "max_bytes": self.max_bytes,
            "max_pages": self.max_pages,
            "max_unpacked": int(self.max_unpacked_mb * 1_000_000),
            "read_seconds": self.read_seconds,
        }

    @property
    def draft_limits(self) -> dict[str, Any]:
        """read_limits plus how much of a draft the reviewer judges (load_draft's keywords)."""
        return {
            **self.read_limits,
            "max_sections": self.max_sections,
            "max_sentences": self.max_sentences,
        }

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags, then environment, then the configuration file, then defaults."""
        path = config_file()
        if path is None:
            return (init_settings, env_settings)
        data = read_config(path)
        if path.name == "pyproject.toml":
            data = data.get("tool", {}).get("mlsd", {})
        return (
            init_settings,
            env_settings,
            InitSettingsSource(settings_cls, _anchored(data, path)),
        )


# Settings holding paths: in a configuration file they are relative to the file's folder, so
# `data_dir = ".mlsd"` pins a project's own knowledge base wherever mlsd is run from.
PATH_SETTINGS = ("data_dir", "cache_dir", "template", "risks")


def _anchored(data: dict[str, Any], config: Path) -> dict[str, Any]:
    """The configuration's relative paths made relative to the configuration file."""
    out = dict(data)
    base = config.resolve().parent
    for key in PATH_SETTINGS:
        value = out.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            out[key] = str(base / value)
    paths = out.get("knowledge_paths")
    if isinstance(paths, list):
        out["knowledge_paths"] = [
            str(base / p) if isinstance(p, str) and not Path(p).expanduser().is_absolute() else p
            for p in paths
        ]
    return out


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
