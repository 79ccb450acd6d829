"""The whole page: a header and five tabs over one shared, read-only context. Results live
in per-session state (gr.State), never in module globals.

    from app.ui.app import build_app, launch_options
    demo = build_app(settings)
    demo.launch(**launch_options(settings))
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.settings import Settings
from app.ui import tab_batch, tab_chat, tab_knowledge, tab_review, tab_settings
from app.ui.actions import UIContext
from app.ui.files import Workspace
from app.ui.style import CSS, HEAD, theme

TITLE = "mlsd · design doc review"
# Per-session results (a review with its draft, a batch) are dropped an hour after the
# session's last use, so a long-running server does not keep every upload in memory.
STATE_TTL = 3600
HEADER = (
    '<div class="mlsd-brand"><h1><span class="mlsd-logo">mlsd</span> design doc review</h1>'
    "<p>Upload an ML system design draft: see its gaps, risks and suggested edits, each "
    "backed by a cited guide passage.</p></div>"
)


def build_app(
    settings: Settings, workspace: Workspace | None = None, *, lock_llm: bool = False
) -> gr.Blocks:
    """The Gradio app for these settings. `lock_llm` keeps every session on the server's LLM
    (for an app open to the network without a password)."""
    ctx = UIContext(settings=settings, workspace=workspace or Workspace(), lock_llm=lock_llm)
    demo = gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 6 * 3600))
    with demo:
        gr.HTML(HEADER, js_on_load=None)
        prefs = gr.State(ctx.default_prefs())
        reviewed = gr.State(None, time_to_live=STATE_TTL)
        batch = gr.State(None, time_to_live=STATE_TTL)
        with gr.Tabs():
            review = tab_review.build(ctx, prefs, reviewed)
            chat = tab_chat.build(ctx, prefs, reviewed)
            tab_batch.build(ctx, prefs, batch)
            kb = tab_knowledge.build(ctx)
            tab_settings.build(ctx, prefs, [review.mode, chat.mode])
        demo.load(
            lambda: tab_knowledge.list_sources(ctx),
            outputs=[kb.summary, kb.sources],
            api_visibility="undocumented",
        )
    # Each kind of request (review, chat, batch, upload...) runs at most ui_concurrency at a
    # time; later ones wait in one queue of at most ui_queue_size, and beyond it a request is
    # refused at once with "queue full" instead of waiting without end.
    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_queue_size)
    return demo


def launch_options(settings: Settings, auth: tuple[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for demo.launch(): look, limits, auth, nothing fetched remotely."""
    return {
        "theme": theme(),
        "css": CSS,
        "head": HEAD,
        "auth": auth,
        "auth_message": "mlsd: sign in with the credentials set in MLSD_UI_AUTH." if auth else None,
        "max_file_size": settings.max_bytes,
        "ssr_mode": False,
        "footer_links": ["api", "settings"],
        "show_error": False,
        "quiet": True,
    }
