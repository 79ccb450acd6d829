"""Writes the Review JSON Schema to `schemas/review.schema.json`, where other tools find it.

Run `python -m app.reports.schema [PATH]` after changing the Review models; a test fails
while the committed file and the models disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.reports import review_json_schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "review.schema.json"


def schema_text() -> str:
    """The schema as the committed file holds it: two-space JSON with a final newline."""
    return json.dumps(review_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema to PATH (default `schemas/review.schema.json` in the source tree)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else SCHEMA_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
