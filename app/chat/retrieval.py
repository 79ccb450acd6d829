"""Retrieval for the chat: guide passages from the knowledge base, draft passages from memory,
merged, cut at a relevance floor and numbered [1]..[n]."""

from __future__ import annotations

from dataclasses import dataclass

from app.chat.draft_index import DraftIndex, DraftPassage
from app.chat.models import ChatCitation
from ingest.embedder import Vectors
from ingest.store import Hit, KnowledgeStore

# Cosine score of the best passage under which the knowledge base is taken to know nothing
# about the question. Measured with all-MiniLM-L6-v2 on knowledge/guides (481 chunks):
#   28 trade-off questions (evals/retrieval/tradeoffs.yaml): best score 0.472 to 0.780,
#     median 0.635, 10th percentile 0.507;
#   24 off-topic questions ("What is the capital of France?", "Recipe for pancakes",
#     "hello", "How do I knit a scarf?"...): best score 0.095 to 0.226, median 0.160;
#   software questions outside ML design ("What is Kubernetes?" 0.335, "What is the best
#     programming language?" 0.323, "What is a database index?" 0.320) stay under it too,
#     while vague ML questions ("what is overfitting" 0.372, "what about latency?" 0.581)
#     pass. 0.35 sits in the gap between 0.226 and 0.472, nearer the off-topic side.
RELEVANCE_FLOOR = 0.35
# Draft passages are specific where guides are general, so their scores run lower. Measured on
# three drafts in evals/cases (fraud-complete, recsys-complete, churn-thin): a draft passage
# that answers the question scores 0.38 to 0.53 against it ("What is our latency budget?" ->
# the requirements section 0.484; guardrail metrics -> success metrics 0.426 and 0.529);
# off-topic questions reach at most 0.317 ("What is Kubernetes?"), most under 0.17. The draft
# alone makes a question relevant from 0.40; a draft passage is cited from 0.35 of its blended
# score (see DraftIndex.search: with guide feedback the monitoring sections of the two complete
# drafts score 0.485 and 0.457, while the thin draft, which has none, stays at 0.323).
DRAFT_RELEVANCE_FLOOR = 0.40
DRAFT_PASSAGE_FLOOR = 0.35
# Passages far below the best one of their kind are padding: keep those within 75% of it.
RELATIVE_CUT = 0.75
# Guide candidates fetched per passage wanted, before the cut and the merge with the draft.
_OVERFETCH = 2
# Guide passages whose vectors steer the search of the draft.
_FEEDBACK = 2


@dataclass(frozen=True)
class Retrieval:
    """The numbered passages for a question, and whether anything was relevant."""

    citations: list[ChatCitation]
    best_score: float
    relevant: bool


def _guide(hit: Hit) -> ChatCitation:
    return ChatCitation(
        number=0,
        kind="guide",
        chunk_id=hit.chunk_id,
        source=hit.source_id,
        title=hit.title,
        heading_path=hit.heading_path,
        location=hit.location,
        url=hit.url,
        quote=hit.text,
        score=hit.score,
    )


def _draft(passage: DraftPassage, score: float, index: DraftIndex) -> ChatCitation:
    draft = index.draft
    return ChatCitation(
        number=0,
        kind="draft",
        section=passage.section.heading or "(before the first heading)",
        source=draft.source_id,
        title=draft.title,
        heading_path=passage.heading_path(draft.title),
        location=passage.location,
        quote=passage.text,
        score=score,
    )


def _merge(guides: list[ChatCitation], drafts: list[ChatCitation], k: int) -> list[ChatCitation]:
    """The best k of both, with a few places kept for each source when it has candidates:
    a question about the draft still deserves the guides' view, and the other way round."""
    reserve = max(1, k // 3)
    chosen = guides[: min(reserve, len(guides))] + drafts[: min(reserve, len(drafts))]
    if len(chosen) > k:  # k == 1: the single best passage wins
        chosen = sorted(chosen, key=lambda c: -c.score)[:k]
    rest = sorted(
        (c for c in guides + drafts if all(c is not x for x in chosen)), key=lambda c: -c.score
    )
    chosen += rest[: k - len(chosen)]
    return sorted(chosen, key=lambda c: -c.score)


def _feedback_vectors(store: KnowledgeStore, hits: list[Hit]) -> Vectors:
    texts = [" > ".join([h.title, *h.heading_path[-2:]]) + "\n" + h.text for h in hits]
    return store.embedder.embed_documents(texts)


def retrieve(
    question: str,
    store: KnowledgeStore,
    *,
    k: int,
    draft: DraftIndex | None = None,
    floor: float = RELEVANCE_FLOOR,
) -> Retrieval:
    """At most `k` passages for the question, best first, numbered from 1.

    Empty (and `relevant` False) when neither the guides nor the draft hold a passage above
    their floor."""
    vector = store.embedder.embed_query(question)
    hits = store.search_vector(vector, k=k * _OVERFETCH)
    best = max((h.score for h in hits), default=0.0)
    guides_relevant = best >= floor
    drafts: list[ChatCitation] = []
    draft_relevant = False
    if draft is not None:
        feedback = _feedback_vectors(store, hits[:_FEEDBACK]) if guides_relevant else None
        found = draft.search(vector, k, feedback)
        draft_relevant = any(direct >= DRAFT_RELEVANCE_FLOOR for _, _, direct in found)
        if guides_relevant or draft_relevant:
            top = max((score for _, score, _ in found), default=0.0)
            cut = max(DRAFT_PASSAGE_FLOOR, top * RELATIVE_CUT)
            drafts = [_draft(p, score, draft) for p, score, _ in found if score >= cut]
    if not (guides_relevant or draft_relevant):
        return Retrieval([], best, False)
    cut = max(floor, best * RELATIVE_CUT)
    guides = [_guide(h) for h in hits if h.score >= cut]
    merged = _merge(guides, drafts, k)
    numbered = [c.model_copy(update={"number": i}) for i, c in enumerate(merged, start=1)]
    return Retrieval(numbered, best, True)
