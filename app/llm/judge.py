"""The LLM section judge, model side: one structured call per template section (split when
long), in the order and within the time limits of a CallPlan (app.llm.plan), each waited for
through app.llm.calls. It returns raw judgements; app.llm.review builds the tasks and
checks every answer against the draft before anything is believed.

Two answer shapes. The full one gives, per question, a verdict, a quote copied from the draft
and a reason, plus suggested text and risks. The compact one, for a slow model (a laptop CPU
writes 4 tokens/s), gives only a verdict and the number of the draft sentence that shows it
(`[S12]` in the prompt): about 15 tokens a question instead of 60."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from app.llm.calls import OutOfTime, describe_failure, run_calls
from app.llm.plan import CallPlan, ModelSpeed, plan_calls
from app.llm.prompts import Prompt, load_prompt
from app.llm.provider import with_answer_limit

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

REQUIRED = frozenset(
    {"section_title", "section_summary", "questions", "passages", "draft", "part", "parts"}
)
REQUIRED_COMPACT = frozenset(
    {"section_title", "section_summary", "questions", "draft", "part", "parts"}
)


class LLMVerdict(BaseModel):
    """A model's verdict on one question."""

    question_id: str
    verdict: Literal["covered", "partial", "missing", "not_applicable"]
    quote: str = ""
    reason: str = ""
    sentence: int = Field(0, description="The draft sentence [S<n>] that shows it; 0 for none.")


class LLMRisk(BaseModel):
    """A risk the model saw, with a quote from the draft as evidence."""

    title: str
    message: str
    quote: str
    severity: Literal["warning", "note"] = "warning"


class SectionJudgement(BaseModel):
    """What the model returns for one template section."""

    verdicts: list[LLMVerdict] = Field(default_factory=list)
    suggested_text: str = ""
    risks: list[LLMRisk] = Field(default_factory=list)


@dataclass
class SectionTask:
    """Everything the model sees for one template section."""

    section_id: str
    title: str
    summary: str
    questions: list[tuple[str, str]]  # (id, text)
    passages: list[str]
    draft_parts: list[str]
    # The same draft text for every section (sent first, so a server caches it once).
    shared_draft: bool = False
    # The highest sentence number [S<n>] in the draft text.
    sentences: int = 0


@dataclass
class SectionResult:
    """The merged judgement of a section's parts, or why there is none."""

    judgement: SectionJudgement | None = None
    error: str = ""
    # True when the section was left to the offline judge by the time budget, not by a fault.
    out_of_time: bool = False
    calls: int = 0
    notes: list[str] = field(default_factory=list)


_JSON_BLOCK = re.compile(r"\{.*\}", re.DOTALL)
# Bounds of the answer, sent as the JSON schema's maxLength and maxItems: a server that
# constrains its output to the schema (llama.cpp) can then never run past max_tokens inside
# the JSON, and a small model cannot repeat itself for pages. Answers are parsed leniently
# (a provider that ignores the bounds is cut to them, not rejected).
QUOTE_CHARS = 160
REASON_CHARS = 100
SUGGESTION_CHARS = 600
RISKS = 2


def judgement_schema(question_ids: list[str], compact: bool, sentences: int = 0) -> dict[str, Any]:
    """The JSON schema a section's answer must follow: one verdict per question, by its id.
    `compact` asks for verdicts and sentence numbers only (a slow model's time goes to
    judging, not to writing quotes, reasons and suggestions)."""
    question = {"enum": question_ids} if question_ids else {"type": "string"}
    verdict_enum = {"enum": ["covered", "partial", "missing", "not_applicable"]}
    verdict: dict[str, Any]
    if compact:
        verdict = {
            "type": "object",
            "properties": {
                "question_id": question,
                "verdict": verdict_enum,
                "sentence": {"type": "integer", "minimum": 0, "maximum": max(sentences, 0)},
            },
            "required": ["question_id", "verdict", "sentence"],
            "additionalProperties": False,
        }
    else:
        verdict = {
            "type": "object",
            "properties": {
                "question_id": question,
                "verdict": verdict_enum,
                "quote": {"type": "string", "maxLength": QUOTE_CHARS},
                "reason": {"type": "string", "maxLength": REASON_CHARS},
            },
            "required": ["question_id", "verdict", "quote", "reason"],
            "additionalProperties": False,
        }
    count = max(len(question_ids), 1)
    properties: dict[str, Any] = {
        "verdicts": {"type": "array", "items": verdict, "minItems": count, "maxItems": count}
    }
    if not compact:
        risk = {
            "type": "object",
            "properties": {
                "title": {"type": "string", "maxLength": 80},
                "message": {"type": "string", "maxLength": 240},
                "quote": {"type": "string", "maxLength": QUOTE_CHARS},
                "severity": {"enum": ["warning", "note"]},
            },
            "required": ["title", "message", "quote", "severity"],
            "additionalProperties": False,
        }
        properties["suggested_text"] = {"type": "string", "maxLength": SUGGESTION_CHARS}
        properties["risks"] = {"type": "array", "items": risk, "maxItems": RISKS}
    return {
        "title": "SectionJudgement",
        "description": "Verdicts on a template section's guiding questions.",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_RANK = {"covered": 3, "partial": 2, "not_applicable": 1, "missing": 0}


def parse_judgement(raw: Any) -> SectionJudgement:
    """A SectionJudgement from a structured result, a dict or text holding JSON."""
    if isinstance(raw, SectionJudgement):
        return raw
    if isinstance(raw, dict):
        return _bounded(SectionJudgement.model_validate(raw))
    text = getattr(raw, "content", raw)
    if isinstance(text, list):
        text = "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in text
        )
    match = _JSON_BLOCK.search(str(text))
    if not match:
        raise ValueError("the model returned no JSON")
    return _bounded(SectionJudgement.model_validate(json.loads(match.group(0))))


def _bounded(judgement: SectionJudgement) -> SectionJudgement:
    """The judgement with its texts cut, with room to spare, near the schema's bounds (a
    provider that ignores the schema is trimmed, not rejected)."""
    for verdict in judgement.verdicts:
        verdict.quote = verdict.quote[: QUOTE_CHARS * 2]
        verdict.reason = verdict.reason[: REASON_CHARS * 2]
    judgement.suggested_text = judgement.suggested_text[: SUGGESTION_CHARS * 4]
    judgement.risks = judgement.risks[: RISKS + 1]
    return judgement


def merge_parts(parts: list[SectionJudgement]) -> SectionJudgement:
    """One judgement from several parts: the best verdict per question, all risks."""
    best: dict[str, LLMVerdict] = {}
    for part in parts:
        for verdict in part.verdicts:
            current = best.get(verdict.question_id)
            if current is None or _RANK[verdict.verdict] > _RANK[current.verdict]:
                best[verdict.question_id] = verdict
    text = "\n\n".join(p.suggested_text.strip() for p in parts if p.suggested_text.strip())
    return SectionJudgement(
        verdicts=list(best.values()), suggested_text=text, risks=[r for p in parts for r in p.risks]
    )


def split_excerpt(sentences: list[str], max_chars: int) -> list[str]:
    """Excerpt parts of at most `max_chars`, split between sentences, never truncated."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        if current and size + len(sentence) + 1 > max_chars:
            parts.append("\n".join(current))
            current, size = [], 0
        current.append(sentence)
        size += len(sentence) + 1
    if current:
        parts.append("\n".join(current))
    return parts or [""]


class LLMJudge:
    """Judges template sections with a LangChain chat model.

    One timeout path: every call runs in a daemon worker and is waited for until the earlier
    of its own time limit and the review's deadline; a call past it is abandoned (a daemon
    thread never keeps the process alive) and its section is judged offline. Calls are
    made in the plan's order, `concurrency` at a time (1 suits a local server with one slot).
    """

    def __init__(
        self,
        model: BaseChatModel,
        name: str,
        *,
        timeout: float,
        concurrency: int,
        prompt: Prompt | None = None,
        budget: float | None = None,
        speed: ModelSpeed | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.timeout = timeout
        self.concurrency = concurrency
        self.prompt = prompt or load_prompt("review_section", REQUIRED)
        self.compact_prompt = load_prompt("review_section_compact", REQUIRED_COMPACT)
        self.budget = budget
        self.speed = speed

    def plan(self, tasks: list[SectionTask]) -> CallPlan:
        """Which sections the model judges, with what answer length and time limit."""
        shared = max((len(t.draft_parts[0]) for t in tasks if t.shared_draft), default=0)
        return plan_calls(
            [(t.section_id, len(t.questions)) for t in tasks],
            shared,
            speed=self.speed,
            budget=self.budget,
            call_timeout=self.timeout,
        )

    def _messages(
        self, task: SectionTask, part: int, compact: bool = False
    ) -> list[tuple[str, str]]:
        draft = task.draft_parts[part].replace("</draft>", "< /draft>")
        if compact:
            # A slow model's time goes to the draft and the questions, not to background
            # reading; its questions are numbered 1..n (one token each in the answer).
            questions = "\n".join(f"- {k}: {text}" for k, (_, text) in enumerate(task.questions, 1))
            system, user = self.compact_prompt.render(
                section_title=task.title,
                section_summary=task.summary or "(none)",
                questions=questions,
                draft=draft or "(the draft has no text for this section)",
                part=str(part + 1),
                parts=str(len(task.draft_parts)),
            )
        else:
            system, user = self.prompt.render(
                section_title=task.title,
                section_summary=task.summary or "(none)",
                questions="\n".join(f"- {qid}: {text}" for qid, text in task.questions),
                passages="\n\n".join(f"[{i}] {p}" for i, p in enumerate(task.passages, 1))
                or "(none)",
                draft=draft or "(the draft has no text for this section)",
                part=str(part + 1),
                parts=str(len(task.draft_parts)),
            )
        return [("system", system), ("human", user)] if system else [("human", user)]

    def _call(
        self, task: SectionTask, part: int, max_tokens: int, compact: bool = False
    ) -> SectionJudgement:
        messages = self._messages(task, part, compact)
        ids = [qid for qid, _ in task.questions]
        asked = [str(k) for k in range(1, len(ids) + 1)] if compact else ids
        model = self.model
        try:
            # Constrained JSON where the provider supports it (a JSON schema for OpenAI-
            # compatible servers such as llama.cpp's), and a cap on the answer's length: a
            # small model otherwise repeats itself inside the JSON until the context ends.
            structured = with_answer_limit(model, max_tokens).with_structured_output(
                judgement_schema(asked, compact, task.sentences), method="json_schema"
            )
        except (NotImplementedError, TypeError, ValueError, AttributeError):
            structured = None
        if structured is not None:
            judgement = parse_judgement(structured.invoke(messages))
        else:
            judgement = parse_judgement(with_answer_limit(model, max_tokens).invoke(messages))
        if compact:
            by_number = dict(zip(asked, ids, strict=True))
            for verdict in judgement.verdicts:
                verdict.question_id = by_number.get(verdict.question_id.strip(), "")
            judgement.verdicts = [v for v in judgement.verdicts if v.question_id]
        return judgement

    def run(
        self,
        tasks: list[SectionTask],
        plan: CallPlan | None = None,
        progress: Callable[[str, str], None] | None = None,
    ) -> dict[str, SectionResult]:
        """Judge the planned tasks; a failed, slow or junk answer becomes an error for its
        section, and a section the plan leaves out says why. `progress(section_id, outcome)`
        is called as each section is done."""
        plan = plan or self.plan(tasks)
        done = progress or (lambda section_id, outcome: None)
        results: dict[str, SectionResult] = {t.section_id: SectionResult() for t in tasks}
        for section_id in plan.skipped:
            results[section_id].error = "not asked: outside the LLM time budget"
            results[section_id].out_of_time = True
        by_id = {t.section_id: t for t in tasks}
        calls = [
            (sid, part, plan.max_tokens.get(sid, 512))
            for sid in plan.sections
            if sid in by_id
            for part in range(len(by_id[sid].draft_parts))
        ]
        parts: dict[str, list[SectionJudgement]] = {sid: [] for sid in results}
        remaining = {sid: sum(1 for c in calls if c[0] == sid) for sid in results}

        def settle(k: int, answer: SectionJudgement | BaseException) -> None:
            section_id = calls[k][0]
            result = results[section_id]
            result.calls += 1
            remaining[section_id] -= 1
            if not result.error:
                if isinstance(answer, SectionJudgement):
                    parts[section_id].append(answer)
                else:
                    result.error = describe_failure(answer)
                    result.out_of_time = isinstance(answer, OutOfTime)
            if remaining[section_id] == 0:
                done(section_id, result.error or "judged")

        run_calls(
            [
                partial(self._call, by_id[sid], part, limit, plan.compact)
                for sid, part, limit in calls
            ],
            concurrency=self.concurrency,
            timeout=[plan.timeouts.get(sid, plan.call_timeout) for sid, _, _ in calls],
            deadline=time.monotonic() + plan.budget if plan.budget else None,
            on_done=settle,
        )
        for section_id, result in results.items():
            if not result.error and parts[section_id]:
                result.judgement = merge_parts(parts[section_id])
            elif not result.error:
                result.error = "not asked"
        return results
