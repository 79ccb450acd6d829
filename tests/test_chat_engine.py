"""The chat's Python API with LangChain's fake chat models, a bag-of-words embedder and an
in-memory store: streaming, citations, follow-ups, fallbacks. Fast: no model is loaded."""

from __future__ import annotations

import json
import re
import socket
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import BaseMessage
from pydantic import Field

from app.chat import Answer, ChatError, ChatSession, answer, load_chat_draft, stream_answer
from app.chat.extractive import LLM_HINT
from app.settings import Settings, load_settings
from ingest.models import Location
from ingest.store import Hit

_STOP = {
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "do",
    "for",
    "how",
    "i",
    "in",
    "is",
    "it",
    "my",
    "of",
    "on",
    "or",
    "should",
    "the",
    "to",
    "we",
    "what",
    "when",
    "which",
    "with",
}


class BagOfWords:
    """A deterministic stand-in for the sentence embedder: hashed word counts, unit length."""

    name = "bag-of-words"
    dims = 512

    def embed_documents(self, texts: list[str]) -> Any:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                if word not in _STOP:
                    out[row, zlib.crc32(word.rstrip("s").encode()) % self.dims] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def embed_query(self, text: str) -> Any:
        return self.embed_documents([text])[0]


GUIDES = [
    (
        "guides/serving.md",
        ["Serving", "Batch or online inference"],
        "Batch inference scores a known set of entities on a schedule and writes predictions "
        "to a table. Batch inference suits a daily demand forecast, because a forecast a day "
        "old is fine; online inference is needed when a user waits for the answer.",
        (10, 14),
    ),
    (
        "guides/serving.md",
        ["Serving", "Streaming inference"],
        "Streaming inference scores every event within seconds as it arrives on a stream such "
        "as Kafka. Streaming suits fraud alerts, where nobody waits synchronously.",
        (16, 19),
    ),
    (
        "guides/monitoring.md",
        ["Monitoring", "Drift"],
        "Monitor feature drift with PSI and alert when PSI exceeds 0.2. A monitoring plan names "
        "the dashboards, the alerts and their owners.",
        (5, 8),
    ),
    (
        "guides/pilots.md",
        ["Pilots", "Guardrail metrics"],
        "Guardrail metrics in a pilot must not degrade: latency, complaints and revenue. Each "
        "guardrail metric needs a threshold that blocks the launch.",
        (30, 33),
    ),
]


class FakeStore:
    """The part of KnowledgeStore the chat uses, over a list of passages in memory."""

    def __init__(self, passages: list[tuple[str, list[str], str, tuple[int, int]]]) -> None:
        self.embedder = BagOfWords()
        self.hits = [
            Hit(
                chunk_id=f"chunk-{i}",
                text=text,
                source_id=source,
                title=Path(source).stem.title(),
                heading_path=headings,
                location=Location(line_start=lines[0], line_end=lines[1]),
                score=0.0,
            )
            for i, (source, headings, text, lines) in enumerate(passages)
        ]
        self.vectors = self.embedder.embed_documents(
            [" ".join([*h.heading_path, h.text]) for h in self.hits]
        )

    def count(self) -> int:
        return len(self.hits)

    def search_vector(self, vector: Any, k: int = 5, source: str | None = None) -> list[Hit]:
        if not self.hits:
            return []
        scores = self.vectors @ vector
        order = np.argsort(-scores)[:k]
        return [self.hits[i].model_copy(update={"score": float(scores[i])}) for i in order]


class RecordingModel(GenericFakeChatModel):
    """GenericFakeChatModel that remembers the messages of every call."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def recording(*replies: str) -> RecordingModel:
    return RecordingModel(messages=iter(replies))


@pytest.fixture
def store() -> FakeStore:
    return FakeStore(GUIDES)


@pytest.fixture
def settings() -> Settings:
    return load_settings(llm_timeout=2.0)


def events(question: str, **kwargs: Any) -> tuple[list[str], Answer]:
    got = list(stream_answer(question, **kwargs))
    final = got[-1]
    assert isinstance(final, Answer)
    assert all(isinstance(e, str) for e in got[:-1])
    return [e for e in got[:-1] if isinstance(e, str)], final


# --- offline ---------------------------------------------------------------------------------


def test_offline_answer_quotes_the_best_passages_grouped_by_source(
    store: FakeStore, settings: Settings
) -> None:
    pieces, reply = events(
        "Batch or online inference for a daily demand forecast?", settings=settings, store=store
    )
    assert pieces == []  # nothing streams offline
    assert reply.mode == "offline"
    assert reply.relevant and not reply.fallback
    assert [c.number for c in reply.citations] == list(range(1, len(reply.citations) + 1))
    top = reply.citations[0]
    assert top.source == "guides/serving.md"
    assert top.heading_path == ["Serving", "Batch or online inference"]
    assert top.kind == "guide" and top.chunk_id == "chunk-0"
    assert "Serving (guides/serving.md):" in reply.text
    assert "[1] Serving > Batch or online inference, lines 10-14" in reply.text
    assert "Batch inference suits a daily demand forecast" in reply.text
    assert LLM_HINT in reply.text


def test_question_about_nothing_in_the_knowledge_base_says_so(
    store: FakeStore, settings: Settings
) -> None:
    reply = answer("Recipe for fluffy pancakes with blueberries", settings=settings, store=store)
    assert not reply.relevant
    assert reply.citations == []
    assert "nothing relevant" in reply.text
    assert "Batch inference" not in reply.text


def test_irrelevant_question_does_not_call_the_llm(store: FakeStore, settings: Settings) -> None:
    model = recording()  # would raise StopIteration if it were asked
    reply = answer("Recipe for pancakes", settings=settings, store=store, model=model)
    assert not reply.relevant
    assert model.seen == []
    assert any("not asked" in note for note in reply.notes)


def test_empty_question_is_a_chat_error(store: FakeStore, settings: Settings) -> None:
    with pytest.raises(ChatError, match="empty"):
        answer("   ", settings=settings, store=store)


def test_long_question_is_cut_and_the_answer_says_so(store: FakeStore) -> None:
    settings = load_settings(max_question_chars=60)
    question = "Batch or online inference for a daily demand forecast? " + "Please explain. " * 20
    reply = answer(question, settings=settings, store=store)
    assert reply.truncated
    assert len(reply.question) <= 60
    assert any("cut" in note and "60" in note for note in reply.notes)
    assert reply.citations  # the cut question is still answered


def test_empty_knowledge_base_without_a_draft_is_a_chat_error(settings: Settings) -> None:
    with pytest.raises(ChatError, match="mlsd ingest"):
        answer("Batch or online?", settings=settings, store=FakeStore([]))


# --- LLM mode --------------------------------------------------------------------------------


TWO_PASSAGES = "Batch or streaming inference?"  # retrieves the two serving passages


def test_llm_answer_streams_token_by_token_and_cites_what_it_uses(
    store: FakeStore, settings: Settings
) -> None:
    model = recording("Batch inference fits a daily forecast [1]. Streaming is for events [2].")
    pieces, reply = events(TWO_PASSAGES, settings=settings, store=store, model=model)
    assert len(pieces) > 5
    assert "".join(pieces).strip() == reply.text
    assert reply.text == "Batch inference fits a daily forecast [1]. Streaming is for events [2]."
    assert reply.mode == "RecordingModel"
    assert [(c.number, c.heading_path[-1]) for c in reply.citations] == [
        (1, "Batch or online inference"),
        (2, "Streaming inference"),
    ]
    assert reply.removed_markers == 0 and not reply.fallback and not reply.notes
    system = model.seen[0][0].content
    assert "[1] (guide: Serving; Serving > Batch or online inference, lines 10-14)" in system
    assert "[2] (guide: Serving; Serving > Streaming inference, lines 16-19)" in system
    assert "There are 2 passages: cite only [1] to [2]." in system
    assert model.seen[0][-1].content == TWO_PASSAGES


def test_invented_markers_are_removed_counted_and_never_cited(
    store: FakeStore, settings: Settings
) -> None:
    model = recording("Use batch [1][7]. Monitor drift [3]. Stream events [2, 42].")
    pieces, reply = events(TWO_PASSAGES, settings=settings, store=store, model=model)
    shown = "".join(pieces)
    assert shown == "Use batch [1]. Monitor drift. Stream events [2]."
    assert reply.text == shown
    assert reply.removed_markers == 3
    assert [c.number for c in reply.citations] == [1, 2]
    assert any("Removed 3 citation marker(s)" in note for note in reply.notes)


def test_citations_are_only_the_passages_the_text_cites(
    store: FakeStore, settings: Settings
) -> None:
    model = recording("Only the streaming passage matters here [2].")
    reply = answer(TWO_PASSAGES, settings=settings, store=store, model=model)
    assert [c.number for c in reply.citations] == [2]
    assert reply.citations[0].heading_path[-1] == "Streaming inference"


def test_llm_answer_without_citations_is_flagged(store: FakeStore, settings: Settings) -> None:
    reply = answer(
        "Batch or online inference for a daily demand forecast?",
        settings=settings,
        store=store,
        model=recording("Batch, probably."),
    )
    assert reply.citations == []
    assert any("cites none" in note for note in reply.notes)


def test_follow_up_is_condensed_with_the_history_before_retrieval(
    store: FakeStore, settings: Settings
) -> None:
    history = [
        {"role": "user", "content": "Batch or online inference for a daily demand forecast?"},
        {"role": "assistant", "content": "Batch inference [1]."},
    ]
    model = recording(
        "When is streaming inference of events within seconds better than batch inference?",
        "Streaming scores each event within seconds [1].",
    )
    reply = answer(
        "and for streaming?", settings=settings, store=store, model=model, history=history
    )
    condense_call, answer_call = model.seen
    assert "User: Batch or online inference for a daily demand forecast?" in str(
        condense_call[-1].content
    )
    assert "and for streaming?" in str(condense_call[-1].content)
    assert reply.standalone_question.startswith("When is streaming inference")
    assert reply.question == "and for streaming?"
    assert reply.citations[0].heading_path[-1] == "Streaming inference"
    # The answer call sees the conversation as messages, then the question as asked.
    kinds = [m.type for m in answer_call]
    assert kinds == ["system", "human", "ai", "human"]
    assert answer_call[-1].content == "and for streaming?"


def test_offline_follow_up_searches_with_the_previous_question(
    store: FakeStore, settings: Settings
) -> None:
    history = [("Which drift metric should we alert on for monitoring?", "PSI [1].")]
    reply = answer("and what threshold?", settings=settings, store=store, history=history)
    assert reply.standalone_question.startswith("Which drift metric")
    assert reply.citations[0].source == "guides/monitoring.md"
    assert any(note.startswith("Searched for:") for note in reply.notes)


def test_session_keeps_the_conversation(store: FakeStore, settings: Settings) -> None:
    session = ChatSession(settings, store=store)  # type: ignore[arg-type]
    for question in ("Which guardrail metrics for a pilot?", "and their thresholds?"):
        list(session.ask(question))
    assert [t.role for t in session.history] == ["user", "assistant", "user", "assistant"]
    session.reset()
    assert session.history == []


# --- failures --------------------------------------------------------------------------------


def test_llm_that_raises_falls_back_to_the_extractive_answer(
    store: FakeStore, settings: Settings
) -> None:
    model = FakeListChatModel(responses=["never shown"], error_on_chunk_number=0)
    pieces, reply = events(
        "Batch or online inference for a daily demand forecast?",
        settings=settings,
        store=store,
        model=model,
    )
    assert pieces == []
    assert reply.fallback and reply.mode == "offline"
    assert reply.citations and reply.citations[0].source == "guides/serving.md"
    assert "Batch inference suits a daily demand forecast" in reply.text
    assert any("did not answer" in note and "FakeListChatModel" in note for note in reply.notes)


def test_llm_that_fails_mid_answer_says_it_stopped(store: FakeStore, settings: Settings) -> None:
    model = FakeListChatModel(
        responses=["Batch is cheaper [1] and simpler."], error_on_chunk_number=12
    )
    pieces, reply = events(
        "Batch or online inference for a daily demand forecast?",
        settings=settings,
        store=store,
        model=model,
    )
    assert "".join(pieces).startswith("Batch is")
    assert reply.fallback
    assert any("stopped mid-answer" in note for note in reply.notes)


def test_llm_that_hangs_times_out_into_the_extractive_answer(store: FakeStore) -> None:
    settings = load_settings(llm_timeout=0.3)
    model = FakeListChatModel(responses=["too late"], sleep=5.0)
    reply = answer(
        "Batch or online inference for a daily demand forecast?",
        settings=settings,
        store=store,
        model=model,
    )
    assert reply.fallback
    assert any("within 0.3 s" in note for note in reply.notes)
    assert reply.citations


def test_hung_condense_call_falls_back_without_a_second_wait(store: FakeStore) -> None:
    settings = load_settings(llm_timeout=0.3)
    model = FakeListChatModel(responses=["too late"], sleep=5.0)
    reply = answer(
        "and for streaming?",
        settings=settings,
        store=store,
        model=model,
        history=[("Batch or online inference for a daily demand forecast?", "Batch.")],
    )
    assert reply.fallback
    assert reply.standalone_question.startswith("Batch or online inference")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_ollama_falls_back_with_the_diagnosis(store: FakeStore) -> None:
    port = _closed_port()
    settings = load_settings(
        llm="ollama:llama3", llm_base_url=f"http://127.0.0.1:{port}", llm_timeout=5.0
    )
    reply = answer(
        "Batch or online inference for a daily demand forecast?", settings=settings, store=store
    )
    assert reply.fallback and reply.mode == "offline"
    note = next(n for n in reply.notes if "ollama:llama3" in n)
    assert "connection refused" in note and "ollama serve" in note


# --- drafts ----------------------------------------------------------------------------------

DRAFT = """# Demand forecast v1

## Goals

Cut waste in fresh produce by 10% within two quarters.

## Monitoring

We monitor feature drift with PSI every day.
The on-call owner gets an alert when PSI exceeds 0.2 on any feature.

## Serving

Forecasts are computed by a nightly batch job.
"""


def write_draft(tmp_path: Path) -> Path:
    path = tmp_path / "design.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_draft_passages_are_cited_by_section_and_lines(
    store: FakeStore, settings: Settings, tmp_path: Path
) -> None:
    draft = load_chat_draft(write_draft(tmp_path), settings)
    reply = answer(
        "How do we monitor feature drift with PSI and alert the owner?",
        settings=settings,
        store=store,
        draft=draft,
    )
    drafts = [c for c in reply.citations if c.kind == "draft"]
    assert drafts, reply.citations
    cited = drafts[0]
    assert cited.section == "Monitoring"
    assert cited.heading_path == ["Monitoring"]
    assert cited.chunk_id is None
    assert (cited.location.line_start, cited.location.line_end) == (9, 10)
    assert "PSI every day" in cited.quote
    assert any(c.kind == "guide" for c in reply.citations)  # the guides' view comes too
    assert "Your draft, Demand forecast v1" in reply.text
    assert "Monitoring, lines 9-10" in reply.text


def test_a_draft_alone_can_answer_when_the_store_is_empty(
    settings: Settings, tmp_path: Path
) -> None:
    draft = load_chat_draft(write_draft(tmp_path), settings)
    reply = answer(
        "Which batch job computes the forecasts nightly?",
        settings=settings,
        store=FakeStore([]),
        draft=draft,
    )
    assert [c.kind for c in reply.citations] == ["draft"]
    assert reply.citations[0].section == "Serving"


def test_draft_that_cannot_be_loaded_is_a_clear_chat_error(
    settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(ChatError, match=r"cannot use the draft .*no such file"):
        load_chat_draft(tmp_path / "missing.md", settings)
    empty = tmp_path / "empty.md"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ChatError, match="cannot use the draft"):
        load_chat_draft(empty, settings)


def test_draft_text_never_reaches_the_knowledge_base(
    store: FakeStore, settings: Settings, tmp_path: Path
) -> None:
    before = store.count()
    draft = load_chat_draft(write_draft(tmp_path), settings)
    answer("How do we monitor drift?", settings=settings, store=store, draft=draft)
    assert store.count() == before


# --- the CLI's printing of a stream --------------------------------------------------------


def test_cli_prints_streamed_text_once_then_the_sources(
    store: FakeStore, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli.chat_cmd import _stream

    model = recording("Batch for daily forecasts [1]; streaming for events [2].")
    _stream(stream_answer(TWO_PASSAGES, settings=settings, store=store, model=model))
    out, err = capsys.readouterr()
    assert out.count("Batch for daily forecasts [1]") == 1
    assert "\nSources:\n  [1] guides/serving.md — Serving > Batch or online inference" in out
    assert "(score 0." in out
    assert err == ""


def test_cli_prints_the_offline_answer_after_a_broken_stream(
    store: FakeStore, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli.chat_cmd import _stream

    model = FakeListChatModel(
        responses=["Batch is cheaper [1] and simpler."], error_on_chunk_number=9
    )
    reply = _stream(stream_answer(TWO_PASSAGES, settings=settings, store=store, model=model))
    out, err = capsys.readouterr()
    assert out.startswith("Batch is")
    assert reply.text in out  # the offline answer follows what had streamed
    assert "stopped mid-answer" in err


# --- a real Ollama client against a local stub that streams like Ollama -----------------------


class OllamaStub:
    """Answers /api/chat with NDJSON chunks, one queued reply (a list of tokens) per request,
    and records the requests it got."""

    def __init__(self, replies: list[list[str]]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                stub.requests.append(json.loads(body))
                tokens = stub.replies.pop(0)
                self.send_response(200)
                self.send_header("content-type", "application/x-ndjson")
                self.end_headers()
                for token in tokens:
                    line = {
                        "model": "llama3",
                        "created_at": "2024-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": token},
                        "done": False,
                    }
                    self.wfile.write(json.dumps(line).encode() + b"\n")
                    self.wfile.flush()
                end = {
                    "model": "llama3",
                    "created_at": "2024-01-01T00:00:00Z",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                }
                self.wfile.write(json.dumps(end).encode() + b"\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_ollama_follow_up_is_condensed_then_streamed_through_the_real_client(
    store: FakeStore,
) -> None:
    stub = OllamaStub(
        [
            ["When is streaming inference ", "better than batch inference?"],
            ["Streaming", " scores", " each event", " within seconds", " [2]", " [5]."],
        ]
    )
    try:
        settings = load_settings(llm="ollama:llama3", llm_base_url=stub.url, llm_timeout=5.0)
        pieces, reply = events(
            "and for streaming?",
            settings=settings,
            store=store,
            history=[("Batch or online inference for a daily demand forecast?", "Batch [1].")],
        )
    finally:
        stub.close()
    condense_request, answer_request = stub.requests
    assert "and for streaming?" in condense_request["messages"][-1]["content"]
    assert [m["role"] for m in answer_request["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
    ]
    assert reply.standalone_question == "When is streaming inference better than batch inference?"
    assert reply.mode == "ollama:llama3"
    assert len(pieces) >= 4 and "".join(pieces).strip() == reply.text
    assert reply.text == "Streaming scores each event within seconds [2]."
    assert reply.removed_markers == 1
    assert [c.heading_path[-1] for c in reply.citations] == ["Streaming inference"]


def test_cli_ask_with_an_empty_question_fails_fast_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from app.cli import main

    data_dir = tmp_path / "never-built"
    with pytest.raises(SystemExit) as info:
        main(["ask", "  ", "--data-dir", str(data_dir)])
    _, err = capsys.readouterr()
    assert info.value.code == 2
    assert (
        err
        == "mlsd: error: the question is empty: ask something, e.g. 'batch or online inference?'\n"
    )
    assert not data_dir.exists()  # no store was opened, let alone built


def test_a_slow_model_reads_the_passages_it_can_before_its_first_word_and_no_rewrite(
    store: FakeStore, tmp_path: Path
) -> None:
    from app.chat.budget import passage_chars
    from app.llm.check import base_url
    from app.llm.plan import ModelSpeed, save_speed, speeds_path

    settings = load_settings(
        data_dir=tmp_path, llm="openai:slow", llm_base_url="http://127.0.0.1:9/v1", llm_timeout=2.0
    )
    # 35 prompt tokens/s: 8 s of reading holds one short passage, not two; 5 answer
    # tokens/s: rewriting a follow-up first would cost 15 s before the answer starts.
    speed = ModelSpeed(
        model="openai:slow", base_url=base_url(settings, "openai"), prompt_tps=35, output_tps=5
    )
    save_speed(speeds_path(tmp_path), speed)
    assert passage_chars(speed) == 120
    model = recording("Batch suits a daily forecast [1].", "Streaming scores events [1].")
    first = answer(TWO_PASSAGES, settings=settings, store=store, model=model)
    assert (
        "The LLM read the 1 best of 2 passages: at its measured 35 prompt tokens/s, more "
        "would delay its first word past 8 s." in first.notes
    )
    system = str(model.seen[0][0].content)
    assert "[1] (" in system and "[2] (" not in system
    assert [c.number for c in first.citations] == [1]
    history = [
        {"role": "user", "content": "Batch or streaming inference, zebra? " * 20},
        {"role": "assistant", "content": "Batch inference, zebra. " * 40},
        {"role": "user", "content": TWO_PASSAGES},
        {"role": "assistant", "content": first.text},
    ]
    answer("and for streaming?", settings=settings, store=store, model=model, history=history)
    assert len(model.seen) == 2  # the follow-up was rewritten offline: no call before it
    # The conversation is re-read with every question: a slow reader gets its newest turns.
    from app.chat.budget import SLOW_HISTORY_TOKENS

    earlier = model.seen[1][1:-1]
    assert earlier and sum(len(str(m.content)) for m in earlier) <= SLOW_HISTORY_TOKENS * 4 + 8
    assert "zebra" not in " ".join(str(m.content) for m in earlier)


def test_a_session_with_a_slow_model_has_the_prompts_fixed_start_read_ahead(
    store: FakeStore, tmp_path: Path
) -> None:
    import time

    from app.chat.llm import answer_prefix
    from app.llm.check import base_url
    from app.llm.plan import ModelSpeed, save_speed, speeds_path

    settings = load_settings(
        data_dir=tmp_path, llm="openai:slow", llm_base_url="http://127.0.0.1:9/v1", llm_timeout=2.0
    )
    save_speed(
        speeds_path(tmp_path),
        ModelSpeed(
            model="openai:slow", base_url=base_url(settings, "openai"), prompt_tps=55, output_tps=5
        ),
    )
    model = recording("ok", "Batch suits a daily forecast [1].")
    session = ChatSession(settings, store=store, model=model)  # type: ignore[arg-type]
    for _ in range(100):
        if model.seen:
            break
        time.sleep(0.05)
    (warm,) = model.seen
    # The short instructions a slow reader gets, without the passages.
    assert warm[0].content == answer_prefix(compact=True) and "{" not in warm[0].content
    assert len(answer_prefix(compact=True)) < len(answer_prefix()) / 2
    list(session.ask(TWO_PASSAGES))
    # The question's prompt starts with exactly what was read ahead.
    assert str(model.seen[1][0].content).startswith(answer_prefix(compact=True))
    # A session with no measured speed (a hosted API) makes no such call.
    fast = recording("Batch suits a daily forecast [1].")
    ChatSession(load_settings(llm_timeout=2.0), store=store, model=fast)  # type: ignore[arg-type]
    time.sleep(0.2)
    assert fast.seen == []
