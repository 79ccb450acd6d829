"""YAML from untrusted files (front matter, uploaded rubrics) at a bounded cost.

`yaml.safe_load` builds only plain types, but it still expands aliases: a 900-byte "billion
laughs" document becomes a structure whose printed form is gigabytes, and anything that walks
or prints it (a title, a list of tags) runs out of memory. Front matter and rubrics never
need aliases, anchors or explicit tags, so they are refused outright, and so are documents
over a size or nesting limit.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent, ScalarEvent
from yaml.nodes import Node

__all__ = ["MAX_YAML_CHARS", "MAX_YAML_DEPTH", "UnsafeYamlError", "load_yaml"]

# Front matter is a few lines of metadata and a rubric a few hundred; both limits leave
# ample room and keep the worst case to milliseconds.
MAX_YAML_CHARS = 64_000
MAX_YAML_DEPTH = 50
# An explicit tag is only accepted when it names a plain type (`!!str 5`).
_PLAIN_TAGS = {None} | {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
}


class UnsafeYamlError(ValueError):
    """The YAML uses a feature refused for untrusted input, or is too large; says which."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, anchors, explicit tags and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            raise UnsafeYamlError("YAML anchors and aliases are not allowed")
        tag = getattr(event, "tag", None)
        if isinstance(event, ScalarEvent | CollectionStartEvent) and tag not in _PLAIN_TAGS:
            raise UnsafeYamlError(f"YAML tags such as '{tag}' are not allowed")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise UnsafeYamlError(f"YAML nested deeper than {MAX_YAML_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, max_chars: int = MAX_YAML_CHARS) -> Any:
    """Parse one YAML document of plain mappings, lists and scalars.

    Raises UnsafeYamlError for aliases, anchors, explicit tags, nesting deeper than
    MAX_YAML_DEPTH or text longer than `max_chars`, and yaml.YAMLError for bad syntax.
    """
    if len(text) > max_chars:
        raise UnsafeYamlError(f"YAML of {len(text):,} characters, over the limit of {max_chars:,}")
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError as exc:
        raise UnsafeYamlError("YAML nested too deeply") from exc
    finally:
        loader.dispose()
