"""The offline answer: the passages that match best, grouped by source, each shown by its
sentences closest to the question. Nothing is generated, so nothing can be made up."""

from __future__ import annotations

import itertools
import re

import numpy as np

from app.chat.models import ChatCitation
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


def _passage_sentences(text: str) -> list[str]:
    """Sentences of a passage, without the pieces of sentences that chunk overlap leaves at
    its edges ("...prediction computes outputs", "A common mistake is choosing")."""
    out = [s for block in _paragraphs(text) for s in sentences(block) if s]
    whole = [
        s
        for i, s in enumerate(out)
        if not (i == 0 and s[:1].islower()) and not (i == len(out) - 1 and not _ENDED.search(s))
    ]
    return whole or out


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")].rstrip(",;:") + " …"


def key_sentences(
    question: str, citations: list[ChatCitation], embedder: Embedder
) -> dict[int, str]:
    """For each citation number, its sentences closest to the question, in text order."""
    per_passage = {c.number: _passage_sentences(c.quote) for c in citations}
    flat = [
        (n, i, s)
        for n, items in per_passage.items()
        for i, s in enumerate(items)
        if len(s) >= _MIN_SENTENCE
    ]
    out = {c.number: _shorten(c.quote) for c in citations}
    if not flat:
        return out
    vectors = embedder.embed_documents([s for _, _, s in flat])
    scores = vectors @ np.asarray(embedder.embed_query(question), dtype=np.float32)
    for number in per_passage:
        ranked = sorted(
            ((float(scores[j]), i, s) for j, (n, i, s) in enumerate(flat) if n == number),
            reverse=True,
        )[:SENTENCES_PER_PASSAGE]
        if not ranked:
            continue
        chosen = sorted(ranked, key=lambda item: item[1])
        parts = [chosen[0][2]]
        for (_, prev, _), (_, index, text) in itertools.pairwise(chosen):
            if index != prev + 1:
                parts.append(f"… {text}")
            else:  # table rows carry no full stop: keep them apart
                parts.append(text if _ENDED.search(parts[-1]) else f"/ {text}")
        out[number] = _shorten(" ".join(parts))
    return out


def _groups(citations: list[ChatCitation]) -> list[list[ChatCitation]]:
    groups: dict[tuple[str, str], list[ChatCitation]] = {}
    for citation in sorted(citations, key=lambda c: c.number):
        groups.setdefault((citation.kind, citation.source), []).append(citation)
    return list(groups.values())


def extractive_answer(
    question: str, citations: list[ChatCitation], embedder: Embedder, *, hint: bool = True
) -> str:
    """The best passages grouped by source, with their headings and locations, quoted."""
    quotes = key_sentences(question, citations, embedder)
    lines: list[str] = []
    for group in _groups(citations):
        first = group[0]
        if first.kind == "draft":
            lines.append(f"Your draft, {first.title or first.source} ({first.source}):")
        else:
            lines.append(f"{first.title or first.source} ({first.source}):")
        for citation in group:
            place = ", ".join(x for x in (citation.heading_label, citation.location.label()) if x)
            lines.append(f"  [{citation.number}] {place or citation.source}")
            lines.append(f"      “{quotes[citation.number]}”")
        lines.append("")
    if hint:
        lines.append(LLM_HINT)
    return "\n".join(lines).strip()


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
