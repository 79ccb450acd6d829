"""The offline answer: the passages that match best, grouped by source, each shown by its
sentences closest to the question. Nothing is generated, so nothing can be made up."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from app.chat.models import ChatCitation
from app.chat.tables import split_tables
from app.sentences import sentences
from ingest.embedder import Embedder

# Sentences quoted per passage, and the longest quote shown.
SENTENCES_PER_PASSAGE = 2
QUOTE_CHARS = 420
LLM_HINT = (
    "Offline mode quotes the best passages. For an answer written from them, run with an "
    "LLM: --llm ollama:NAME (or openai:NAME, or MLSD_LLM)."
)
_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#+|>)\s+")
_MIN_SENTENCE = 25
_ENDED = re.compile(r"[.!?:;)\]\"'”|*`]\s*$")


def _paragraphs(text: str) -> list[str]:
    """Paragraphs, list items and table rows, with hard-wrapped lines joined again."""
    blocks: list[str] = []
    current: list[str] = []
    in_row = False
    for raw in text.split("\n"):
        line = raw.strip()
        row = " | " in line or line.startswith("|")
        if not line or row or in_row or _MARKUP.match(line):
            if current:
                blocks.append(" ".join(current))
            current = []
        in_row = row
        if line:
            current.append(_MARKUP.sub("", line).strip(" |"))
    if current:
        blocks.append(" ".join(current))
    return [b for b in blocks if b]


@dataclass(frozen=True)
class _Piece:
    """A sentence of a passage, or a table row (shown on a line of its own)."""

    text: str
    row: bool = False


def _passage_pieces(text: str) -> list[_Piece]:
    """Sentences and table rows of a passage, without the pieces of sentences that chunk
    overlap leaves at its edges ("...prediction computes outputs", "A common mistake is")."""
    out: list[_Piece] = []
    for segment in split_tables(text):
        out += [_Piece(row, row=True) for row in segment.rows]
        out += [_Piece(s) for block in _paragraphs(segment.text) for s in sentences(block) if s]
    last = len(out) - 1
    whole = [
        p
        for i, p in enumerate(out)
        if p.row
        or not ((i == 0 and p.text[:1].islower()) or (i == last and not _ENDED.search(p.text)))
    ]
    return whole or out


def _passage_sentences(text: str) -> list[str]:
    """Sentences (and table rows, as 'header: value' pairs) of a passage."""
    return [p.text for p in _passage_pieces(text)]


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")].rstrip(",;:") + " …"


def _quote(chosen: list[tuple[int, _Piece]]) -> str:
    """Chosen pieces (index in the passage, piece) in text order as quote lines: sentences run
    on, table rows stand on lines of their own."""
    lines: list[str] = []
    prose: list[str] = []
    previous: int | None = None
    for index, piece in chosen:
        gap = previous is not None and index != previous + 1
        previous = index
        if piece.row:
            if prose:
                lines.append(" ".join(prose))
                prose = []
            lines.append(piece.text)
        elif gap:
            prose.append(f"… {piece.text}")
        elif prose and not _ENDED.search(prose[-1]):  # rows of a pipe list carry no full stop
            prose.append(f"/ {piece.text}")
        else:
            prose.append(piece.text)
    if prose:
        lines.append(" ".join(prose))
    return "\n".join(_shorten(line) for line in lines)


def _unranked(quote: str, pieces: list[_Piece]) -> str:
    """The quote of a passage with no sentence worth ranking: its first rows when it holds a
    table, else its text (shortened)."""
    if any(p.row for p in pieces):
        return _quote(list(enumerate(pieces))[:SENTENCES_PER_PASSAGE])
    return _shorten(quote)


def key_sentences(
    question: str, citations: list[ChatCitation], embedder: Embedder
) -> dict[int, str]:
    """For each citation number, its sentences closest to the question, in text order, as
    quote lines (a table row is a line of its own, its cells named by the header)."""
    per_passage = {c.number: _passage_pieces(c.quote) for c in citations}
    flat = [
        (n, i, p)
        for n, items in per_passage.items()
        for i, p in enumerate(items)
        if len(p.text) >= _MIN_SENTENCE
    ]
    out = {c.number: _unranked(c.quote, per_passage[c.number]) for c in citations}
    if not flat:
        return out
    vectors = embedder.embed_documents([p.text for _, _, p in flat])
    scores = vectors @ np.asarray(embedder.embed_query(question), dtype=np.float32)
    for number in per_passage:
        ranked = sorted(
            ((float(scores[j]), i, p) for j, (n, i, p) in enumerate(flat) if n == number),
            key=lambda item: (item[0], -item[1]),
            reverse=True,
        )[:SENTENCES_PER_PASSAGE]
        if ranked:
            out[number] = _quote(sorted(((i, p) for _, i, p in ranked), key=lambda x: x[0]))
    return out


def _groups(citations: list[ChatCitation]) -> list[list[ChatCitation]]:
    groups: dict[tuple[str, str], list[ChatCitation]] = {}
    for citation in sorted(citations, key=lambda c: c.number):
        groups.setdefault((citation.kind, citation.source), []).append(citation)
    return list(groups.values())


def in_reading_order(citations: list[ChatCitation]) -> list[ChatCitation]:
    """The citations grouped by source as the offline answer shows them (the source of the
    best passage first), renumbered [1], [2], [3] in that order."""
    ordered = [c for group in _groups(citations) for c in group]
    return [c.model_copy(update={"number": i}) for i, c in enumerate(ordered, start=1)]


def extractive_answer(
    question: str,
    citations: list[ChatCitation],
    embedder: Embedder,
    *,
    hint: bool = True,
    lead: str = "",
) -> tuple[str, list[ChatCitation]]:
    """The best passages grouped by source, with their headings and locations, quoted, after
    `lead` (the review's verdict, when there is one). Returns the text and the citations
    renumbered so that the markers read [1], [2], [3] down the text."""
    cited = in_reading_order(citations)
    quotes = key_sentences(question, cited, embedder)
    lines: list[str] = [lead.strip(), ""] if lead.strip() else []
    for group in _groups(cited):
        first = group[0]
        if first.kind == "draft":
            lines.append(f"Your draft, {first.title or first.source} ({first.source}):")
        else:
            lines.append(f"{first.title or first.source} ({first.source}):")
        for citation in group:
            place = ", ".join(x for x in (citation.heading_label, citation.location.label()) if x)
            lines.append(f"  [{citation.number}] {place or citation.source}")
            lines += [f"      “{line}”" for line in quotes[citation.number].split("\n")]
        lines.append("")
    if hint:
        lines.append(LLM_HINT)
    return "\n".join(lines).strip(), cited


def nothing_relevant(best_score: float, floor: float, with_draft: bool) -> str:
    """What the chat says when no passage is relevant enough, instead of padding."""
    who = (
        "Neither the knowledge base nor your draft has" if with_draft else "The knowledge base has"
    )
    return (
        f"{who} nothing relevant to this question: the best passage scores {best_score:.2f}, "
        f"under the relevance floor of {floor:.2f}, so there is nothing worth quoting. mlsd "
        "answers questions about designing ML systems from its guides: ask about metrics, "
        "baselines, data and labels, evaluation, serving, monitoring, cost, privacy, fairness "
        "or rollout."
    )
