"""The LLM section judge, review side: what the model sees for each template section, and
how far its answers are believed.

`judge_with_llm` builds one task per section (its questions, reference passages, and the
draft with each sentence numbered [S<n>]), asks app.llm.judge.LLMJudge in the order of the
sections whose offline verdicts are least certain, and merges the answers back. A verdict
counts only with evidence that is really in the draft: a quote found there, or the number
of a sentence that is not text addressed to the reviewer, and that is about the question (its
embedding score clears the partial threshold). A "covered" verdict that fails this is
downgraded; the model's risks need a verified quote too. A section the model did not judge
keeps its offline verdicts, and the review says whether the time budget or a fault left it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np

from app.draft import Draft, DraftSentence
from app.llm.judge import LLMJudge, LLMVerdict, SectionJudgement, SectionTask, split_excerpt
from app.review.align import Alignment
from app.review.findings import finding_id
from app.review.judgement import Judgement
from app.review.models import Evidence, Finding, FindingKind, QuestionVerdict, Verdict
from app.review.score import section_coverage
from app.review.thresholds import Thresholds
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
        # Numbered so a slow model can point at its evidence in two tokens ([S12] -> 12).
        return f"[S{i + 1}] {draft.sentences[i].text}"

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
                sentences=len(draft.sentences),
            )
        )
    return tasks


_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def normalize(text: str) -> str:
    """Lower case, plain quotes and dashes, no Markdown emphasis, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"\s+", " ", text).strip(" .;:,\"'")


_NUMBER = re.compile(r"^\s*\[S\d+\]\s*")


def evidence_of(draft: Draft, answer: LLMVerdict) -> DraftSentence | None:
    """The draft sentence a verdict points at, by quote or by sentence number; None when it
    is not in the draft or is not evidence (a placeholder, text addressed to the reviewer)."""
    if answer.quote:
        return find_quote(draft, answer.quote)
    if 1 <= answer.sentence <= len(draft.sentences):
        sentence = draft.sentences[answer.sentence - 1]
        if not (sentence.placeholder or sentence.instruction):
            return sentence
    return None


def find_quote(draft: Draft, quote: str) -> DraftSentence | None:
    """The evidence sentence that contains the quote (or that the quote contains)."""
    wanted = normalize(_NUMBER.sub("", quote))
    if len(wanted) < 8:
        return None
    for sentence in draft.evidence:
        have = normalize(sentence.text)
        if wanted in have or (len(have) >= 20 and have in wanted):
            return sentence
    # A quote spanning two sentences: match its first half.
    head = wanted[: max(20, len(wanted) // 2)]
    for sentence in draft.evidence:
        if head in normalize(sentence.text):
            return sentence
    return None


def merge_section(
    draft: Draft,
    offline: list[QuestionVerdict],
    judgement: SectionJudgement,
    scores: Matrix,
    rows: dict[str, int],
    thresholds: Thresholds,
    model: str,
) -> list[QuestionVerdict]:
    """The section's verdicts after checking the model's answers against the draft."""
    by_id = {v.question_id: v for v in judgement.verdicts}
    index = {id(s): i for i, s in enumerate(draft.sentences)}
    merged: list[QuestionVerdict] = []
    for base in offline:
        answer = by_id.get(base.question_id)
        if answer is None:
            merged.append(
                base.model_copy(
                    update={"reason": base.reason + " (the model gave no verdict; judged offline)"}
                )
            )
            continue
        verdict = Verdict(answer.verdict)
        if verdict is Verdict.MISSING:
            merged.append(
                QuestionVerdict(
                    question_id=base.question_id,
                    question=base.question,
                    verdict=verdict,
                    reason=answer.reason or "not answered",
                    judged_by=model,
                )
            )
            continue
        sentence = evidence_of(draft, answer)
        relevant = False
        if sentence is not None and base.question_id in rows:
            column = index[id(sentence)]
            relevant = bool(
                scores.shape[1]
                and float(scores[rows[base.question_id], column])
                >= thresholds.partial - thresholds.lexical_weight
            )
        if sentence is None or not relevant:
            pointer = "quote" if answer.quote or not answer.sentence else "sentence"
            why = (
                f"its {pointer} is not in the draft"
                if sentence is None
                else (f"its {pointer} is not about this question")
            )
            downgraded = (
                Verdict.PARTIAL
                if base.verdict in (Verdict.COVERED, Verdict.PARTIAL)
                else base.verdict
            )
            if verdict is Verdict.PARTIAL or verdict is Verdict.NOT_APPLICABLE:
                downgraded = (
                    base.verdict if base.verdict is not Verdict.COVERED else (Verdict.PARTIAL)
                )
            merged.append(
                base.model_copy(
                    update={
                        "verdict": downgraded,
                        "reason": f"the model said {verdict.value} but {why}; kept the offline "
                        f"judgement ({downgraded.value})",
                        "judged_by": f"{model} (downgraded)",
                    }
                )
            )
            continue
        section = draft.sections[sentence.section].heading
        evidence = [
            Evidence(
                quote=sentence.text,
                location=sentence.location,
                section=section,
                score=round(
                    float(np.max(scores[rows[base.question_id]])) if scores.shape[1] else 0.0, 3
                ),
            )
        ]
        merged.append(
            QuestionVerdict(
                question_id=base.question_id,
                question=base.question,
                verdict=verdict,
                evidence=evidence,
                reason=answer.reason or verdict.value,
                judged_by=model,
            )
        )
    return merged


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


def judge_with_llm(
    j: Judgement,
    rubric: Rubric,
    store: KnowledgeStore,
    llm: LLMJudge,
    thresholds: Thresholds,
    step: Callable[[str, float], None],
) -> list[str]:
    """Replace offline verdicts with checked LLM verdicts in `j`; returns warnings.

    Sections whose offline verdicts are least certain are asked first, so a budget that
    covers only some sections spends it where the model adds most."""
    draft, vectors, scores = j.draft, j.vectors, j.scores
    rows = {qid: i for i, qid in enumerate(vectors.question_ids)}
    tasks = build_tasks(draft, rubric, vectors, scores, j.alignment, store)
    order = {
        s.id: (abs((section_coverage(s, j.verdicts[s.id]) or 0.0) - 50.0), k)
        for k, s in enumerate(rubric.sections)
    }
    tasks.sort(key=lambda t: order[t.section_id])
    plan = llm.plan(tasks)
    total = len(plan.sections)
    finished: list[str] = []

    def done(section_id: str, outcome: str) -> None:
        finished.append(section_id)
        title = rubric.section(section_id).title
        # The model's share of the review runs from 0.5 to 0.6 of the progress bar.
        step(
            f"LLM {len(finished)}/{total}: {title} ({outcome})",
            0.5 + 0.1 * len(finished) / max(total, 1),
        )

    results = llm.run(tasks, plan, done)
    warnings: list[str] = []
    failed: list[str] = []
    left = 0
    for section in rubric.sections:
        result = results.get(section.id)
        if result is None or result.judgement is None:
            reason = result.error if result else "not asked"
            if result is None or result.out_of_time:
                j.judged_by[section.id] = "offline (LLM: outside its time budget)"
                left += 1
            else:
                j.judged_by[section.id] = f"offline (LLM failed: {reason})"
                failed.append(f"{section.label} ({reason})")
            continue
        j.verdicts[section.id] = merge_section(
            draft, j.verdicts[section.id], result.judgement, scores, rows, thresholds, llm.name
        )
        j.judged_by[section.id] = llm.name
        j.prose[section.id] = result.judgement.suggested_text[:4000]
        j.llm_findings[section.id] = llm_risk_findings(
            draft, section.id, result.judgement, llm.name
        )
    sections = len(rubric.sections)
    if left:
        speed = plan.note.split("(", 1)[1].split(")", 1)[0] if "(" in plan.note else ""
        warnings.append(
            f"the LLM judged {sections - left - len(failed)} of {sections} sections; "
            f"{left} did not fit its {plan.budget:g} s time budget"
            + (f" at its measured speed ({speed})" if speed else "")
            + " and were judged offline"
            if plan.budget
            else f"{left} of {sections} sections were not asked and were judged offline"
        )
    if failed:
        more = " ..." if len(failed) > 5 else ""
        warnings.append(
            f"the LLM failed for {len(failed)} of {sections} sections, "
            f"which were judged offline: {'; '.join(failed[:5])}{more}"
        )
    return warnings
