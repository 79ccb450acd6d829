"""Parse a template of any common shape into a Rubric.

Shapes handled:
- Markdown with labelled lists ("Key points:", "Guiding questions:"), also inside `<details>`;
- prose sections whose guiding questions are sentences ending in "?";
- phase lists: "Phase name:" lines followed by short checklist items (plain text);
- a YAML rubric with explicit ids, weights, severities and `expects`.
Headings may be Markdown, bold lines or numbered lines; `{#id}` on a heading fixes its id, and
`[severity: error]` / `[expects: number]` / `[weight: 2]` after a question set those fields.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.rubric.models import Expects, Question, Rubric, RubricSection, Severity
from app.sentences import sentences
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
_ITEM_PREFIX = re.compile(r"^(?:\s*(?:[-*+•—–]|\d{1,2}[.)])\s*)+")
# Back matter is never a section to review against.
_BACK_MATTER = re.compile(
    r"^(references?|resources|further (reading|in this series)|bibliography|appendix.*|"
    r"acknowledg\w*|conclusions?|table of contents|contents|changelog|about the author)$",
    re.IGNORECASE,
)
PHASE_ITEM_WORDS = 15
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


def slugify(text: str) -> str:
    """'2.4 Business Metrics (Success)' -> 'business-metrics-success'."""
    match = _NUMBER_PREFIX.match(text)
    if match:
        text = match.group("title")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "section"


def _split_number(title: str) -> tuple[str, str]:
    match = _NUMBER_PREFIX.match(title)
    if match and not match.group("title")[:1].isdigit():
        return match.group("num"), match.group("title").rstrip(":").strip()
    return "", title.rstrip(":").strip()


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
            prose_questions.extend(q for q in sentences(text) if q.endswith("?"))
            if len(text.split()) <= SHORT_ITEM_WORDS and not text.endswith(":"):
                out.items.append(text)
            else:
                out.summary.append(_SUMMARY_PREFIX.sub("", text))
        elif block.kind is BlockKind.LIST_ITEM:
            if mode == "questions":
                # A nested bullet that is not a question elaborates the question above it.
                if block.level > 1 and out.questions and not text.endswith("?"):
                    out.questions[-1] = f"{out.questions[-1]} ({text.rstrip('.')})"
                else:
                    out.questions.append(text)
            elif mode == "keypoints":
                out.key_points.append(text)
            else:
                out.items.append(text)
                if text.endswith("?"):
                    loose_questions.append(text)
    if not out.questions:
        out.questions = loose_questions or prose_questions
    return out


def _has_questions(node: _Node) -> bool:
    return bool(_extract(node).questions) or any(_has_questions(c) for c in node.children)


def _descendant_items(node: _Node) -> list[str]:
    items: list[str] = []
    for child in node.children:
        items.append(child.title)
        extract = _extract(child)
        items.extend(extract.items + extract.key_points)
        items.extend(_descendant_items(child))
    return items


def _question(section_id: str, index: int, raw: str) -> Question:
    tags = {m.group("key").lower(): m.group("value").lower() for m in _TAG.finditer(raw)}
    text = re.sub(r"\s+", " ", _TAG.sub("", raw)).strip()
    expects: Expects | None = None
    if "expects" in tags and tags["expects"] in {e.value for e in Expects}:
        expects = Expects(tags["expects"])
    elif "expects" not in tags and _NUMERIC_CUES.search(text):
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


class _Builder:
    def __init__(self) -> None:
        self.sections: list[RubricSection] = []
        self._ids: set[str] = set()

    def add(
        self, title: str, anchor: str | None, part: str, questions: list[str], extract: _Extract
    ) -> None:
        number, clean = _split_number(title)
        base = anchor or slugify(clean)
        section_id, n = base, 2
        while section_id in self._ids:
            section_id, n = f"{base}-{n}", n + 1
        self._ids.add(section_id)
        unique: list[str] = []
        for q in questions:
            if q.lower() not in {u.lower() for u in unique}:
                unique.append(q)
        self.sections.append(
            RubricSection(
                id=section_id,
                number=number,
                title=clean,
                part=part,
                aliases=extract.aliases,
                cues=extract.cues,
                summary=" ".join(extract.summary[:2])[:600],
                key_points=extract.key_points,
                questions=[_question(section_id, i, q) for i, q in enumerate(unique, start=1)],
            )
        )


def _walk(nodes: list[_Node], part: str, builder: _Builder) -> None:
    for node in nodes:
        extract = _extract(node)
        if extract.questions:
            builder.add(node.title, node.anchor, part, extract.questions, extract)
            _walk(node.children, part, builder)
        elif any(_has_questions(c) for c in node.children):
            _walk(node.children, node.title, builder)
        elif extract.key_points:
            builder.add(node.title, node.anchor, part, extract.key_points, extract)


def _from_blocks(blocks: list[Block]) -> tuple[list[RubricSection], str]:
    builder = _Builder()
    _walk(_tree(blocks), "", builder)
    labelled = any(_extract(n).labelled for n in _all_nodes(_tree(blocks)))
    return builder.sections, "markdown" if labelled else "prose"


def _all_nodes(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    for node in nodes:
        out.append(node)
        out.extend(_all_nodes(node.children))
    return out


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


def _from_yaml(data: Any, source: str) -> tuple[str, str, list[RubricSection]]:
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        raise RubricError(f"{source}: a YAML rubric needs a `sections:` list")
    sections: list[RubricSection] = []
    for i, raw in enumerate(data["sections"], start=1):
        if not isinstance(raw, dict) or not raw.get("title"):
            raise RubricError(f"{source}: section {i} needs a title")
        sid = str(raw.get("id") or slugify(str(raw["title"])))
        questions = []
        for j, q in enumerate(raw.get("questions") or [], start=1):
            q = {"text": q} if isinstance(q, str) else dict(q)
            q.setdefault("id", f"{sid}.q{j}")
            questions.append(q)
        try:
            sections.append(
                RubricSection.model_validate({**raw, "id": sid, "questions": questions})
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise RubricError(f"{source}: section '{sid}': {where}: {first['msg']}") from exc
    return str(data.get("id") or ""), str(data.get("title") or ""), sections


def parse_rubric(data: bytes, name: str, *, max_bytes: int = 5_000_000) -> Rubric:
    """A Rubric from the bytes of a template file called `name`."""
    version = hashlib.sha256(data).hexdigest()[:12]
    stem = Path(name).stem
    suffix = Path(name).suffix.lower()
    title = ""
    if suffix in (".yaml", ".yml"):
        try:
            loaded = load_yaml(data.decode("utf-8"), max_chars=max_bytes)
        except UnsafeYamlError as exc:
            raise RubricError(f"{name}: {exc}") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise RubricError(f"{name}: not valid YAML ({exc.__class__.__name__})") from exc
        rid, title, sections = _from_yaml(loaded, name)
        shape, stem = "yaml", rid or stem
    else:
        try:
            doc = load_bytes(data, name, max_bytes=max_bytes, max_pages=500)
        except LoadError as exc:
            raise RubricError(str(exc)) from exc
        title = doc.title
        if doc.format.value == "text" and _is_phase_list(doc.text):
            sections, shape = _from_phases(doc.text), "phases"
        else:
            sections, shape = _from_blocks(doc.blocks)
    sections = [s for s in sections if s.questions and not _BACK_MATTER.match(s.title)]
    if not sections:
        raise RubricError(
            f"{name}: no sections with guiding questions found (expected headings followed by "
            "a 'Guiding questions:' list, questions ending in '?', or 'Phase:' lines with items)"
        )
    return Rubric(
        id=slugify(stem),
        title=title or stem,
        version=version,
        source=name,
        shape=shape,
        sections=sections,
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
