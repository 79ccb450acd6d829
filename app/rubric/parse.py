"""Parse a template of any common shape into a Rubric.

Every heading of a template is a section (a heading whose sub-headings carry the checks is a
part that groups them; the document's title is neither). A section's checks are, in order of
preference: its guiding questions (a labelled list, or sentences ending in "?"), its key
points, or its prose guidance and fill-in lines (`app.rubric.prose`); a heading with no
guidance at all is checked by its title, with a note. Reference sections (glossary,
references, appendix) are kept as optional.

Shapes handled:
- Markdown with labelled lists ("Key points:", "Guiding questions:"), also inside `<details>`;
- `<details><summary>Section</summary>` blocks, the summary being the section's title;
- prose sections, with or without questions;
- tables of "section | what to write";
- phase lists: "Phase name:" lines followed by short checklist items (plain text);
- DOCX with heading styles (a Google Docs export), and any language;
- a YAML rubric with explicit ids, weights, severities and `expects` (`questions`, `checks`
  or `prompts`; `guidance` or `description` when there are none).
Headings may be Markdown, bold lines or numbered lines with or without a trailing dot;
`{#id}` on a heading fixes its id, and `[severity: error]` / `[expects: number]` /
`[weight: 2]` after a question set those fields. Every parse leaves notes on what it skipped,
renamed or could not finish (`Rubric.notes`, shown by `mlsd template lint`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.rubric.cues import derive_aliases, derive_cues
from app.rubric.models import Expects, Question, Rubric, RubricSection, Severity, TemplateNote
from app.rubric.prose import (
    balanced_sentences,
    expects_number,
    is_instruction,
    is_question,
    prose_checks,
    title_check,
    unfinished,
)
from ingest.errors import LoadError, MlsdError
from ingest.loaders import load_bytes
from ingest.models import Block, BlockKind
from ingest.safe_yaml import UnsafeYamlError, load_yaml

_QUESTIONS_LABEL = re.compile(
    r"^(guiding questions?|key questions|questions( to (ask|answer|consider))?|guide|checklist|"
    r"things to consider|considerations|prompts)\s*:?$",
    re.IGNORECASE,
)
_KEYPOINTS_LABEL = re.compile(
    r"^(key points|key elements|what to include|should include|contents?|includes?)\s*:?$",
    re.IGNORECASE,
)
_ALIASES = re.compile(r"^(aliases|also called|also known as)\s*:\s*(?P<list>.+)$", re.IGNORECASE)
_CUES = re.compile(r"^(cues|signals)\s*:\s*(?P<list>.+)$", re.IGNORECASE)
_SUMMARY_PREFIX = re.compile(r"^(overview|purpose|summary|goal|description)\s*:\s*", re.IGNORECASE)
_TAG = re.compile(r"\s*\[(?P<key>severity|expects|weight)\s*:\s*(?P<value>[\w.]+)\]", re.IGNORECASE)
_NUMBER_PREFIX = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?P<title>.+)$")
_PHASE_LINE = re.compile(r"^(?P<title>[A-Z][^.?!:]{2,60}):\s*$")
_CHECKBOX = re.compile(r"^\[[ xX✓✔]?\]\s*")
_ITEM_PREFIX = re.compile(r"^(?:\s*(?:[-*+•—–]|\d{1,2}[.)])\s*)+")
# Reference material: kept as optional sections, never reported as gaps.
_BACK_MATTER = re.compile(
    r"^(references?|resources|further (reading|in this series)|bibliography|appendi(x|ces).*|"
    r"acknowledg\w*|conclusions?|table of contents|contents|changelog|about the author|"
    r"glossary|terminology|definitions|(useful )?links|related (work|docs|documents)|faq|"
    r"revision history|document history|change log|version history|see also|"
    r"(other|more|example) (templates?|examples?|resources|docs).*|"
    r"глоссарий|термины.*|ссылки|приложени[ея].*|литература|источники|материалы.*|"
    r"полезные ссылки)$",
    re.IGNORECASE,
)
# The opening of a part's introduction (its sub-sections carry the checks).
_PART_INTRO = re.compile(
    r"^(this|the following|in this|these) (part|chapter|group|block|stage|phase|sections?)\b",
    re.IGNORECASE,
)
# <summary> texts that label a guide block rather than name a section.
_GENERIC_SUMMARY = re.compile(
    r"^(guide|guidance|guidelines|hints?|tips?|help|details|more|show|expand|instructions|"
    r"questions|guiding questions|examples?|notes?|click( to expand)?.*)\s*:?$",
    re.IGNORECASE,
)
_DETAILS_SUMMARY = re.compile(
    r"<details[^>]*>\s*<summary[^>]*>\s*(?P<title>.*?)\s*</summary>", re.IGNORECASE | re.DOTALL
)
# A first heading that names the document rather than a section of it.
_TITLE_WORDS = re.compile(
    r"\b(template|design doc(ument)?s?|system design|proposal|rfc|brief|one-pager|"
    r"шаблон|дизайн-документ|дизайн ml|дизайн системы)\b|<[^>]{2,40}>",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^(#{1,6})\s", re.MULTILINE)
# The first header cell of a table whose rows are sections.
_SECTION_COLUMN = re.compile(
    r"^(sections?|headings?|parts?|topics?|areas?|components?|chapters?|items?|разделы?|"
    r"name|title)$",
    re.IGNORECASE,
)
PHASE_ITEM_WORDS = 15
# A single section with this many checks is a checklist: one section per item.
CHECKLIST_ITEMS = 6
CHECKLIST_TITLE_WORDS = 8
# Sub-headings that are questions, at least this many, are checks of their parent.
QUESTION_HEADINGS = 2
# Quantities a good answer must state with a number.
_NUMERIC_CUES = re.compile(
    r"\b(latenc\w*|throughput|qps|requests per|how (much|many|long|fast|often)|budget|"
    r"what (is|are) the (target|cost)|target value|p9[059])\b",
    re.IGNORECASE,
)

SHORT_ITEM_WORDS = 25


class RubricError(MlsdError, ValueError):
    """The template cannot be turned into a rubric; the message says why."""


@dataclass
class _Node:
    title: str
    level: int
    anchor: str | None = None
    blocks: list[Block] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)


@dataclass
class _Extract:
    questions: list[str] = field(default_factory=list)
    labelled: bool = False
    key_points: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)  # paragraphs and loose items, in order
    checkboxes: list[str] = field(default_factory=list)


def slugify(text: str) -> str:
    """'2.4 Business Metrics (Success)' -> 'business-metrics-success'; letters of any
    alphabet are kept ('Обзор' -> 'обзор')."""
    match = _NUMBER_PREFIX.match(text)
    if match:
        text = match.group("title")
    text = re.sub(r"[*`]+", "", text)
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-")[:48] or "section"


def _split_number(title: str) -> tuple[str, str]:
    title = re.sub(r"^[*_]+|[*_]+$", "", title.strip()).strip()
    match = _NUMBER_PREFIX.match(title)
    if match and not match.group("title")[:1].isdigit():
        return match.group("num"), _bare(match.group("title"))
    return "", _bare(title)


def _bare(title: str) -> str:
    """A heading without the colon or full stop some templates end it with ('Summary.')."""
    title = title.strip()
    if title.endswith("...") or title.endswith("etc."):
        return title
    return title.rstrip(":.").strip()


def _tree(blocks: list[Block]) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[_Node] = []
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            if _QUESTIONS_LABEL.match(block.text) or _KEYPOINTS_LABEL.match(block.text):
                label = block.model_copy(update={"kind": BlockKind.PARAGRAPH})
                if stack:
                    stack[-1].blocks.append(label)
                continue
            node = _Node(title=block.text, level=block.level, anchor=block.anchor)
            while stack and stack[-1].level >= block.level:
                stack.pop()
            (stack[-1].children if stack else roots).append(node)
            stack.append(node)
        elif stack:
            stack[-1].blocks.append(block)
    return roots


def _extract(node: _Node) -> _Extract:
    out = _Extract()
    mode: str | None = None
    loose_questions: list[str] = []
    prose_questions: list[str] = []
    for block in node.blocks:
        text = block.text.strip()
        if block.kind is BlockKind.PARAGRAPH:
            if _QUESTIONS_LABEL.match(text):
                mode, out.labelled = "questions", True
                continue
            if _KEYPOINTS_LABEL.match(text):
                mode = "keypoints"
                continue
            if (aliases := _ALIASES.match(text)) is not None:
                out.aliases = [
                    a.strip() for a in re.split(r"[,;]", aliases.group("list")) if a.strip()
                ]
                continue
            if (cues := _CUES.match(text)) is not None:
                out.cues = [c.strip() for c in cues.group("list").split(",") if c.strip()]
                continue
            mode = None
            out.prose.append(text)
            # Questions, and sentences that tell the author what to write ("Describe ...").
            prose_questions.extend(
                q for q in balanced_sentences(text) if is_question(q) or is_instruction(q)
            )
            if len(text.split()) <= SHORT_ITEM_WORDS and not text.endswith(":"):
                out.items.append(text)
            else:
                out.summary.append(_SUMMARY_PREFIX.sub("", text))
        elif block.kind is BlockKind.LIST_ITEM:
            ticked = _CHECKBOX.match(text) is not None
            text = _CHECKBOX.sub("", text)
            if ticked and mode != "questions":
                out.checkboxes.append(text)  # "- [ ] ..." is a check by its very shape
                continue
            if mode == "questions":
                # A nested bullet that is not a question elaborates the question above it.
                if block.level > 1 and out.questions and not is_question(text):
                    out.questions[-1] = f"{out.questions[-1]} ({text.rstrip('.')})"
                else:
                    out.questions.append(text)
            elif mode == "keypoints":
                out.key_points.append(text)
            else:
                out.items.append(text)
                out.prose.append(text)
                if is_question(text):
                    loose_questions.append(text)
        elif block.kind is BlockKind.TABLE:
            out.tables.append(block.text)
    if not out.questions and out.checkboxes:
        out.questions, out.labelled = out.checkboxes + loose_questions, True
    if not out.questions:
        # No labelled list: the questions in lists and prose, and the sentences that tell
        # the author what to write ("Describe the pain as it exists today ...").
        instructions = [q for q in prose_questions if not is_question(q)]
        if loose_questions:
            out.questions = instructions + loose_questions
        elif any(is_question(q) for q in prose_questions):
            out.questions = prose_questions
    return out


def _has_content(node: _Node) -> bool:
    """Whether a heading or anything under it gives the draft something to answer."""
    extract = _extract(node)
    return bool(extract.questions or extract.key_points or extract.items or extract.summary) or any(
        _has_content(c) for c in node.children
    )


def _table_rows(table: str) -> list[tuple[str, str]] | None:
    """(section, what to write) per row of a table whose rows are sections, else None."""
    rows = [[c.strip() for c in row.split("|")] for row in table.split("\n") if row.strip()]
    if len(rows) < 3 or any(len(r) < 2 for r in rows):
        return None
    header = re.sub(r"[*_`]", "", rows[0][0])
    if not _SECTION_COLUMN.match(header):
        return None
    return [(r[0], " ".join(c for c in r[1:] if c)) for r in rows[1:] if r[0]]


def _question(section_id: str, index: int, raw: str) -> Question:
    tags = {m.group("key").lower(): m.group("value").lower() for m in _TAG.finditer(raw)}
    text = re.sub(r"\s+", " ", _TAG.sub("", raw)).strip()
    expects: Expects | None = None
    if "expects" in tags and tags["expects"] in {e.value for e in Expects}:
        expects = Expects(tags["expects"])
    elif "expects" not in tags and (_NUMERIC_CUES.search(text) or expects_number(text)):
        expects = Expects.NUMBER
    severity = (
        Severity(tags["severity"])
        if tags.get("severity") in {s.value for s in Severity}
        else Severity.WARNING
    )
    try:
        weight = float(tags.get("weight", 1.0))
    except ValueError:
        weight = 1.0
    return Question(
        id=f"{section_id}.q{index}",
        text=text,
        weight=max(weight, 0.1),
        severity=severity,
        expects=expects,
    )


def _warning(message: str) -> TemplateNote:
    return TemplateNote(level="warning", message=message)


def _info(message: str) -> TemplateNote:
    return TemplateNote(level="info", message=message)


class _Builder:
    def __init__(self) -> None:
        self.sections: list[RubricSection] = []
        self.notes: list[TemplateNote] = []
        self.optional = 0  # inside a back-matter part (an appendix): sections are optional
        self._ids: set[str] = set()

    def add(
        self,
        title: str,
        anchor: str | None,
        part: str,
        questions: list[str],
        extract: _Extract,
        checks_from: str = "questions",
    ) -> None:
        number, clean = _split_number(title)
        base = anchor or slugify(clean)
        section_id, n = base, 2
        while section_id in self._ids:
            section_id, n = f"{base}-{n}", n + 1
        if section_id != base:
            self.notes.append(
                _warning(
                    f"'{clean}': its id '{base}' is taken by an earlier heading; "
                    f"it is '{section_id}'"
                )
            )
        self._ids.add(section_id)
        unique: list[str] = []
        for q in questions:
            if q.lower() not in {u.lower() for u in unique}:
                unique.append(q)
        for q in unique:
            if unfinished(_TAG.sub("", q)):
                self.notes.append(_warning(f"'{clean}': a question looks cut short: {q[:80]!r}"))
        optional = bool(_BACK_MATTER.match(clean)) or self.optional > 0
        section = RubricSection(
            id=section_id,
            number=number,
            title=clean,
            part=part,
            aliases=extract.aliases,
            cues=extract.cues,
            # Prose templates guide in short paragraphs: those are the summary then.
            summary=" ".join(extract.summary[:2] or extract.prose[:3])[:600],
            key_points=extract.key_points,
            questions=[_question(section_id, i, q) for i, q in enumerate(unique, start=1)],
            optional=optional,
            checks_from=checks_from,
        )
        self.sections.append(section)


def _checks(node: _Node, extract: _Extract) -> tuple[list[str], str]:
    """A section's checks and where they came from."""
    if extract.questions:
        return extract.questions, "questions"
    if extract.key_points:
        return extract.key_points, "key points"
    prose = prose_checks(extract.prose)
    if prose:
        return prose, "prose"
    return [title_check(_split_number(node.title)[1])], "title"


def _fold_question_headings(node: _Node) -> list[str]:
    """Sub-headings that are themselves questions ('### Who funded the dataset?') are checks
    of the section above, not sections: taken out of `node.children`, returned in order."""
    asked = [c for c in node.children if is_question(c.title) and not c.children]
    if len(asked) < QUESTION_HEADINGS:
        return []
    node.children = [c for c in node.children if c not in asked]
    return [_split_number(c.title)[1] for c in asked]


def _walk(nodes: list[_Node], part: str, builder: _Builder) -> None:
    for node in nodes:
        folded = _fold_question_headings(node)
        extract = _extract(node)
        if folded:
            extract.questions = [*extract.questions, *folded]
        rows = next((r for t in extract.tables if (r := _table_rows(t)) is not None), None)
        if rows is not None and not extract.questions:
            # A table of "section | what to write": each row is a section of this part.
            for title, guidance in rows:
                checks = prose_checks([guidance]) if guidance else []
                builder.add(
                    title,
                    None,
                    _split_number(node.title)[1] if node.level else part,
                    checks or [title_check(title)],
                    _Extract(summary=[guidance] if guidance else []),
                    "table",
                )
            _walk(node.children, part, builder)
            continue
        clean = _split_number(node.title)[1]
        carries = any(_has_content(c) for c in node.children)
        prose = extract.items + extract.summary
        if (
            carries
            and not extract.questions
            and not extract.key_points
            and (not prose or _PART_INTRO.match(prose[0]))
        ):
            # A part: its sub-headings carry the checks; its prose only introduces them.
            if prose:
                builder.notes.append(
                    _info(f"'{clean}': its introduction is not checked (its sub-sections are)")
                )
            back_matter = bool(_BACK_MATTER.match(clean))
            builder.optional += back_matter
            _walk(node.children, node.title, builder)
            builder.optional -= back_matter
            continue
        checks, origin = _checks(node, extract)
        if origin == "title" and not _BACK_MATTER.match(clean) and not builder.optional:
            builder.notes.append(
                _warning(f"'{clean}': no guidance under this heading; checked by its title only")
            )
        builder.add(node.title, node.anchor, part, checks, extract, origin)
        _walk(node.children, node.title if carries else part, builder)


def _split_checklist(builder: _Builder) -> None:
    """A template that is one flat checklist (one heading, many items) is a section per
    item: each item is a topic of its own, checked against the whole draft."""
    main = [s for s in builder.sections if not s.optional]
    if len(main) != 1 or len(main[0].questions) < CHECKLIST_ITEMS:
        return
    only = main[0]
    builder.sections = [s for s in builder.sections if s is not only]
    builder.notes.append(
        _info(f"'{only.title}': a checklist of {len(only.questions)} items; each is a section")
    )
    for question in only.questions:
        words = re.sub(r"[?.:;]+$", "", question.text).split()
        short = " ".join(words[:CHECKLIST_TITLE_WORDS]).rstrip(",.;:")
        short += "..." if len(words) > CHECKLIST_TITLE_WORDS else ""
        builder.add(short, None, only.title, [question.text], _Extract(), only.checks_from)


def _document_nodes(
    roots: list[_Node], title: str, builder: _Builder, subtitle: bool = True
) -> list[_Node]:
    """The headings below the document's title (and a subtitle under it): a title heading
    is not a section."""
    if not roots:
        return roots
    first = roots[0]
    number, name = _split_number(first.title)
    extract = _extract(first)
    numbered_siblings = len(roots) > 2 and all(_split_number(r.title)[0] for r in roots[1:])
    is_title = not extract.questions and (
        (len(roots) == 1 and bool(first.children))
        or (bool(title) and name.strip().lower() == title.strip().lower())
        or (not number and numbered_siblings)
        or bool(_TITLE_WORDS.search(name))
    )
    if not is_title:
        return roots
    if extract.items or extract.summary:
        builder.notes.append(_info(f"'{first.title}': the text under the title is not checked"))
    tables = [
        b for b in first.blocks if b.kind is BlockKind.TABLE and _table_rows(b.text) is not None
    ]
    # A table of sections right under the title belongs to no part.
    front = [_Node(title="", level=0, blocks=tables)] if tables else []
    below = front + first.children + roots[1:]
    if subtitle and below and not _extract(below[0]).questions:
        name = _split_number(below[0].title)[1]
        if (len(below) == 1 and below[0].children) or _TITLE_WORDS.search(name):
            # A subtitle: "Design doc of <Product>" under the template's own name.
            return _document_nodes(below, "", builder, subtitle=False)
    return below


def _from_blocks(
    blocks: list[Block], title: str = ""
) -> tuple[list[RubricSection], str, list[TemplateNote]]:
    builder = _Builder()
    roots = _tree(blocks)
    before = next((b for b in blocks if b.kind is BlockKind.HEADING), None)
    if before is None:
        builder.notes.append(_warning("the template has no headings"))
    nodes = _document_nodes(roots, title, builder)
    _walk(nodes, "", builder)
    _split_checklist(builder)
    kinds = {s.checks_from for s in builder.sections}
    labelled = any(_extract(n).labelled for n in _all_nodes(roots))
    shape = "markdown" if labelled else ("table" if kinds == {"table"} else "prose")
    return builder.sections, shape, builder.notes


def _all_nodes(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    for node in nodes:
        out.append(node)
        out.extend(_all_nodes(node.children))
    return out


def _details_as_headings(text: str) -> str:
    """`<details><summary>Data</summary>` names a section: it becomes a heading one level
    below the heading above it. Summaries such as 'Guide' only label a guide block; they
    stay as they are (the loader drops them)."""
    out: list[str] = []
    last = 0
    level = 1
    for match in _DETAILS_SUMMARY.finditer(text):
        before = text[last : match.start()]
        headings = _MD_HEADING.findall(before)
        if headings:
            level = len(headings[-1])
        title = re.sub(r"<[^>]+>", "", match.group("title")).strip()
        out.append(before)
        if title and not _GENERIC_SUMMARY.match(title):
            out.append(f"<details>\n\n{'#' * min(level + 1, 6)} {title}\n\n")
        else:
            out.append(match.group(0))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _is_phase_list(text: str) -> bool:
    lines = text.split("\n")
    phases = sum(
        1
        for i, ln in enumerate(lines)
        if _PHASE_LINE.match(ln.strip()) and (i == 0 or not lines[i - 1].strip())
    )
    return phases >= 3 and len(re.findall(r"^#{1,6}\s", text, re.MULTILINE)) < 2


def _from_phases(text: str) -> list[RubricSection]:
    builder = _Builder()
    title: str | None = None
    extract = _Extract()

    def close() -> None:
        if title and extract.items:
            builder.add(title, None, "", extract.items, extract)

    for raw in text.split("\n"):
        line = raw.strip()
        phase = _PHASE_LINE.match(line)
        if phase:
            close()
            title, extract = phase.group("title"), _Extract()
            continue
        if not line or title is None or line.startswith("#"):
            continue
        item = _ITEM_PREFIX.sub("", line).strip()
        if len(line.split()) > PHASE_ITEM_WORDS and not _ITEM_PREFIX.match(line):
            extract.summary.append(line)
        elif len(re.findall(r"[A-Za-z]{2,}", item)) >= 2:
            extract.items.append(item)
    close()
    return builder.sections


_YAML_QUESTIONS = ("questions", "checks", "prompts", "guiding_questions", "items", "lines")
_YAML_TEXT = ("text", "question", "line", "check", "prompt", "item", "description")


def _yaml_question(raw: dict[str, Any]) -> dict[str, Any]:
    """A question given as a mapping: its text under any of _YAML_TEXT; keys the rubric
    does not know (line ids, summaries) are dropped."""
    text = next((str(raw[k]) for k in _YAML_TEXT if raw.get(k)), "")
    known: dict[str, Any] = {k: raw[k] for k in ("id", "weight", "severity", "expects") if k in raw}
    return {"text": text, **known}


_YAML_GUIDANCE = ("guidance", "description", "summary", "what_to_write", "prompt")


def _as_sections(raw: Any) -> list[Any] | None:
    """`sections:` as a list, or a mapping of title (or key) to questions or to a section."""
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict) and raw:
        return [
            {"title": body.get("title") or body.get("name") or key, **body}
            if isinstance(body, dict)
            else {"title": key, "questions": body if isinstance(body, list) else [body]}
            for key, body in raw.items()
        ]
    return None


def _looks_like_sections(raw: Any) -> bool:
    """A mapping whose values are sections: each a mapping with a title or a list of checks."""
    return (
        isinstance(raw, dict)
        and len(raw) >= 2
        and all(
            isinstance(v, dict) and any(k in v for k in ("title", "name", *_YAML_QUESTIONS))
            for v in raw.values()
        )
    )


def _yaml_sections(data: Any, source: str, notes: list[TemplateNote]) -> list[Any]:
    """The sections of a YAML rubric: under `sections:`, or a mapping of sections, or the
    first of several rubrics in one file (a note says so)."""
    if isinstance(data, dict):
        if (found := _as_sections(data.get("sections"))) is not None:
            return found
        if _looks_like_sections(data):
            return _as_sections(data) or []
        nested = [(k, v) for k, v in data.items() if _looks_like_sections(v)]
        if nested:
            if len(nested) > 1:
                notes.append(
                    _info(
                        f"{len(nested)} rubrics in one file; the first, '{nested[0][0]}', is used"
                    )
                )
            return _as_sections(nested[0][1]) or []
    raise RubricError(f"{source}: a YAML rubric needs a `sections:` list")


def _from_yaml(data: Any, source: str) -> tuple[str, str, list[RubricSection], list[TemplateNote]]:
    sections: list[RubricSection] = []
    notes: list[TemplateNote] = []
    for i, raw in enumerate(_yaml_sections(data, source, notes), start=1):
        if not isinstance(raw, dict) or not (raw.get("title") or raw.get("name")):
            raise RubricError(f"{source}: section {i} needs a title")
        raw = dict(raw)
        title = str(raw.pop("title", None) or raw.pop("name"))
        sid = str(raw.get("id") or slugify(title))
        found = next((k for k in _YAML_QUESTIONS if raw.get(k)), None)
        listed = raw.pop(found) if found else []
        for key in _YAML_QUESTIONS:
            raw.pop(key, None)
        guidance = next((str(raw[k]) for k in _YAML_GUIDANCE if raw.get(k)), "")
        for key in _YAML_GUIDANCE:
            raw.pop(key, None)
        checks_from = "questions"
        if not isinstance(listed, list):
            listed = [listed]
        if not listed:
            listed = prose_checks([guidance]) if guidance else []
            checks_from = "prose" if listed else "title"
            if not listed:
                listed = [title_check(title)]
                notes.append(
                    _warning(f"'{title}': no questions or guidance; checked by its title only")
                )
        questions = []
        for j, q in enumerate(listed, start=1):
            q = {"text": str(q)} if not isinstance(q, dict) else _yaml_question(q)
            q.setdefault("id", f"{sid}.q{j}")
            if "text" in q and not q.get("expects") and expects_number(str(q["text"])):
                q["expects"] = "number"
            questions.append(q)
        raw.setdefault("optional", bool(_BACK_MATTER.match(title)))
        try:
            sections.append(
                RubricSection.model_validate(
                    {
                        **raw,
                        "id": sid,
                        "title": title,
                        "summary": raw.get("summary", guidance)[:600],
                        "questions": questions,
                        "checks_from": checks_from,
                    }
                )
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise RubricError(f"{source}: section '{sid}': {where}: {first['msg']}") from exc
    ids = [s.id for s in sections]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        raise RubricError(f"{source}: two sections have the id '{dup}'; give one an `id:`")
    return str(data.get("id") or ""), str(data.get("title") or ""), sections, notes


def parse_rubric(data: bytes, name: str, *, max_bytes: int = 5_000_000) -> Rubric:
    """A Rubric from the bytes of a template file called `name`; `Rubric.notes` says what
    the parser skipped, renamed or could not finish."""
    version = hashlib.sha256(data).hexdigest()[:12]
    stem = Path(name).stem
    suffix = Path(name).suffix.lower()
    title = ""
    notes: list[TemplateNote] = []
    if suffix in (".yaml", ".yml"):
        try:
            loaded = load_yaml(data.decode("utf-8"), max_chars=max_bytes)
        except UnsafeYamlError as exc:
            raise RubricError(f"{name}: {exc}") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise RubricError(f"{name}: not valid YAML ({exc.__class__.__name__})") from exc
        rid, title, sections, notes = _from_yaml(loaded, name)
        shape, stem = "yaml", rid or stem
    else:
        if suffix in (".md", ".markdown", ".txt", ".html", ".htm", ""):
            data = _details_as_headings(data.decode("utf-8", "replace")).encode("utf-8")
        try:
            doc = load_bytes(data, name, max_bytes=max_bytes, max_pages=500)
        except LoadError as exc:
            raise RubricError(str(exc)) from exc
        title = doc.title
        if doc.format.value == "text" and _is_phase_list(doc.text):
            sections, shape = _from_phases(doc.text), "phases"
        else:
            sections, shape, notes = _from_blocks(doc.blocks, doc.title)
    sections = [s for s in sections if s.questions]
    if not sections:
        raise RubricError(
            f"{name}: no sections found (expected headings with guidance, guiding questions, a "
            "table of sections, 'Phase:' lines with items, or a YAML `sections:` list)"
        )
    if all(s.optional for s in sections):
        raise RubricError(f"{name}: only reference sections (glossary, references) found")
    sections = derive_cues(derive_aliases(sections))
    return Rubric(
        id=slugify(stem),
        title=title or stem,
        version=version,
        source=name,
        shape=shape,
        sections=sections,
        notes=notes,
    )


def load_rubric(path: Path) -> Rubric:
    """Parse the template at `path`. Raises RubricError with a one-line reason."""
    if not path.exists():
        raise RubricError(f"{path}: no such template")
    if path.is_dir():
        raise RubricError(f"{path}: is a folder, not a template file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"{path}: cannot read ({exc.strerror})") from exc
    return parse_rubric(data, str(path))
