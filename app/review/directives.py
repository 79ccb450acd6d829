"""Comments in a draft that speak to mlsd, the way linters read `noqa` or `eslint-disable`.

    <!-- mlsd-disable risk.no-baseline -- we ship rules, there is no model to compare -->
    <!-- mlsd-disable-section -- this service has no online serving -->
    <!-- mlsd-disable-section fairness cost-roi -- internal tool, no end users -->
    <!-- mlsd-kind batch-job -->

`mlsd-disable` switches rules off for the whole document (ids or globs, separated by spaces
or commas). `mlsd-disable-section` marks template sections not applicable: the ones named, or
with no names, the ones matched to the heading the comment stands under. `mlsd-kind` names the
document's kind of doc (`[rules.kinds.NAME]` in the configuration). Text after ` -- ` is the
reason, shown in the report. Comments inside fenced code blocks are examples and are ignored.
Markdown and text drafts only: PDF and DOCX carry no such comments.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel

from app.draft import Draft

_COMMENT = re.compile(r"<!--\s*(mlsd(?:-[a-z]+)+)(.*?)-->", re.DOTALL)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


class DirectiveKind(StrEnum):
    """What a comment asks for."""

    DISABLE = "mlsd-disable"
    DISABLE_SECTION = "mlsd-disable-section"
    KIND = "mlsd-kind"


class Directive(BaseModel):
    """One `<!-- mlsd-... -->` comment of a draft."""

    kind: DirectiveKind
    names: list[str]
    reason: str = ""
    line: int


class Directives(BaseModel):
    """The directives of a draft, and one warning per comment mlsd could not read."""

    items: list[Directive] = []
    warnings: list[str] = []

    def of(self, kind: DirectiveKind) -> list[Directive]:
        """The directives of one kind, in order."""
        return [d for d in self.items if d.kind is kind]


def _outside_fences(lines: list[str]) -> str:
    """The draft's lines with fenced code blocks blanked (line numbers are kept)."""
    out: list[str] = []
    fence = ""
    for line in lines:
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1) == fence:
                fence = ""
            out.append("")
        elif match:
            fence = match.group(1)
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def parse_directives(draft: Draft) -> Directives:
    """Every mlsd comment of a Markdown or text draft."""
    if not draft.raw_lines:
        return Directives()
    text = _outside_fences(draft.raw_lines)
    result = Directives()
    known = {k.value: k for k in DirectiveKind}
    for match in _COMMENT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        name, rest = match.group(1), " ".join(match.group(2).split())
        kind = known.get(name)
        if kind is None:
            choices = ", ".join(known)
            result.warnings.append(f"line {line}: unknown comment '{name}' (use {choices})")
            continue
        body, _, reason = rest.partition(" -- ") if " -- " in rest else (rest, "", "")
        if body.startswith("--"):  # no names, only a reason: "mlsd-disable-section -- why"
            body, reason = "", body[2:]
        names = [n for n in re.split(r"[\s,]+", body.strip()) if n]
        if kind is not DirectiveKind.DISABLE_SECTION and not names:
            result.warnings.append(f"line {line}: '{name}' needs a name after it")
            continue
        result.items.append(Directive(kind=kind, names=names, reason=reason.strip(), line=line))
    return result
