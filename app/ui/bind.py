"""Who may reach the app: loopback by default; any other address needs a password or the
explicit promise that an open app is intended."""

from __future__ import annotations

import ipaddress

from app.errors import ConfigError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the usual names of the loopback interface."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_auth(text: str) -> tuple[str, str]:
    """('user', 'password') from 'user:password'. Raises ConfigError without echoing it."""
    user, sep, password = text.partition(":")
    if not sep or not user.strip() or not password:
        raise ConfigError(
            "the UI credentials must look like user:password (--auth or MLSD_UI_AUTH)"
        )
    return user.strip(), password


def check_bind(host: str, auth: tuple[str, str] | None, open_to_network: bool) -> None:
    """Raise ConfigError when `host` is reachable from other machines and nothing guards it."""
    if is_loopback(host) or auth is not None or open_to_network:
        return
    raise ConfigError(
        f"binding {host} makes the app reachable from the network: set a password with "
        "MLSD_UI_AUTH=user:password (or --auth), or pass --open-to-network to accept an open app"
    )


def display_url(host: str, port: int) -> str:
    """The address to print: 0.0.0.0 and :: mean every interface, so show how to reach it."""
    shown = host.strip().strip("[]")
    if shown in ("0.0.0.0", "::", ""):
        shown = "127.0.0.1"
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"
