"""`mlsd serve`: the web app on 127.0.0.1, or on another address with a password."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import click

from app.cli.common import EXIT_OK, FirstBuild, make_settings, settings_options, warn
from app.errors import MlsdError


def _warm_up(embedder: object) -> None:
    """Load the embedding model in the background so the first review is not the slow one."""
    embed = getattr(embedder, "embed_query", None)
    if embed is not None:
        try:
            embed("warm up")
        except Exception as exc:  # the first real request reports the problem properly
            warn(f"mlsd: warning: the embedding model did not load: {exc}")


@click.command("serve")
@click.option("--host", default=None, help="Address to bind [MLSD_UI_HOST, default 127.0.0.1].")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port [MLSD_UI_PORT, default 7860]."
)
@click.option(
    "--auth",
    default=None,
    metavar="USER:PASSWORD",
    help="Ask for this user and password [MLSD_UI_AUTH, preferred: flags show in `ps`].",
)
@click.option(
    "--open-to-network",
    is_flag=True,
    help="Allow a non-loopback --host without a password (anyone who can reach it can use it).",
)
@settings_options
def serve_command(
    host: str | None,
    port: int | None,
    auth: str | None,
    open_to_network: bool,
    data_dir: Path | None,
    llm: str | None,
    llm_base_url: str | None,
) -> int:
    """Open the web app: review a draft, chat, batch-review a folder, manage the knowledge base.

    Binds 127.0.0.1 unless told otherwise; any other address needs a password (--auth or
    MLSD_UI_AUTH=user:password) or --open-to-network. Builds the knowledge base first when it
    is empty. Stop with Ctrl-C.
    """
    from app import knowledge
    from app.ui.bind import check_bind, display_url, is_loopback, parse_auth

    settings = make_settings(data_dir, llm, llm_base_url)
    host = host or settings.ui_host
    port = port or settings.ui_port
    secret = auth or (settings.ui_auth.get_secret_value() if settings.ui_auth else None)
    credentials = parse_auth(secret) if secret else None
    check_bind(host, credentials, open_to_network)

    store = knowledge.open_store(settings)
    if store.count() == 0:
        knowledge.ensure_knowledge_base(settings, store, progress=FirstBuild(settings).start())

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from app.ui.app import build_app, launch_options

    lock_llm = credentials is None and not is_loopback(host)
    demo = build_app(settings, lock_llm=lock_llm)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            prevent_thread_lock=True,
            **launch_options(settings, credentials),
        )
    except OSError as exc:
        raise MlsdError(f"cannot listen on {host}:{port}: {exc}") from exc
    threading.Thread(target=_warm_up, args=(store.embedder,), daemon=True).start()
    if not is_loopback(host):
        guard = "password required" if credentials else "no password"
        warn(f"mlsd: the app listens on {host}:{port} ({guard})")
    click.echo(f"mlsd: serving on {display_url(host, port)} (Ctrl-C to stop)")
    demo.block_thread()
    return EXIT_OK
