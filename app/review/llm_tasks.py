"""What the LLM sees for each template section, and the risks it reports back."""

from __future__ import annotations

import re

import numpy as np

from app.draft import Draft
from app.llm.judge import SectionJudgement, SectionTask, split_excerpt
from app.review.align import Alignment
from app.review.findings import finding_id
from app.review.llm_merge import find_quote
from app.review.models import Evidence, Finding, FindingKind
from app.review.vectors import Matrix, RubricVectors
from app.rubric.models import Rubric, Severity
from ingest.store import KnowledgeStore

# Sentences beyond the aligned sections that the model also sees (best-scoring first).
EXTRA_SENTENCES = 12
PART_CHARS = 6000
# A draft up to this long is sent whole, first and identical in every section's call, so a
# server that caches the prompt prefix (llama.cpp, Ollama, vLLM) reads it only once. A longer
# one is cut into each section's own excerpt.
SHARED_DRAFT_CHARS = 12000


def build_tasks(
    draft: Draft,
    rubric: Rubric,
    vectors: RubricVectors,
    scores: Matrix,
    alignment: Alignment,
    store: KnowledgeStore,
) -> list[SectionTask]:
    """One task per template section: its questions, reference passages and draft excerpt.

    Text addressed to the reviewer never reaches the model."""
    usable = [i for i, s in enumerate(draft.sentences) if not (s.placeholder or s.instruction)]

    def line(i: int) -> str:
        sentence = draft.sentences[i]
        return f"[{sentence.location.label() or 'text'}] {sentence.text}"

    whole = "\n".join(line(i) for i in usable)
    shared = len(whole) <= SHARED_DRAFT_CHARS
    tasks = []
    row = 0
    for k, section in enumerate(rubric.sections):
        n = len(section.questions)
        aligned = set(alignment.draft_sections(section.id))
        chosen = [i for i in usable if draft.sentences[i].section in aligned]
        if scores.shape[1] and n:
            best = scores[row : row + n].max(axis=0)
            ranked = [i for i in np.argsort(-best) if i in set(usable) and i not in chosen]
            chosen += ranked[:EXTRA_SENTENCES]
        row += n
        chosen = sorted(set(chosen))
        hits = store.search_vector(vectors.centroids[k], k=3) if store.count() else []
        tasks.append(
            SectionTask(
                section_id=section.id,
                title=section.label,
                summary=section.summary,
                questions=[(q.id, q.text) for q in section.questions],
                passages=[h.text for h in hits],
                draft_parts=[whole]
                if shared
                else split_excerpt([line(i) for i in chosen], PART_CHARS),
                shared_draft=shared,
            )
        )
    return tasks


def llm_risk_findings(
    draft: Draft, section_id: str, judgement: SectionJudgement, model: str
) -> list[Finding]:
    """Risks the model reported, kept only when their quote is really in the draft."""
    out = []
    for risk in judgement.risks[:3]:
        sentence = find_quote(draft, risk.quote)
        if sentence is None:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", risk.title.lower()).strip("-")[:40] or "risk"
        rule = f"risk.llm.{slug}"
        out.append(
            Finding(
                id=finding_id(rule, draft.source_id),
                rule_id=rule,
                kind=FindingKind.RISK,
                severity=Severity(risk.severity),
                section_id=section_id,
                title=risk.title[:120],
                message=risk.message[:600],
                source=model,
                evidence=[
                    Evidence(
                        quote=sentence.text,
                        location=sentence.location,
                        section=draft.sections[sentence.section].heading,
                    )
                ],
            )
        )
    return out
