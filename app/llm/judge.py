"""The LLM section judge: one structured call per template section (split when long),
bounded concurrency, a timeout per call. It returns raw judgements; app.review.llm_merge
checks them against the draft before anything is believed."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from app.llm.prompts import Prompt, load_prompt

REQUIRED = frozenset(
    {"section_title", "section_summary", "questions", "passages", "draft", "part", "parts"}
)


class LLMVerdict(BaseModel):
    """A model's verdict on one question."""

    question_id: str
    verdict: Literal["covered", "partial", "missing", "not_applicable"]
    quote: str = ""
    reason: str = ""


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


@dataclass
class SectionResult:
    """The merged judgement of a section's parts, or why there is none."""

    judgement: SectionJudgement | None = None
    error: str = ""
    calls: int = 0
    notes: list[str] = field(default_factory=list)


_JSON_BLOCK = re.compile(r"\{.*\}", re.DOTALL)
_RANK = {"covered": 3, "partial": 2, "not_applicable": 1, "missing": 0}


def parse_judgement(raw: Any) -> SectionJudgement:
    """A SectionJudgement from a structured result, a dict or text holding JSON."""
    if isinstance(raw, SectionJudgement):
        return raw
    if isinstance(raw, dict):
        return SectionJudgement.model_validate(raw)
    text = getattr(raw, "content", raw)
    if isinstance(text, list):
        text = "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in text
        )
    match = _JSON_BLOCK.search(str(text))
    if not match:
        raise ValueError("the model returned no JSON")
    return SectionJudgement.model_validate(json.loads(match.group(0)))


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
    """Judges template sections with a LangChain chat model."""

    def __init__(
        self,
        model: Any,
        name: str,
        *,
        timeout: float,
        concurrency: int,
        prompt: Prompt | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.timeout = timeout
        self.concurrency = concurrency
        self.prompt = prompt or load_prompt("review_section", REQUIRED)

    def _messages(self, task: SectionTask, part: int) -> list[tuple[str, str]]:
        draft = task.draft_parts[part].replace("</draft>", "< /draft>")
        system, user = self.prompt.render(
            section_title=task.title,
            section_summary=task.summary or "(none)",
            questions="\n".join(f"- {qid}: {text}" for qid, text in task.questions),
            passages="\n\n".join(f"[{i}] {p}" for i, p in enumerate(task.passages, 1)) or "(none)",
            draft=draft or "(the draft has no text for this section)",
            part=str(part + 1),
            parts=str(len(task.draft_parts)),
        )
        return [("system", system), ("human", user)] if system else [("human", user)]

    def _call(self, messages: list[tuple[str, str]]) -> SectionJudgement:
        try:
            structured = self.model.with_structured_output(SectionJudgement)
        except NotImplementedError:
            structured = None
        if structured is not None:
            return parse_judgement(structured.invoke(messages))
        return parse_judgement(self.model.invoke(messages))

    def run(self, tasks: list[SectionTask]) -> dict[str, SectionResult]:
        """Judge every task; a failed, slow or junk answer becomes an error for its section."""
        results: dict[str, SectionResult] = {t.section_id: SectionResult() for t in tasks}
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            futures = {
                (task.section_id, i): pool.submit(self._call, self._messages(task, i))
                for task in tasks
                for i in range(len(task.draft_parts))
            }
            parts: dict[str, list[SectionJudgement]] = {t.section_id: [] for t in tasks}
            wait = self.timeout
            for (section_id, _), future in futures.items():
                result = results[section_id]
                result.calls += 1
                if result.error:
                    future.cancel()
                    continue
                try:
                    parts[section_id].append(future.result(timeout=wait))
                except FutureTimeout:
                    result.error = f"no answer within {self.timeout:g} s"
                    # A model that hung once is likely hung: give the rest little more time.
                    wait = min(wait, 1.0)
                except (ValidationError, ValueError, json.JSONDecodeError) as exc:
                    result.error = f"unusable answer ({type(exc).__name__})"
                except Exception as exc:  # provider errors: connection, auth, rate limits
                    result.error = f"{type(exc).__name__}: {str(exc)[:160]}"
            for section_id, result in results.items():
                if not result.error:
                    result.judgement = merge_parts(parts[section_id])
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return results
