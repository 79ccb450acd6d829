"""Embeddings the reviewer needs: the rubric's (cached on disk per rubric version and model)
and the draft's sentences."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from app.draft import Draft
from app.rubric.models import Rubric
from ingest.embedder import Embedder

Matrix = npt.NDArray[np.float32]


class RubricVectors(BaseModel):
    """Unit vectors for every question, section title (with aliases) and section centroid."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    question_ids: list[str]
    questions: Matrix
    title_owner: list[str]  # section id of each title/alias row
    titles: Matrix
    section_ids: list[str]
    centroids: Matrix


def question_text(rubric: Rubric, section_id: str, question: str) -> str:
    """What is embedded for a question: the section's title gives it its topic."""
    section = rubric.section(section_id)
    return f"{section.title}: {question}"


def _normalize(rows: Matrix) -> Matrix:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Matrix = (rows / norms).astype(np.float32)
    return out


_memory: dict[str, RubricVectors] = {}
_lock = threading.Lock()


def rubric_vectors(rubric: Rubric, embedder: Embedder, cache_dir: Path | None) -> RubricVectors:
    """Vectors of a rubric: from memory, from disk, or embedded now (then saved)."""
    # Keyed by what is embedded, not by the template file: a newer parser reads the same
    # file into other titles, aliases and checks.
    content = "\n".join(
        "\t".join(
            [
                s.id,
                s.title,
                *s.aliases,
                "|",
                *(q.text for q in s.questions),
                "|",
                s.summary,
                *s.key_points,
            ]
        )
        for s in rubric.sections
    )
    key = hashlib.sha256(f"{content}:{embedder.name}:2".encode()).hexdigest()
    with _lock:
        if key in _memory:
            return _memory[key]
    question_ids = [q.id for s in rubric.sections for q in s.questions]
    title_owner = [s.id for s in rubric.sections for _ in range(1 + len(s.aliases))]
    section_ids = [s.id for s in rubric.sections]
    path = cache_dir / f"rubric-{key[:24]}.npz" if cache_dir else None
    vectors: RubricVectors | None = None
    if path is not None and path.exists():
        try:
            data = np.load(path)
            vectors = RubricVectors(
                question_ids=question_ids,
                questions=data["questions"],
                title_owner=title_owner,
                titles=data["titles"],
                section_ids=section_ids,
                centroids=data["centroids"],
            )
            if vectors.questions.shape[0] != len(question_ids):
                vectors = None
        except (OSError, ValueError, KeyError):
            vectors = None
    if vectors is None:
        q_texts = [
            question_text(rubric, s.id, q.text) for s in rubric.sections for q in s.questions
        ]
        t_texts = [t for s in rubric.sections for t in (s.title, *s.aliases)]
        summaries = [f"{s.title}. {s.summary} {' '.join(s.key_points)}" for s in rubric.sections]
        all_vectors = embedder.embed_documents(q_texts + t_texts + summaries)
        questions = all_vectors[: len(q_texts)]
        titles = all_vectors[len(q_texts) : len(q_texts) + len(t_texts)]
        summary_vecs = all_vectors[len(q_texts) + len(t_texts) :]
        centroids = []
        offset = 0
        for i, section in enumerate(rubric.sections):
            rows = questions[offset : offset + len(section.questions)]
            offset += len(section.questions)
            centroids.append(np.vstack([rows, summary_vecs[i : i + 1]]).mean(axis=0))
        vectors = RubricVectors(
            question_ids=question_ids,
            questions=questions,
            title_owner=title_owner,
            titles=titles,
            section_ids=section_ids,
            centroids=_normalize(np.asarray(centroids, dtype=np.float32)),
        )
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npz")
                np.savez(
                    tmp,
                    questions=vectors.questions,
                    titles=vectors.titles,
                    centroids=vectors.centroids,
                )
                tmp.replace(path)
            except OSError:
                pass  # a cache that cannot be written only costs time
    with _lock:
        _memory[key] = vectors
    return vectors


def sentence_text(draft: Draft, index: int) -> str:
    """What is embedded for a sentence: its section heading gives it its topic."""
    sentence = draft.sentences[index]
    heading = draft.sections[sentence.section].heading
    return f"{heading}: {sentence.text}" if heading else sentence.text


def sentence_vectors(draft: Draft, embedder: Embedder) -> Matrix:
    """One unit vector per draft sentence (placeholders included; they are filtered later)."""
    if not draft.sentences:
        return np.zeros((0, 1), dtype=np.float32)
    return embedder.embed_documents([sentence_text(draft, i) for i in range(len(draft.sentences))])
