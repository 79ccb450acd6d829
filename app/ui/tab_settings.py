"""The Settings tab: the LLM for this browser session, a connection test that gives the same
diagnosis as `mlsd llm check`, and the server's limits."""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.ui import actions
from app.ui.actions import USER_ERRORS, UIContext
from app.ui.view import check_text, mode_markdown, session_mode, status_html

LOCKED_NOTE = (
    "\n\n**This app is open to the network without a password, so the LLM cannot be changed here.**"
)


def server_settings_markdown(ctx: UIContext) -> str:
    """The server's settings a user may want to know, as a Markdown table."""
    s = ctx.settings
    store = f"Chroma server {s.chroma_host}:{s.chroma_port}" if s.chroma_host else "embedded Chroma"
    rows = [
        ("Data dir", f"`{s.data_dir}`"),
        ("Template", f"`{s.template.name}`"),
        ("Embedding model", f"`{s.embedding_model}`"),
        ("Knowledge base", store),
        ("Largest upload", f"{s.max_file_mb:g} MB, {s.max_pages} PDF pages"),
        ("Batch .zip", f"{s.max_zip_entries} entries, {s.max_zip_mb:g} MB uncompressed"),
        ("LLM timeout", f"{s.llm_timeout:g} s, {s.llm_concurrency} calls at once"),
    ]
    lines = ["| Setting | Value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    return (
        "\n".join(lines)
        + "\n\n<sub>Change these with MLSD_* variables or mlsd.toml (`mlsd settings` lists "
        "them) and restart `mlsd serve`.</sub>"
    )


def build(ctx: UIContext, prefs: gr.State, modes: list[gr.Markdown]) -> None:
    """Lay out the tab and wire its events; `modes` are the review and chat mode lines."""
    locked = ctx.lock_llm
    with gr.Tab("Settings", id="settings"):
        gr.Markdown(
            "### LLM\nWithout an LLM, mlsd reviews offline and chat answers quote the best "
            "passages. With one, sections are judged by the model (its quotes checked against "
            "the draft) and answers are written from the cited passages. These choices apply to "
            "your browser session only; API keys come from the server's environment "
            "(`OPENAI_API_KEY`, `MLSD_LLM_API_KEY`) and are never shown."
            + (LOCKED_NOTE if locked else "")
        )
        with gr.Row():
            llm = gr.Textbox(
                label="Model",
                value=ctx.settings.llm,
                info="none (offline), ollama:NAME, openai:NAME or provider:model",
                interactive=not locked,
                elem_id="mlsd-llm",
            )
            base_url = gr.Textbox(
                label="Base URL",
                value=ctx.settings.llm_base_url or "",
                placeholder="http://localhost:11434 (Ollama) or http://host:8000/v1",
                info="Empty: the provider's default",
                interactive=not locked,
                elem_id="mlsd-llm-url",
            )
        with gr.Row():
            save = gr.Button("Use for this session", variant="primary", interactive=not locked)
            test = gr.Button("Test connection", elem_id="mlsd-llm-test")
        saved = gr.HTML("", js_on_load=None)
        result = gr.Textbox(
            label="Connection test",
            lines=3,
            interactive=False,
            elem_classes="mlsd-check",
            elem_id="mlsd-llm-result",
        )
        gr.Markdown("### Server\n" + server_settings_markdown(ctx))

    def on_save(spec: str, url: str) -> tuple[Any, ...]:
        keep = [gr.skip()] * (1 + len(modes))
        if locked:
            return (status_html("warning", "The LLM cannot be changed on an open app."), *keep)
        try:
            chosen = actions.save_prefs(spec or "", url or "")
        except USER_ERRORS as exc:
            return (status_html("error", str(exc)), *keep)
        settings = ctx.settings_for(chosen)
        lines = [mode_markdown(settings, "review"), mode_markdown(settings, "chat")]
        message = f"This browser session now uses: {session_mode(settings)}."
        return (status_html("ok", message), chosen, *lines[: len(modes)])

    def on_test(spec: str, url: str) -> str:
        if locked:
            spec, url = ctx.settings.llm, ctx.settings.llm_base_url or ""
        return check_text(actions.check_connection(ctx, spec or "", url or ""))

    save.click(on_save, inputs=[llm, base_url], outputs=[saved, prefs, *modes], api_name="use_llm")
    test.click(on_test, inputs=[llm, base_url], outputs=[result], api_name="llm_check")
