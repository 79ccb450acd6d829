"""Package attributes imported on first use (PEP 562), so `import app.rubric` for one model
class does not pull in every parser. A command line that answers `--help` in a tenth of a
second depends on it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports each name in `where` from its module on first
    access (mypy sees the same names through `if TYPE_CHECKING:` imports)."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
