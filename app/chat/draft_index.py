"""The draft as an extra, in-memory source for the chat: passages of a few sentences within
one section, embedded with the knowledge base's embedder, never written to the store."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from app.draft import Draft, DraftSection, DraftSentence
from app.sentences import is_instruction
from ingest.embedder import Embedder, Vectors
from ingest.models import Location

# A passage about the size of a short paragraph: long enough to carry a claim and its figure,
# short enough that its score reflects one topic.
PASSAGE_CHARS = 500
PASSAGE_SENTENCES = 4


@dataclass(frozen=True)
class DraftPassage:
    """Consecutive sentences of one draft section."""

    section: DraftSection
    text: str
    location: Location

    def heading_path(self, title: str) -> list[str]:
        """The section's headings, without the document title on top."""
        path = list(self.section.path) or ([self.section.heading] if self.section.heading else [])
        if len(path) > 1 and path[0] == title:
            path = path[1:]
        return path


def _group(sentences: list[DraftSentence]) -> list[list[DraftSentence]]:
    groups: list[list[DraftSentence]] = []
    current: list[DraftSentence] = []
    size = 0
    for sentence in sentences:
        fits = size + len(sentence.text) <= PASSAGE_CHARS and len(current) < PASSAGE_SENTENCES
        if current and (sentence.section != current[0].section or not fits):
            groups.append(current)
            current, size = [], 0
        current.append(sentence)
        size += len(sentence.text) + 1
    if current:
        groups.append(current)
    return groups


def draft_passages(draft: Draft) -> list[DraftPassage]:
    """Passages of the draft, in order. Text addressed to a reviewer or a model is left out."""
    sections = {s.index: s for s in draft.sections}
    usable = [s for s in draft.sentences if not (s.instruction or is_instruction(s.text))]
    passages = []
    for group in _group(usable):
        location = group[0].location
        for sentence in group[1:]:
            location = location.merge(sentence.location)
        passages.append(
            DraftPassage(
                section=sections[group[0].section],
                text=" ".join(s.text for s in group),
                location=location,
            )
        )
    return passages


class DraftIndex:
    """Draft passages and their vectors, searchable by a query vector."""

    def __init__(self, draft: Draft, embedder: Embedder) -> None:
        self.draft = draft
        self.embedder_name = embedder.name
        self.passages = draft_passages(draft)
        texts = [self._embedding_text(p) for p in self.passages]
        self._vectors: Vectors = (
            embedder.embed_documents(texts) if texts else np.zeros((0, 0), dtype=np.float32)
        )

    def _embedding_text(self, passage: DraftPassage) -> str:
        context = " > ".join(passage.heading_path(self.draft.title)[-2:])
        return f"{context}\n{passage.text}" if context else passage.text

    def search(
        self, vector: Vectors, k: int, feedback: Vectors | None = None
    ) -> list[tuple[DraftPassage, float, float]]:
        """The `k` best passages for a unit query vector: (passage, score, question score).

        A question about the draft ("is my monitoring section enough?") rarely shares words
        with the section that answers it, but the guide passages it retrieves do. With
        `feedback` (vectors of those guide passages) a passage's score is the better of its
        similarity to the question and the mean of that and its similarity to the guides."""
        if not self.passages or k <= 0:
            return []
        direct = self._vectors @ np.asarray(vector, dtype=np.float32)
        scores = direct
        if feedback is not None and len(feedback):
            to_guides = (self._vectors @ np.asarray(feedback, dtype=np.float32).T).max(axis=1)
            scores = np.maximum(direct, (direct + to_guides) / 2)
        order = np.argsort(-scores)[:k]
        return [
            (self.passages[i], round(max(0.0, float(scores[i])), 4), float(direct[i]))
            for i in order
        ]


_CACHE_SIZE = 4
_cache: OrderedDict[tuple[str, str, str], DraftIndex] = OrderedDict()
_cache_lock = threading.Lock()


def draft_index(draft: Draft, embedder: Embedder) -> DraftIndex:
    """The index of a draft, built once per draft content and embedder (a chat asks many
    questions about the same draft)."""
    key = (draft.source_id, draft.content_hash, embedder.name)
    with _cache_lock:
        index = _cache.get(key)
        if index is not None:
            _cache.move_to_end(key)
            return index
    index = DraftIndex(draft, embedder)
    with _cache_lock:
        _cache[key] = index
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index
