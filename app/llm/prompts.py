"""Prompts are data files in prompts/, loaded by name and checked for their placeholders."""

from __future__ import annotations

import hashlib
import re
import string
from functools import lru_cache
from pathlib import Path

from app.errors import ConfigError
from app.settings import PROMPTS_DIR


class Prompt:
    """A prompt template with `{name}` placeholders; `---` on its own line splits system from
    user message."""

    def __init__(self, name: str, text: str, required: set[str]) -> None:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        missing = required - fields
        if missing:
            raise ConfigError(f"prompt '{name}' lacks placeholders: {', '.join(sorted(missing))}")
        parts = re.split(r"^---\s*$", text, maxsplit=1, flags=re.MULTILINE)
        self.name = name
        self.system = parts[0].strip() if len(parts) == 2 else ""
        self.user = parts[-1].strip()
        self.hash = hashlib.sha256(text.encode()).hexdigest()[:12]

    def render(self, **values: str) -> tuple[str, str]:
        """(system, user) with the placeholders filled."""
        return self.system.format(**values), self.user.format(**values)


@lru_cache(maxsize=16)
def load_prompt(name: str, required: frozenset[str], folder: Path = PROMPTS_DIR) -> Prompt:
    """Load `prompts/<name>.md`. Raises ConfigError when it is missing or incomplete."""
    path = folder / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt file {path} is missing") from exc
    return Prompt(name, text, set(required))
