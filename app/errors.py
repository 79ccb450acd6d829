"""Errors of the app layer. The CLI and UI turn every MlsdError into a one-line message."""

from __future__ import annotations

from ingest.errors import MlsdError

__all__ = ["ConfigError", "MlsdError", "UnsupportedDocument"]


class ConfigError(MlsdError):
    """A setting is invalid or missing."""


class UnsupportedDocument(MlsdError):
    """A document the reviewer cannot judge: another language, or not a design doc."""
