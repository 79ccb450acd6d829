"""Errors the ingestion stages raise; the CLI and UI turn them into messages."""

from __future__ import annotations


class MlsdError(Exception):
    """The one root of mlsd's errors: each carries a message fit for the user. It lives in
    the lowest package so that ingestion, the app and the evals share it; the CLI and the UI
    turn any MlsdError into a one-line message."""


class IngestError(MlsdError):
    """Base class for ingestion errors."""


class LoadError(IngestError):
    """A file could not be read as a document. The message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreError(IngestError):
    """The vector store could not be opened, read or written."""


class EmbedderError(IngestError):
    """The embedding model could not be loaded."""
