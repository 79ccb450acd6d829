"""Check the labelled evaluation drafts in evals/cases against the template and risk catalogue.

Every `NAME.md` needs a `NAME.labels.yaml` (and the reverse). A labels file must load as YAML,
list every section id of the default template in template order, give question verdicts only
for sections labelled covered or partial and only with question ids the template defines, and
name only risk ids that exist in knowledge/templates/risks.yaml.

Usage: python -m evals.check_labels [--cases DIR] [--template FILE] [--risks FILE]
Exits 0 when every file is valid, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from app.rubric import RubricError, load_rubric

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASES = ROOT / "evals" / "cases"
DEFAULT_TEMPLATE = ROOT / "knowledge" / "templates" / "default.md"
DEFAULT_RISKS = ROOT / "knowledge" / "templates" / "risks.yaml"

KINDS = {"complete", "partial", "thin", "stub", "unusual-headings"}
SECTION_VERDICTS = {"covered", "partial", "missing", "not_applicable"}
QUESTION_VERDICTS = {"covered", "partial", "missing", "not_applicable"}
TOP_KEYS = ["domain", "kind", "words", "sections", "questions", "risks", "notes"]
# The `words` label is approximate; flag it only when it is far from the draft's real length.
WORD_TOLERANCE = 0.3
_WORD = re.compile(r"[A-Za-z0-9][\w'’.,/%$€-]*")


def count_words(text: str) -> int:
    """Words in a Markdown draft, counting numbers such as '$1.84' or '3,000' as one word."""
    return len(_WORD.findall(text))


def load_risk_ids(path: Path) -> list[str]:
    """The risk ids of the catalogue, in catalogue order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("risks"), list):
        raise ValueError(f"{path}: no 'risks' list")
    ids = [r.get("id") for r in data["risks"] if isinstance(r, dict)]
    return [i for i in ids if isinstance(i, str)]


def check_case(
    labels_path: Path,
    sections: list[tuple[str, list[str]]],
    risk_ids: set[str],
) -> list[str]:
    """Problems found in one labels file (an empty list when it is valid)."""
    name = labels_path.name
    try:
        data: Any = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())
        return [f"{name}: does not load as YAML ({reason})"]
    if not isinstance(data, dict):
        return [f"{name}: top level is not a mapping"]

    problems: list[str] = []
    missing_keys = [k for k in TOP_KEYS if k not in data]
    if missing_keys:
        problems.append(f"{name}: missing keys {missing_keys}")
    unknown_keys = sorted(set(data) - set(TOP_KEYS))
    if unknown_keys:
        problems.append(f"{name}: unknown keys {unknown_keys}")

    domain = data.get("domain")
    if not isinstance(domain, str) or not domain.strip():
        problems.append(f"{name}: 'domain' must be a non-empty string")
    if data.get("kind") not in KINDS:
        problems.append(f"{name}: 'kind' is {data.get('kind')!r}, expected one of {sorted(KINDS)}")
    if not isinstance(data.get("notes"), str) or not data["notes"].strip():
        problems.append(f"{name}: 'notes' must be a non-empty string")

    words = data.get("words")
    if not isinstance(words, int) or isinstance(words, bool) or words <= 0:
        problems.append(f"{name}: 'words' must be a positive integer")
    else:
        draft = labels_path.with_name(name.removesuffix(".labels.yaml") + ".md")
        if draft.exists():
            actual = count_words(draft.read_text(encoding="utf-8"))
            if abs(actual - words) > WORD_TOLERANCE * max(actual, 1):
                problems.append(f"{name}: 'words' is {words} but the draft has about {actual}")

    # Sections: every template id, in template order, each with a known verdict.
    labelled = data.get("sections")
    section_ids = [sid for sid, _ in sections]
    verdicts: dict[str, str] = {}
    if not isinstance(labelled, dict):
        problems.append(f"{name}: 'sections' must be a mapping of section id to verdict")
    else:
        absent = [sid for sid in section_ids if sid not in labelled]
        extra = [sid for sid in labelled if sid not in section_ids]
        if absent:
            problems.append(f"{name}: sections missing from labels: {absent}")
        if extra:
            problems.append(f"{name}: unknown section ids: {extra}")
        if not absent and not extra and list(labelled) != section_ids:
            problems.append(f"{name}: sections are not in template order")
        for sid, verdict in labelled.items():
            if verdict not in SECTION_VERDICTS:
                problems.append(f"{name}: section {sid} has verdict {verdict!r}")
            else:
                verdicts[str(sid)] = verdict

    # Questions: known ids, known verdicts, only for sections labelled covered or partial.
    owner = {qid: sid for sid, qids in sections for qid in qids}
    questions = data.get("questions")
    if questions is None:
        questions = {}
    if not isinstance(questions, dict):
        problems.append(f"{name}: 'questions' must be a mapping of question id to verdict")
    else:
        for qid, verdict in questions.items():
            sid = owner.get(str(qid))
            if sid is None:
                problems.append(f"{name}: unknown question id {qid}")
                continue
            if verdict not in QUESTION_VERDICTS:
                problems.append(f"{name}: question {qid} has verdict {verdict!r}")
            if verdicts.get(sid) not in (None, "covered", "partial"):
                problems.append(
                    f"{name}: question {qid} is labelled but its section {sid} is "
                    f"{verdicts[sid]} (only covered or partial sections take question verdicts)"
                )

    # Risks: known, unique ids.
    risks = data.get("risks")
    if risks is None:
        risks = []
    if not isinstance(risks, list):
        problems.append(f"{name}: 'risks' must be a list of risk ids")
    else:
        unknown = [r for r in risks if r not in risk_ids]
        if unknown:
            problems.append(f"{name}: unknown risk ids {unknown}")
        dupes = sorted({str(r) for r in risks if risks.count(r) > 1})
        if dupes:
            problems.append(f"{name}: duplicated risk ids {dupes}")
    return problems


def check_all(cases_dir: Path, template: Path, risks: Path) -> list[str]:
    """Problems over every case in `cases_dir`."""
    try:
        rubric = load_rubric(template)
    except RubricError as exc:
        return [f"template: {exc}"]
    sections = [(s.id, [q.id for q in s.questions]) for s in rubric.sections]
    try:
        risk_ids = set(load_risk_ids(risks))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return [f"risks: {exc}"]
    if not cases_dir.is_dir():
        return [f"{cases_dir}: no such folder"]

    drafts = {p.name.removesuffix(".md") for p in cases_dir.glob("*.md")}
    labels = {p.name.removesuffix(".labels.yaml") for p in cases_dir.glob("*.labels.yaml")}
    problems = [f"{n}.md: no {n}.labels.yaml" for n in sorted(drafts - labels)]
    problems += [f"{n}.labels.yaml: no {n}.md" for n in sorted(labels - drafts)]
    if not labels:
        problems.append(f"{cases_dir}: no *.labels.yaml files")
    for n in sorted(labels):
        problems += check_case(cases_dir / f"{n}.labels.yaml", sections, risk_ids)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--risks", type=Path, default=DEFAULT_RISKS)
    args = parser.parse_args(argv)
    problems = check_all(args.cases, args.template, args.risks)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    n = len(list(args.cases.glob("*.labels.yaml")))
    print(f"ok: {n} labelled cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
