"""The chat says what the review found: a question about one of the draft's own sections opens
with the review's verdict for it, then the guide passages. Real parts throughout: the
knowledge base built from knowledge/guides, the real embedding model, the offline Reviewer on
a fixture draft. Also: offline citations numbered in reading order, tables quoted readably."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import BaseMessage
from pydantic import Field

from app.chat import Answer, ChatCitation, answer, load_chat_draft, stream_answer
from app.chat.extractive import extractive_answer
from app.chat.tables import split_tables
from app.chat.verdict import DraftReview, compact_question
from app.cli import main
from app.draft import Draft
from app.review import Reviewer
from app.review.models import SectionReview, Verdict
from app.settings import Settings
from ingest.models import Location
from ingest.store import KnowledgeStore
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow

GROCERY = FIXTURES / "drafts" / "grocery-demand.md"
MARKER = re.compile(r"\[(\d+)\]")


@pytest.fixture(scope="module")
def kb(
    tmp_path_factory: pytest.TempPathFactory, kb_dir: Path, embedder: Any
) -> Iterator[tuple[Settings, KnowledgeStore]]:
    """The session's knowledge base (knowledge/guides, real embedder), no user config."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("MLSD_")]:
            patch.delenv(key)
        patch.setenv("MLSD_CONFIG", str(tmp_path_factory.getbasetemp() / "absent.toml"))
        yield Settings(data_dir=kb_dir), KnowledgeStore.open(embedder, data_dir=kb_dir)


@pytest.fixture(scope="module")
def grocery(kb: tuple[Settings, KnowledgeStore]) -> tuple[Draft, DraftReview]:
    """The grocery-demand draft and its offline review against the default template."""
    settings, store = kb
    draft = load_chat_draft(GROCERY, settings)
    reviewer = Reviewer(settings, store, use_cache=False)
    return draft, DraftReview(reviewer.review(draft), reviewer.rubric)


def _section(review: DraftReview, section_id: str) -> SectionReview:
    return next(s for s in review.review.sections if s.section_id == section_id)


def _ask(question: str, kb: tuple[Settings, KnowledgeStore], grocery: Any, **kw: Any) -> Answer:
    settings, store = kb
    draft, review = grocery
    return answer(question, settings=settings, store=store, draft=draft, review=review, **kw)


def _markers(text: str) -> list[int]:
    """Citation numbers in the order they first appear in the text."""
    return list(dict.fromkeys(int(n) for n in MARKER.findall(text)))


def _quoted_under(text: str) -> dict[int, tuple[str, str]]:
    """Offline answer text -> {number: (the source line above it, its own line)}."""
    out: dict[int, tuple[str, str]] = {}
    source = ""
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith("):"):
            source = line
        elif match := re.match(r"\s+\[(\d+)\] ", line):
            out[int(match.group(1))] = (source, line)
    return out


# -- the verdict leads a question about a section of the draft ----------------------------


@pytest.mark.parametrize(
    ("question", "section_id"),
    [
        ("Is my monitoring section enough?", "monitoring"),
        ("Is the rollback plan in my draft good enough?", "risks-rollback"),
        ("what's missing from my data section", "data-features"),
    ],
)
def test_section_question_opens_with_the_review_verdict_for_that_section(
    question: str,
    section_id: str,
    kb: tuple[Settings, KnowledgeStore],
    grocery: tuple[Draft, DraftReview],
) -> None:
    section = _section(grocery[1], section_id)
    reply = _ask(question, kb, grocery)
    first = reply.text.splitlines()[0]
    assert first.startswith(f'Your draft\'s "{section.title}" section (')
    assert first.endswith(f"): {section.status}, coverage {section.coverage:.0f}%.")
    assert reply.section_id == section_id
    assert reply.text.startswith(reply.verdict)
    # The open questions, in short, on the next line: the first unanswered one leads.
    open_line = reply.text.splitlines()[1]
    assert open_line.startswith("Open: ")
    unanswered = [v for v in section.verdicts if v.verdict is Verdict.MISSING]
    assert unanswered and compact_question(unanswered[0].question) in open_line
    assert len(open_line) < 400
    # Then the guide passages with their citations, as before.
    assert reply.citations and any(c.kind == "guide" for c in reply.citations)
    assert reply.text.index("[1]") > len(reply.verdict)


def test_verdict_names_the_draft_heading_and_lines_the_review_aligned(
    kb: tuple[Settings, KnowledgeStore], grocery: tuple[Draft, DraftReview]
) -> None:
    reply = _ask("what's missing from my data section", kb, grocery)
    aligned = max(_section(grocery[1], "data-features").aligned, key=lambda a: a.confidence)
    assert aligned.heading == "Data"
    assert f'(under "Data", {aligned.location.label()}' in reply.text.splitlines()[0]


@pytest.mark.parametrize(
    "question",
    [
        "batch or online?",
        "Batch or online inference for a daily demand forecast?",
        "How should I detect data drift after launch?",
    ],
)
def test_general_trade_off_question_gets_no_verdict(
    question: str, kb: tuple[Settings, KnowledgeStore], grocery: tuple[Draft, DraftReview]
) -> None:
    reply = _ask(question, kb, grocery)
    assert reply.verdict == "" and reply.section_id is None
    assert "Your draft's" not in reply.text
    assert "coverage" not in reply.text.splitlines()[0]
    assert reply.relevant and reply.citations


def test_no_review_means_no_verdict_even_for_a_section_question(
    kb: tuple[Settings, KnowledgeStore], grocery: tuple[Draft, DraftReview]
) -> None:
    settings, store = kb
    reply = answer(
        "Is my monitoring section enough?", settings=settings, store=store, draft=grocery[0]
    )
    assert reply.verdict == "" and not reply.text.startswith("Your draft's")


class RecordingModel(GenericFakeChatModel):
    """LangChain's fake streaming chat model, remembering the messages it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def test_llm_answer_streams_after_the_verdict_and_the_model_is_told_it(
    kb: tuple[Settings, KnowledgeStore], grocery: tuple[Draft, DraftReview]
) -> None:
    settings, store = kb
    draft, review = grocery
    model = RecordingModel(messages=iter(["Add drift alerts with owners [1]."]))
    events = list(
        stream_answer(
            "Is my monitoring section enough?",
            settings=settings,
            store=store,
            draft=draft,
            review=review,
            model=model,
        )
    )
    pieces, final = [e for e in events if isinstance(e, str)], events[-1]
    assert isinstance(final, Answer) and final.mode != "offline" and not final.fallback
    assert final.verdict.startswith('Your draft\'s "Testing, monitoring and drift" section')
    assert pieces[0].startswith(final.verdict)  # the verdict goes out first
    assert final.text == "".join(pieces).strip()
    assert final.text == f"{final.verdict}\n\nAdd drift alerts with owners [1]."
    human = model.seen[-1][-1].content
    assert isinstance(human, str) and final.verdict in human


def test_ask_prints_the_verdict_first_and_chat_reviews_the_draft_once(
    kb: tuple[Settings, KnowledgeStore],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, _ = kb
    args = ["--draft", str(GROCERY), "--data-dir", str(settings.data_dir)]
    with pytest.raises(SystemExit) as info:
        main(["ask", "Is my monitoring section enough?", *args])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert out.startswith('Your draft\'s "Testing, monitoring and drift" section')
    assert "\nSources:\n" in out

    reviews: list[str] = []
    real_review = Reviewer.review

    def counting(self: Reviewer, draft: Draft, *args: Any, **kwargs: Any) -> Any:
        reviews.append(draft.source_id)
        return real_review(self, draft, *args, **kwargs)

    monkeypatch.setattr(Reviewer, "review", counting)
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO("Is my monitoring section enough?\nbatch or online?\nand my data section?\n"),
    )
    with pytest.raises(SystemExit) as info:
        main(["chat", *args])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert reviews == [str(GROCERY)]  # once for the session, not once per question
    assert out.count("Sources:") == 3
    verdicts = re.findall(r'^Your draft\'s "([^"]+)" section', out, re.MULTILINE)
    assert verdicts == ["Testing, monitoring and drift", "Data, labels and features"]


def test_web_chat_tab_leads_with_the_verdict_of_the_session_review(
    kb: tuple[Settings, KnowledgeStore], grocery: tuple[Draft, DraftReview], tmp_path: Path
) -> None:
    from app.ui.actions import ReviewedDraft, UIContext
    from app.ui.files import Workspace
    from app.ui.tab_chat import chat_events

    settings, _ = kb
    ctx = UIContext(settings, Workspace(tmp_path / "ui"))
    reviewed = ReviewedDraft(review=grocery[1].review, data=GROCERY.read_bytes(), name=GROCERY.name)

    def final(question: str, use_draft: bool) -> Answer:
        last = list(chat_events(ctx, None, question, [], reviewed, use_draft))[-1]
        assert isinstance(last, Answer)
        return last

    assert final("Is my monitoring section enough?", True).text.startswith(
        'Your draft\'s "Testing, monitoring and drift" section'
    )
    assert final("batch or online?", True).verdict == ""
    assert final("Is my monitoring section enough?", False).verdict == ""  # draft not used


# -- offline citations read [1], [2], [3] down the text ------------------------------------


def test_offline_citations_are_numbered_in_the_order_the_text_shows_them(
    kb: tuple[Settings, KnowledgeStore],
) -> None:
    settings, store = kb
    # Retrieval ranks 18-risks-rollback, 11-serving, 13-retraining, 13-retraining,
    # 18-risks-rollback: grouped by source, the old text read [1], [5], [2], [3], [4].
    reply = answer(
        "What should a rollback plan for a bad model release contain?",
        settings=settings,
        store=store,
    )
    numbers = [c.number for c in reply.citations]
    assert len(numbers) >= 3
    assert _markers(reply.text) == numbers == list(range(1, len(numbers) + 1))
    # Each marker's line names the passage the list gives under that number.
    shown = _quoted_under(reply.text)
    for citation in reply.citations:
        source, line = shown[citation.number]
        assert f"({citation.source}):" in source
        assert f"{citation.heading_label}, {citation.location.label()}" in line
    # The same passages as retrieval found, best first.
    assert reply.citations[0].score == max(c.score for c in reply.citations)


def _citation(number: int, source: str, quote: str, score: float) -> ChatCitation:
    return ChatCitation(
        number=number,
        kind="guide",
        chunk_id=f"{source}-{number}",
        source=source,
        title=Path(source).stem,
        heading_path=[f"Heading {number}"],
        location=Location(line_start=number * 10, line_end=number * 10 + 3),
        quote=quote,
        score=score,
    )


def test_renumbered_citations_keep_their_passages(embedder: Any) -> None:
    citations = [
        _citation(1, "guides/a.md", "Canary releases catch regressions on a small slice.", 0.7),
        _citation(2, "guides/b.md", "Shadow mode runs the model without acting on it.", 0.6),
        _citation(3, "guides/a.md", "Rollback within ten minutes is a testable target.", 0.5),
    ]
    text, cited = extractive_answer("How do I roll out safely?", citations, embedder)
    assert _markers(text) == [1, 2, 3]
    assert [(c.number, c.source, c.heading_path) for c in cited] == [
        (1, "guides/a.md", ["Heading 1"]),
        (2, "guides/a.md", ["Heading 3"]),
        (3, "guides/b.md", ["Heading 2"]),
    ]
    assert text.index("Rollback within ten minutes") < text.index("[3]")


# -- tables stay readable when quoted -------------------------------------------------------

TABLE_QUOTE = (
    "Signal | Metric | Alert rule\n"
    "Health | p99 latency, 5xx rate | p99 above 150 ms for 10 min; 5xx above 1% for 5 min\n"
    "Feature drift | PSI per top-20 feature, daily | PSI above 0.2 on any feature\n"
    "Prediction drift | approval rate | outside 38% to 46% for a full day"
)


def test_a_quoted_table_keeps_its_rows_on_lines_of_their_own(
    kb: tuple[Settings, KnowledgeStore],
) -> None:
    _, store = kb
    # The monitoring-plan table of the guides, as the knowledge base stores it.
    vector = store.embedder.embed_query("monitoring plan loan default model signal metric alert")
    hit = next(h for h in store.search_vector(vector, k=20) if h.text.startswith("Signal | Metric"))
    citation = _citation(1, hit.source_id, hit.text, hit.score)
    text, _ = extractive_answer(
        "Which alert rule for feature drift and prediction drift?", [citation], store.embedder
    )
    quoted = [line.strip() for line in text.splitlines() if line.strip().startswith("“")]
    assert len(quoted) == 2  # two rows, each on its own line
    assert all(q.startswith("“Signal: ") and "· Alert rule: " in q for q in quoted)
    assert not any(" | " in q or " / " in q for q in quoted)
    assert any("Signal: Feature drift" in q and "PSI above 0.2" in q for q in quoted)


def test_markdown_tables_with_a_separator_and_prose_around_them() -> None:
    segments = split_tables(
        "Pick by freshness.\n| Need | Pattern |\n|---|:---:|\n| a day old is fine | batch |\n"
        "| a user waits | online |\nThen size it."
    )
    assert [s.text for s in segments] == ["Pick by freshness.", "", "Then size it."]
    assert segments[1].rows == (
        "Need: a day old is fine · Pattern: batch",
        "Need: a user waits · Pattern: online",
    )
    # A pipe in a sentence is not a table.
    assert split_tables("Report p50 | p99 latency per region.")[0].rows == ()


def test_prose_quotes_stay_one_line(embedder: Any) -> None:
    prose = _citation(
        1,
        "guides/a.md",
        "Batch inference scores entities on a schedule. It suits a daily forecast. "
        "Online inference is needed when a user waits.",
        0.6,
    )
    text, _ = extractive_answer("Batch for a daily forecast?", [prose], embedder, hint=False)
    quoted = [line for line in text.splitlines() if line.strip().startswith("“")]
    assert len(quoted) == 1 and quoted[0].strip().endswith("”")


def test_the_web_app_keeps_the_verdict_lines_apart() -> None:
    from app.chat.models import Answer
    from app.ui.view import answer_markdown

    verdict = 'Your draft\'s "Monitoring" section: partial, coverage 40%.\nOpen: alert thresholds.'
    answer = Answer(
        question="Is my monitoring section enough?",
        standalone_question="Is my monitoring section enough?",
        text=f"{verdict}\n\nGuides say [1].",
        verdict=verdict,
    )
    shown = answer_markdown(answer)
    assert shown.startswith(
        'Your draft\'s "Monitoring" section: partial, coverage 40%.  \nOpen: alert thresholds.'
    )
