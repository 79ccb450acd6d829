"""Checks from a template's prose, for sections that ask no explicit question.

Real templates often guide with prose ("Why the problem is important to solve, and why now")
or with fill-in lines ("p99 latency < `y` ms") instead of questions. Each such sentence or
item says what the draft must say, so it becomes a check; a fill-in placeholder means a number
is expected. Questions that hold a parenthesis ("... (e.g., GDPR?)") are kept whole.
"""

from __future__ import annotations

import re

from app.sentences import sentences

MAX_PROSE_CHECKS = 6
# A section whose prose gives fewer checks than this has its long sentences split into
# clauses, so one sentence that asks for several things is not judged as one.
FEW_CHECKS = 3
LONG_CHECK_WORDS = 10
MIN_CLAUSE_WORDS = 3
MIN_CHECK_WORDS = 2
MAX_CHECK_CHARS = 300

# Fill-ins that stand for a figure: `y` ms, X%, <number>, ___, [N], TBD ms.
_FILL_IN = re.compile(
    r"`[A-Za-z]{1,2}`|`[^`]{0,12}\b[xyzXYZN]\b[^`]{0,12}`|\b[XYNxy]\s*(%|ms|s|qps|rps|k|m|gb|tb|\$)"
    r"|\$\s*[XYN]\b|<\s*(number|value|n|x|target)\s*>|_{3,}|\[\s*(x|y|n|number|value|target)\s*\]"
    r"|\b(TBD|TBC)\s*(%|ms|s)\b",
)
# Openers that only say what the section is ("This section describes ...").
_META = re.compile(
    r"^(in this section,?\s+|this section\s+(should|must|will|can)?\s*"
    r"(describes?|explains?|covers?|lists?|outlines?|summari[sz]es?|contains?|"
    r"is (for|about|where))\s*)",
    re.IGNORECASE,
)
_NOT_GUIDANCE = re.compile(
    r"^(e\.g\.|for example|example:|note:|tip:|see |optional\b|delete this|remove this|"
    r"\(.*\)\.?$)",
    re.IGNORECASE,
)


_INSTRUCTION = re.compile(
    r"^(describe|explain|list|name|state|give|include|specify|identify|outline|define|"
    r"quantify|estimate|report|document|justify|summari[sz]e|say|mention|note down|record|"
    r"provide|detail|set out|spell out|compare)\b",
    re.IGNORECASE,
)


def is_instruction(text: str) -> bool:
    """A sentence that tells the author what to write: 'Describe the data ...'."""
    return bool(_INSTRUCTION.match(text.strip())) and len(text.split()) >= MIN_CHECK_WORDS + 1


def is_question(text: str) -> bool:
    """A question, also when it ends inside a parenthesis or quote: '... (e.g., GDPR?)'."""
    return text.rstrip(" )]\"'”’*_.").endswith("?")


def balanced_sentences(text: str) -> list[str]:
    """Sentences, with pieces the splitter cut inside a parenthesis joined again."""
    out: list[str] = []
    for piece in sentences(text):
        if out and out[-1].count("(") > out[-1].count(")"):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def unfinished(question: str) -> bool:
    """A question cut short: an open parenthesis, or ending on a comma or 'e.g.'."""
    stripped = question.rstrip()
    return (
        stripped.count("(") > stripped.count(")")
        or stripped.endswith((",", "(", ":", ";"))
        or stripped.lower().endswith(("e.g.", "i.e.", "e.g.,"))
    )


def expects_number(text: str) -> bool:
    """Whether a fill-in in the guidance stands for a figure."""
    return bool(_FILL_IN.search(text))


_EXAMPLES_START = re.compile(
    r"\b(such as|e\.g\.|for example|for instance|including|like)\b", re.IGNORECASE
)
_LEADING_JOIN = re.compile(r"^(and|or|as well as|plus|with)\s+", re.IGNORECASE)
MIN_ENUMERATED = 3
MIN_ITEM_CHARS = 6
# Where a long guidance sentence starts a new clause: a colon or semicolon, ", then", or a
# comma (with "and"/"or") before a wh-word or a determiner ("..., how it scales, and what it
# costs"); "with" after a comma adds a clause ("..., with the serving stack").
_CLAUSE_START = re.compile(
    r"(?<!\s)\s*+(?:[:;]|,\s*then\b|,(?:\s*(?:and|or))?(?=\s*(?:how|what|why|when|where|which|who|"
    r"whether|the|a|an|its|their|any|each)\b)|,\s*with\b)\s*",
    re.IGNORECASE,
)


def enumerated_parts(sentence: str) -> list[str]:
    """A sentence that lists what to write ('The sources, their volume and history, how
    labels are defined, and the main features.') as one part per item; any other sentence
    as itself. Commas inside parentheses or after 'such as' / 'e.g.' never split."""
    cut = _EXAMPLES_START.search(sentence)
    head_end = cut.start() if cut else len(sentence)
    pieces: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(sentence[:head_end]):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            pieces.append(sentence[start:i])
            start = i + 1
    pieces.append(sentence[start:])
    # A serial list ends "..., and C" (or "..., or C", "..., and C, with D"); other commas
    # are not a list.
    if len(pieces) < MIN_ENUMERATED:
        return [sentence]
    joined = [bool(re.match(r"\s*(and|or)\s", piece)) for piece in pieces]
    if not (joined[-1] or (joined[-2] and re.match(r"\s*with\s", pieces[-1]))):
        return [sentence]
    _, colon, first = pieces[0].partition(":")
    if colon:  # "A summary with: the problem, the model, and the result"
        pieces[0] = first
    parts = [_LEADING_JOIN.sub("", p.strip()).strip().rstrip(".;") for p in pieces]
    # A one-word item ("availability") is an item when it is a real word, not a fragment.
    if any(len(p.split()) < 2 and len(p) < MIN_ITEM_CHARS for p in parts):
        return [sentence]
    return [p[0].upper() + p[1:] for p in parts if p]


def clauses(sentence: str) -> list[str]:
    """A long guidance sentence as its clauses ("How the model is proven before launch: a
    pilot, then a controlled experiment" -> three); cuts never fall inside a parenthesis or
    an example list ("such as ..."). A piece of under three words ("and why now") joins the
    one before it."""
    cut = _EXAMPLES_START.search(sentence)
    head_end = cut.start() if cut else len(sentence)
    depth = 0
    open_at = [False] * (len(sentence) + 1)
    for i, ch in enumerate(sentence):
        depth += (ch == "(") - (ch == ")")
        open_at[i] = depth > 0
    spans: list[tuple[int, int]] = []  # (start, end) of each clause in the sentence
    start = 0
    for match in _CLAUSE_START.finditer(sentence, 0, head_end):
        if open_at[match.start()] or match.start() == 0:
            continue
        piece = sentence[start : match.start()]
        if spans and len(piece.split()) < MIN_CLAUSE_WORDS:
            spans[-1] = (spans[-1][0], match.start())
        else:
            spans.append((start, match.start()))
        start = match.end()
    if spans and len(sentence[start:].split()) < MIN_CLAUSE_WORDS:
        spans[-1] = (spans[-1][0], len(sentence))
    else:
        spans.append((start, len(sentence)))
    if len(spans) < 2:
        return [sentence]
    out = []
    for begin, end in spans:
        text = _LEADING_JOIN.sub("", sentence[begin:end].strip()).strip().rstrip(".;,")
        if text:
            out.append(text[0].upper() + text[1:])
    return out


def prose_checks(paragraphs: list[str]) -> list[str]:
    """What a section's prose says the draft must cover, as up to MAX_PROSE_CHECKS checks:
    its sentences and list items in the order they come, a sentence that enumerates what to
    write split into its items."""
    candidates = [
        part
        for paragraph in paragraphs
        for sentence in balanced_sentences(" ".join(paragraph.split()))
        for part in enumerated_parts(sentence)
    ]
    checks: list[str] = []
    seen: set[str] = set()
    for raw in candidates:
        text = " ".join(raw.split()).strip()
        text = _META.sub("", text).strip()
        if not text or _NOT_GUIDANCE.match(text):
            continue
        short = len(text.split()) < MIN_CHECK_WORDS and len(text.rstrip(".")) < MIN_ITEM_CHARS
        if short and not expects_number(text):
            continue
        text = text[0].upper() + text[1:]
        if len(text) > MAX_CHECK_CHARS:
            text = text[: MAX_CHECK_CHARS - 3].rsplit(" ", 1)[0] + "..."
        key = text.lower()
        if key in seen:
            continue
        seen.add(key)
        checks.append(text)
        if len(checks) == MAX_PROSE_CHECKS:
            break
    if len(checks) < FEW_CHECKS:
        split = [
            part
            for check in checks
            for part in (clauses(check) if len(check.split()) >= LONG_CHECK_WORDS else [check])
        ]
        checks = list(dict.fromkeys(split))[:MAX_PROSE_CHECKS]
    return checks


def title_check(title: str) -> str:
    """The one check of a heading with no guidance at all: that the draft covers it."""
    return f"What does the document say about {title.strip().rstrip(':?').lower()}?"
