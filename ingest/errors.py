"""Errors the ingestion stages raise; the CLI and UI turn them into messages."""

from __future__ import annotations


class IngestError(Exception):
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
