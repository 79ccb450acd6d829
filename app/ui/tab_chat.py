"""The Chat tab: questions about design trade-offs, answers streamed with numbered citations
under each, optionally grounded in the draft reviewed in this session. A question about one of
that draft's sections opens with the review's verdict for it (the review the Review tab shows,
not a second one)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import gradio as gr

from app import knowledge
from app.chat import Answer, stream_answer
from app.chat.verdict import DraftReview
from app.errors import MlsdError
from app.rubric import Rubric, load_rubric
from app.settings import Settings
from app.ui import actions
from app.ui.actions import USER_ERRORS, ReviewedDraft, SessionPrefs, UIContext
from app.ui.view import answer_markdown, mode_markdown, plain_history

EXAMPLES = [
    "Batch or online inference for a daily demand forecast?",
    "How should I detect data drift after launch?",
    "What makes a good baseline for a ranking model?",
    "Which business metric should a churn model be tied to?",
]
THINKING = "Searching the guides…"
log = logging.getLogger("mlsd.ui")

Message = dict[str, Any]


@lru_cache(maxsize=4)
def _rubric(path: Path, mtime: float) -> Rubric | None:
    try:
        return load_rubric(path)
    except MlsdError:
        return None


def draft_review(reviewed: ReviewedDraft, settings: Settings) -> DraftReview:
    """The session's review as the chat's DraftReview. The settings' template adds its aliases
    and cues when the review used it; a review against an uploaded template is matched by its
    sections' titles, questions and headings."""
    template = settings.template
    rubric = _rubric(template, template.stat().st_mtime) if template.is_file() else None
    return DraftReview(reviewed.review, rubric)


def chat_events(
    ctx: UIContext,
    prefs: SessionPrefs | None,
    question: str,
    history: list[dict[str, str]],
    reviewed: ReviewedDraft | None,
    use_draft: bool,
) -> Iterator[str | Answer]:
    """actions.chat_events, with the reviewed draft's verdicts when the draft is used."""
    if not (use_draft and reviewed is not None):
        yield from actions.chat_events(ctx, prefs, question, history, reviewed, use_draft)
        return
    settings = ctx.settings_for(prefs)
    yield from stream_answer(
        question,
        settings=settings,
        history=history,
        draft=actions.draft_for_chat(reviewed, settings),
        review=draft_review(reviewed, settings),
        store=knowledge.open_store(settings),
    )


@dataclass
class ChatTab:
    """Components other tabs update."""

    mode: gr.Markdown


def build(ctx: UIContext, prefs: gr.State, reviewed: gr.State) -> ChatTab:
    """Lay out the tab and wire its events."""
    with gr.Tab("Chat", id="chat"):
        mode = gr.Markdown(mode_markdown(ctx.settings, "chat"), elem_id="mlsd-chat-mode")
        chatbot = gr.Chatbot(
            label="Design trade-offs",
            show_label=False,
            height=560,
            elem_id="mlsd-chatbot",
            placeholder="Ask about ML system design: serving, metrics, data, monitoring, "
            "rollout. Answers cite the guide passages they rest on.",
            feedback_options=None,
            buttons=["copy"],
        )
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                show_label=False,
                placeholder="Ask a question, e.g. how do I pick a latency target?",
                scale=6,
                elem_id="mlsd-question",
                autofocus=False,
            )
            ask = gr.Button("Ask", variant="primary", scale=1, elem_id="mlsd-ask")
        with gr.Row():
            use_draft = gr.Checkbox(
                label="Use the reviewed draft as context (review one in the Review tab first)",
                value=False,
                elem_id="mlsd-use-draft",
            )
            clear = gr.Button("Clear conversation", size="sm", variant="secondary", scale=0)
        gr.Examples(EXAMPLES, inputs=[question], label="Try")

    def on_ask(
        message: str | None,
        history: list[Message] | None,
        with_draft: bool,
        draft: ReviewedDraft | None,
        session: SessionPrefs | None,
    ) -> Iterator[tuple[Any, Any]]:
        text = (message or "").strip()
        shown: list[Message] = list(history or [])
        if not text:
            gr.Warning("Type a question first.")
            yield shown, gr.skip()
            return
        prior = plain_history(shown)
        shown += [{"role": "user", "content": text}, {"role": "assistant", "content": THINKING}]
        yield shown, ""
        streamed = ""
        try:
            for event in chat_events(ctx, session, text, prior, draft, with_draft):
                if isinstance(event, Answer):
                    shown[-1] = {"role": "assistant", "content": answer_markdown(event)}
                else:
                    streamed += event
                    shown[-1] = {"role": "assistant", "content": streamed}
                yield shown, ""
        except Exception as exc:
            if not isinstance(exc, USER_ERRORS):
                log.exception("chat failed")
            shown[-1] = {"role": "assistant", "content": f"**Could not answer:** {exc}"}
            yield shown, ""

    event_args: dict[str, Any] = {
        "inputs": [question, chatbot, use_draft, reviewed, prefs],
        "outputs": [chatbot, question],
    }
    ask.click(on_ask, api_name="chat", **event_args)
    question.submit(on_ask, api_visibility="undocumented", **event_args)
    clear.click(lambda: [], outputs=[chatbot], api_visibility="undocumented")
    return ChatTab(mode=mode)
