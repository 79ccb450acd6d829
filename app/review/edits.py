"""Suggested edits: where to add what, and a unified diff that `git apply` accepts.

Offline, an edit is a fill-in block built from the open questions: under the aligned draft
section when there is one, otherwise as a new section placed after the sections that precede
it in the template. With an LLM, the block's text is the model's prose; placement is the same.
"""

from __future__ import annotations

import contextlib
import difflib
from pathlib import Path

from app.draft import Draft, DraftSection
from app.review.align import Alignment
from app.review.models import QuestionVerdict, SuggestedEdit, Verdict
from app.rubric.models import Expects, Rubric, RubricSection

_HINT = {
    Expects.NUMBER: "give the figure with its unit",
    Expects.NAMED: "name it",
}


def _subtree_end(draft: Draft, section: DraftSection, total_lines: int) -> int:
    """Last line of a section including its subsections."""
    for later in draft.sections[section.index + 1 :]:
        if later.level and later.level <= max(section.level, 1) and later.location.line_start:
            return later.location.line_start - 1
    return total_lines


def _own_end(draft: Draft, section: DraftSection, total_lines: int) -> int:
    """Last line of a section's own text, before any subsection."""
    if section.index + 1 < len(draft.sections):
        nxt = draft.sections[section.index + 1].location.line_start
        if nxt:
            return nxt - 1
    return total_lines


def fill_in_text(section: RubricSection, verdicts: list[QuestionVerdict]) -> list[str]:
    """Bullet lines for the questions still open in a section."""
    by_id = {q.id: q for q in section.questions}
    lines = []
    for verdict in verdicts:
        if verdict.verdict not in (Verdict.MISSING, Verdict.PARTIAL):
            continue
        question = by_id.get(verdict.question_id)
        hint = _HINT.get(question.expects) if question and question.expects else None
        if verdict.verdict is Verdict.PARTIAL:
            hint = f"{hint}; " if hint else ""
            hint += "the draft touches on this; make it specific"
        lines.append(f"- TODO: {verdict.question}" + (f" ({hint})" if hint else ""))
    return lines


def offline_edit(
    draft: Draft,
    rubric: Rubric,
    section: RubricSection,
    verdicts: list[QuestionVerdict],
    alignment: Alignment,
    prose: str = "",
) -> SuggestedEdit | None:
    """A block for a section with open questions, or None when nothing is open. The block is
    a fill-in list built from the questions, or `prose` (an LLM's text) when given."""
    bullets = fill_in_text(section, verdicts)
    if not bullets:
        return None
    if prose.strip():
        bullets = prose.strip().split("\n")
    total = len(draft.raw_lines) if draft.raw_lines else 0
    aligned = alignment.draft_sections(section.id)
    if aligned:
        target = draft.sections[aligned[0]]
        end = _own_end(draft, target, total) if total else None
        body = ["", f"<!-- mlsd: open questions for {section.label} -->", *bullets]
        return SuggestedEdit(
            action="insert",
            anchor=target.heading or section.title,
            after_line=_trim_blank(draft, end),
            text="\n".join(body),
        )
    # A new section goes after the draft sections of the template sections before it.
    order = [s.id for s in rubric.sections]
    earlier = order[: order.index(section.id)]
    anchors = [draft.sections[i] for sid in earlier for i in alignment.draft_sections(sid)]
    level = 2
    after: int | None = total if total else None
    anchor = "end of document"
    if anchors and total:
        last = max(anchors, key=lambda s: _subtree_end(draft, s, total))
        after = _subtree_end(draft, last, total)
        level = max(1, min(last.level, 6)) if last.level else 2
        anchor = f"after {last.heading}"
    elif draft.sections:
        levels = [s.level for s in draft.sections if s.level]
        level = min(levels) + 1 if len(set(levels)) > 1 else (levels[0] if levels else 2)
    heading = "#" * level + " " + section.title
    body = [
        "",
        heading,
        "",
        f"<!-- mlsd: new section from the template: {section.label} -->",
        *bullets,
    ]
    return SuggestedEdit(
        action="insert",
        anchor=anchor,
        after_line=_trim_blank(draft, after),
        text="\n".join(body),
        new_section=True,
    )


def _trim_blank(draft: Draft, line: int | None) -> int | None:
    """Step back over trailing blank lines so the block sits right after the content."""
    if line is None or not draft.raw_lines:
        return line
    line = min(line, len(draft.raw_lines))
    while line > 0 and not draft.raw_lines[line - 1].strip():
        line -= 1
    return line


def apply_edits(original: str, edits: list[SuggestedEdit]) -> str:
    """The draft text with every insert applied (later lines first, so numbers hold)."""
    lines = original.split("\n")
    trailing_newline = original.endswith("\n")
    if trailing_newline:
        lines = lines[:-1]
    inserts = sorted(
        (e for e in edits if e.action == "insert" and e.after_line is not None),
        key=lambda e: e.after_line or 0,
        reverse=True,
    )
    for edit in inserts:
        at = min(max(edit.after_line or 0, 0), len(lines))
        block = edit.text.split("\n")
        # Keep one blank line after the block when content follows it.
        if at < len(lines) and lines[at].strip():
            block = [*block, ""]
        lines[at:at] = block
    text = "\n".join(lines)
    return text + "\n" if trailing_newline or inserts else text


def diff_path(path: str) -> str:
    """The path a diff names: relative to the working directory when possible, POSIX form."""
    p = Path(path)
    if p.is_absolute():
        with contextlib.suppress(ValueError):
            p = p.relative_to(Path.cwd())
    return p.as_posix().removeprefix("./").lstrip("/")


def unified_diff(path: str, original: str, edits: list[SuggestedEdit]) -> str:
    """A unified diff from the draft to the draft with the edits, for `git apply`."""
    updated = apply_edits(original, edits)
    if updated == original:
        return ""
    before = original.splitlines(keepends=True)
    after = updated.splitlines(keepends=True)
    name = diff_path(path)
    out = []
    for line in difflib.unified_diff(before, after, fromfile=f"a/{name}", tofile=f"b/{name}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
