"""The built-in template as a catalogue of topics, for templates that name no cues.

The default template gives each section curated aliases ("success metrics", "KPIs") and cues,
the words that show a draft is on the section's topic wherever it sits. A team's own template
rarely does, so its cues are derived from its own words (app.rubric.cues), which fire far
more loosely than curated ones: the section model, fitted on curated cues, then reads a
missing section as partly written. Design-doc templates cover much the same topics under
other names, so each built-in section is matched to the team's section closest to it, by
title (against the built-in title and aliases) and by guidance (title, summary and checks),
both embedded. A clear match (score at least MATCH, ahead of the runner-up by MARGIN) lends
the team's section the built-in cues and aliases in place of the derived ones; a section
that merges two topics ("Architecture and serving") takes both, and its checks are split
between them (each check goes to the topic owning the closest built-in check, and every
topic keeps at least one): the section is then judged topic by topic, and counts as covered only
when each of its topics is (app.review.sections). Sections that match nothing keep their
derived cues, and a template that names its own cues is left as it is.
"""

from __future__ import annotations

import numpy as np

from app.rubric.models import Rubric, RubricSection
from ingest.embedder import Embedder

# Mean of the title and the guidance cosine at which a built-in topic lends its cues.
MATCH = 0.5
# How far the best section must be ahead of the second best.
MARGIN = 0.03


def _guidance(section: RubricSection) -> str:
    parts = [section.title, section.summary, *(q.text for q in section.questions)]
    return ". ".join(p for p in parts if p)


def match_scores(rubric: Rubric, reference: Rubric, embedder: Embedder) -> np.ndarray:
    """(built-in section x team section): mean of the title and the guidance similarity."""
    ref_guidance = embedder.embed_documents([_guidance(s) for s in reference.sections])
    own_guidance = embedder.embed_documents([_guidance(s) for s in rubric.sections])
    names = [(i, n) for i, s in enumerate(reference.sections) for n in (s.title, *s.aliases)]
    ref_names = embedder.embed_documents([n for _, n in names])
    own_titles = embedder.embed_documents([s.title for s in rubric.sections])
    by_name = ref_names @ own_titles.T
    title = np.full((len(reference.sections), len(rubric.sections)), -1.0, dtype=np.float32)
    for row, (i, _) in enumerate(names):
        title[i] = np.maximum(title[i], by_name[row])
    scores: np.ndarray = 0.5 * title + 0.5 * (ref_guidance @ own_guidance.T)
    return scores


def topic_matches(scores: np.ndarray) -> dict[int, list[int]]:
    """Team section index -> the built-in section indices it clearly matches."""
    out: dict[int, list[int]] = {}
    if scores.shape[1] == 0:
        return out
    for i, row in enumerate(scores):
        order = np.argsort(-row)
        best = float(row[order[0]])
        second = float(row[order[1]]) if len(order) > 1 else -1.0
        if best >= MATCH and best - second >= MARGIN:
            out.setdefault(int(order[0]), []).append(i)
    return out


def split_checks(
    section: RubricSection, topics: list[RubricSection], embedder: Embedder
) -> list[list[str]]:
    """The section's question ids per topic: each question goes to the topic owning the
    built-in check, title or alias closest to it; a topic left without one takes the
    question closest to it."""
    if not section.questions:
        return [[] for _ in topics]
    own = embedder.embed_documents([q.text for q in section.questions])
    similarity = np.array(
        [
            (
                embedder.embed_documents([t.title, *t.aliases, *(q.text for q in t.questions)])
                @ own.T
            ).max(axis=0)
            for t in topics
        ]
    )  # topic x question
    nearest = np.argmax(similarity, axis=0)
    parts: list[list[str]] = [
        [q.id for j, q in enumerate(section.questions) if nearest[j] == i]
        for i in range(len(topics))
    ]
    for i, part in enumerate(parts):
        if not part:
            part.append(section.questions[int(np.argmax(similarity[i]))].id)
    return parts


def borrow_topics(rubric: Rubric, reference: Rubric, embedder: Embedder) -> Rubric:
    """The rubric, its sections with derived cues given the matched built-in topics' cues
    and aliases. The reference itself, and a rubric with cues of its own, come back as
    they are."""
    if rubric.id == reference.id and rubric.version == reference.version:
        return rubric
    if not any(s.cues_derived for s in rubric.sections):
        return rubric
    matches = topic_matches(match_scores(rubric, reference, embedder))
    sections = []
    for k, section in enumerate(rubric.sections):
        topics = [reference.sections[i] for i in matches.get(k, [])]
        if not topics or not section.cues_derived or section.optional:
            sections.append(section)
            continue
        cues = list(dict.fromkeys(c for t in topics for c in t.cues))
        names = [n for t in topics for n in ([t.title] if len(topics) > 1 else []) + t.aliases]
        aliases = [a for a in dict.fromkeys([*section.aliases, *names]) if a != section.title]
        sections.append(
            section.model_copy(
                update={
                    "cues": cues or section.cues,
                    "aliases": aliases,
                    "topics": [t.id for t in topics],
                    "topic_cues": [list(t.cues) for t in topics] if len(topics) > 1 else [],
                    "topic_questions": split_checks(section, topics, embedder)
                    if len(topics) > 1
                    else [],
                    "cues_derived": not cues,
                }
            )
        )
    return rubric.model_copy(update={"sections": sections})
