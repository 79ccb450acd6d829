"""Parse the real public templates (re-read by `python -m evals.templates.fill DIR`) and compare
what the parser keeps with our reading of each (evals/templates/sources.yaml).

    python -m evals.templates.check DIR [--out evals/results/templates.json]

Per template: the sections a reader keeps, the sections the parser keeps (optional ones apart),
how many checks, warnings and notes, and which of the reader's expected checks were found (a
check is found when a section whose title shares a word with the reader's section holds the
words of the check). Figures only; no template text is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from app.rubric import RubricError, load_rubric
from app.rubric.models import Rubric

SOURCES = Path(__file__).with_name("sources.yaml")
_WORD = re.compile(r"[^\W\d_]{4,}")


def _words(text: str) -> set[str]:
    return {w.lower()[:6] for w in _WORD.findall(text)}


def _found(rubric: Rubric, check: str) -> bool:
    """'Section: what it must show' is found when a section named like the reader's section
    has checks sharing words with what it must show."""
    section, _, wanted = check.partition(":")
    want = _words(wanted or section)
    for s in rubric.sections:
        if not (_words(s.title) & _words(section)) and section.strip():
            continue
        have = _words(" ".join(q.text for q in s.questions) + " " + s.summary)
        if len(want & have) >= max(1, len(want) // 3):
            return True
    return False


def check_templates(folder: Path, sources: Path = SOURCES) -> list[dict[str, Any]]:
    """One row of figures per template found in `folder`."""
    rows = []
    for entry in yaml.safe_load(sources.read_text(encoding="utf-8"))["templates"]:
        path = folder / f"{entry['id']}.{entry['format']}"
        row: dict[str, Any] = {"id": entry["id"], "shapes": entry.get("shapes", [])}
        row["reader_kept"] = entry.get("kept")
        if not path.is_file():
            row["error"] = "not re-read (run evals.templates.fill)"
            rows.append(row)
            continue
        try:
            rubric = load_rubric(path)
        except RubricError as exc:
            row["error"] = str(exc).replace(str(folder), "DIR")
            rows.append(row)
            continue
        optional = sum(1 for s in rubric.sections if s.optional)
        checks = [c for c in entry.get("checks", []) if isinstance(c, str)]
        row.update(
            parsed=len(rubric.sections) - optional,
            optional=optional,
            checks=rubric.question_count,
            warnings=sum(1 for n in rubric.notes if n.level == "warning"),
            notes=sum(1 for n in rubric.notes if n.level != "warning"),
            shape=rubric.shape,
            expected_checks=len(checks),
            expected_found=sum(1 for c in checks if _found(rubric, c)),
        )
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"{args.folder}: not a folder; fill it with python -m evals.templates.fill")
        return 2
    rows = check_templates(args.folder)
    for row in rows:
        if "error" in row:
            print(f"{row['id']:30} error: {row['error']}")
            continue
        print(
            f"{row['id']:30} reader {row['reader_kept']!s:>3}  parsed {row['parsed']:>3} "
            f"(+{row['optional']} optional)  checks {row['checks']:>3}  "
            f"warnings {row['warnings']:>2}  expected checks found "
            f"{row['expected_found']}/{row['expected_checks']}  [{row['shape']}]"
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
