"""The chat's text handling: citation markers, questions, history and offline quoting.
No model, no store."""

from __future__ import annotations

import pytest

from app.chat.extractive import _paragraphs, _passage_sentences, nothing_relevant
from app.chat.history import approx_tokens, bound_history, normalize_history, render_history
from app.chat.markers import MarkerFilter, clean_markers
from app.chat.models import ChatError, ChatTurn
from app.chat.question import clean_question, looks_like_follow_up, offline_standalone


def test_valid_markers_are_kept_and_listed_in_order_of_use() -> None:
    text, cited, removed = clean_markers(
        "Batch is cheaper [2]. Online needs a service [1][2].", {1, 2, 3}
    )
    assert text == "Batch is cheaper [2]. Online needs a service [1][2]."
    assert cited == [2, 1]
    assert removed == 0


def test_markers_pointing_at_no_passage_are_removed_and_counted() -> None:
    text, cited, removed = clean_markers(
        "Use PSI [7]. Alert at 0.2 [1, 9]. Retrain weekly [12-13].", {1, 2}
    )
    assert text == "Use PSI. Alert at 0.2 [1]. Retrain weekly."
    assert cited == [1]
    assert removed == 4


def test_marker_ranges_expand_to_the_passages_they_name() -> None:
    text, cited, removed = clean_markers("See [1-3] and [2–4].", {1, 2, 3})
    assert cited == [1, 2, 3]
    assert removed == 1  # the 4 in [2–4]
    assert text == "See [1-3] and [2, 3]."


def test_brackets_that_are_not_markers_are_left_alone() -> None:
    text, cited, removed = clean_markers("Use x[i] and [see above] or [a, b].", {1})
    assert text == "Use x[i] and [see above] or [a, b]."
    assert (cited, removed) == ([], 0)


def test_streamed_markers_split_across_pieces_are_still_checked() -> None:
    pieces = ["Canary first ", "[", "1", "] then", " ramp up [", "9", "]", ". Done [2", "]"]
    markers = MarkerFilter({1, 2})
    shown = [markers.feed(p) for p in pieces] + [markers.flush()]
    assert "".join(shown) == "Canary first [1] then ramp up. Done [2]"
    # An invented marker is never shown, not even half of it.
    assert not any("9" in piece for piece in shown)
    assert markers.removed == 1
    assert markers.cited == [1, 2]


def test_stream_filter_does_not_hold_back_ordinary_text() -> None:
    markers = MarkerFilter({1})
    assert markers.feed("Hello world") == "Hello world"
    assert markers.feed(" and more ") == " and more"
    assert markers.flush() == " "


def test_empty_question_is_an_error() -> None:
    with pytest.raises(ChatError, match="empty"):
        clean_question(" \n\t ", 100)


def test_long_question_is_cut_at_a_word_and_flagged() -> None:
    asked = clean_question("why " * 100, 50)
    assert asked.truncated
    assert len(asked.text) <= 50
    assert asked.text.endswith("why")
    assert asked.original_chars == len(("why " * 100).strip())


def test_question_loses_control_characters_and_extra_space() -> None:
    asked = clean_question("  batch\x00 or\n online?  ", 100)
    assert asked.text == "batch or online?"
    assert not asked.truncated


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("and for streaming?", True),
        ("What about the cost of it?", True),
        ("Is it expensive?", True),
        ("How do I catch training-serving skew in a feature pipeline?", False),
        ("Should I use PR-AUC or ROC-AUC for a fraud model with 0.1% positives?", False),
    ],
)
def test_follow_ups_are_recognised(question: str, follow_up: bool) -> None:
    assert looks_like_follow_up(question) is follow_up


def test_offline_follow_up_is_searched_with_the_last_question() -> None:
    history = [
        ChatTurn(role="user", content="Batch or online inference for a daily forecast?"),
        ChatTurn(role="assistant", content="Batch [1]."),
    ]
    assert (
        offline_standalone("and for streaming?", history)
        == "Batch or online inference for a daily forecast? and for streaming?"
    )
    standalone = "How do I split time-series data without leakage into folds?"
    assert offline_standalone(standalone, history) == standalone


def test_offline_chain_of_follow_ups_keeps_the_original_topic() -> None:
    history = [
        ChatTurn(role="user", content="Which drift metric should we alert on for a fraud model?"),
        ChatTurn(role="assistant", content="PSI [1]."),
        ChatTurn(role="user", content="and for text features?"),
        ChatTurn(role="assistant", content="Embedding drift [2]."),
    ]
    assert offline_standalone("what threshold then?", history) == (
        "Which drift metric should we alert on for a fraud model? and for text features? "
        "what threshold then?"
    )


def test_history_accepts_turns_gradio_messages_and_pairs() -> None:
    turns = normalize_history(
        [
            ChatTurn(role="user", content="q1"),
            {"role": "assistant", "content": [{"type": "text", "text": "a1"}]},
            {"role": "system", "content": "ignored"},
            ("q2", "a2"),
            {"role": "user", "content": "   "},
        ]
    )
    assert [(t.role, t.content) for t in turns] == [
        ("user", "q1"),
        ("assistant", "a1"),
        ("user", "q2"),
        ("assistant", "a2"),
    ]


def test_history_keeps_the_newest_turns_within_the_token_budget() -> None:
    turns = []
    for i in range(10):
        turns += [
            ChatTurn(role="user", content=f"question {i} " + "x" * 80),
            ChatTurn(role="assistant", content=f"answer {i} " + "y" * 200),
        ]
    kept = bound_history(turns, 200)
    assert sum(approx_tokens(t.content) for t in kept) <= 200
    assert kept[-1].content.startswith("answer 9")
    assert kept[0].role == "user"
    assert kept[0].content.startswith("question ")


def test_one_long_answer_is_cut_rather_than_pushing_out_its_question() -> None:
    turns = [
        ChatTurn(role="user", content="Batch or online?"),
        ChatTurn(role="assistant", content="word " * 2000),
    ]
    kept = bound_history(turns, 300)
    assert [t.role for t in kept] == ["user", "assistant"]
    assert kept[1].content.endswith("…")
    assert sum(approx_tokens(t.content) for t in kept) <= 300
    assert "User: Batch or online?" in render_history(kept)


def test_passage_sentences_rejoin_wrapped_lines_and_drop_chunk_edges() -> None:
    passage = (
        "served features, which is where it began.\n"
        "Training-serving skew is any difference between training data and\n"
        "serving data. It has three causes.\n"
        "- Different code paths.\n"
        "Question | Answer\n"
        "Is a day stale acceptable? | Batch\n"
        "A common mistake is choosing online inference for a"
    )
    assert _paragraphs(passage)[0] == (
        "served features, which is where it began. Training-serving skew is any difference "
        "between training data and serving data. It has three causes."
    )
    got = _passage_sentences(passage)
    assert got[0].startswith("Training-serving skew is any difference")
    assert "Different code paths." in got
    # A table row is quoted with its cells named by the header row.
    assert "Question: Is a day stale acceptable? · Answer: Batch" in got
    assert not any(s.startswith("served features") for s in got)
    assert not any(s.startswith("A common mistake") for s in got)


def test_nothing_relevant_says_so_with_the_score_and_floor() -> None:
    text = nothing_relevant(0.12, 0.35, with_draft=True)
    assert "nothing relevant" in text
    assert "0.12" in text and "0.35" in text
    assert "draft" in text


def test_public_api_of_the_chat_package() -> None:
    import app.chat

    assert set(app.chat.__all__) == {
        "DEFAULT_K",
        "RELEVANCE_FLOOR",
        "Answer",
        "ChatCitation",
        "ChatError",
        "ChatSession",
        "ChatTurn",
        "answer",
        "load_chat_draft",
        "stream_answer",
    }
    assert all(hasattr(app.chat, name) for name in app.chat.__all__)
