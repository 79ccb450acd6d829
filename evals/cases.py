"""The labelled evaluation drafts in evals/cases/ and the mutation cases made from them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

CASES_DIR = Path(__file__).parent / "cases"
SECTION_LABELS = ("covered", "partial", "missing", "not_applicable")


class Case(BaseModel):
    """A draft with the verdicts a careful reviewer gives it."""

    name: str
    path: Path
    text: str
    domain: str = ""
    kind: str = ""
    sections: dict[str, str]
    questions: dict[str, str] = Field(default_factory=dict)
    risks: list[str] = Field(default_factory=list)
    mutation: str = ""  # empty for a written case; what was changed for a mutation case
    expect_gap: str = ""  # for a mutation: the section that must now be reported

    def question_label(self, question_id: str) -> str:
        """A question's label; questions of unlabelled or missing sections count as missing."""
        if question_id in self.questions:
            return self.questions[question_id]
        section = question_id.rsplit(".q", 1)[0]
        return "not_applicable" if self.sections.get(section) == "not_applicable" else "missing"


def load_cases(folder: Path = CASES_DIR) -> list[Case]:
    """Every `NAME.md` with a `NAME.labels.yaml` beside it."""
    cases = []
    for labels_path in sorted(folder.glob("*.labels.yaml")):
        name = labels_path.name.removesuffix(".labels.yaml")
        draft = folder / f"{name}.md"
        data = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
        cases.append(
            Case(
                name=name,
                path=draft,
                text=draft.read_text(encoding="utf-8"),
                domain=str(data.get("domain", "")),
                kind=str(data.get("kind", "")),
                sections={k: str(v) for k, v in (data.get("sections") or {}).items()},
                questions={k: str(v) for k, v in (data.get("questions") or {}).items()},
                risks=list(data.get("risks") or []),
            )
        )
    return cases


_FIGURE = re.compile(
    r"(?<![\w.])(\$|€|£)?\d[\d,.]*\s?(%|ms|s|k|K|M|B|GB|TB|QPS|qps|x|hours?|days?|weeks?|"
    r"minutes?|months?|users|requests)?(?![\w])"
)


def blank_figures(text: str) -> str:
    """Every figure replaced by TBD, as an unfinished draft would have it."""
    return _FIGURE.sub("TBD", text)


def mutate(case: Case, section_id: str, lines: tuple[int, int], how: str) -> Case:
    """A copy of a complete case with lines `lines` (1-based, inclusive) deleted or with their
    figures blanked; the labels expect a gap in `section_id` and nothing else new."""
    source = case.text.split("\n")
    start, end = lines
    if how == "delete":
        changed = source[: start - 1] + source[end:]
    else:
        # Keep the heading line; blank the figures under it.
        changed = source[:start] + [blank_figures(x) for x in source[start:end]] + source[end:]
    labels = dict(case.sections)
    labels[section_id] = "missing" if how == "delete" else "partial"
    questions = {k: v for k, v in case.questions.items() if not k.startswith(f"{section_id}.q")}
    return case.model_copy(
        update={
            "name": f"{case.name}~{how}-{section_id}",
            "text": "\n".join(changed),
            "sections": labels,
            "questions": questions,
            "mutation": f"{how} lines {start}-{end}",
            "expect_gap": section_id,
            "risks": [],
        }
    )
