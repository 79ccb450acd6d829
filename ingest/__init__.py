"""Ingestion: load guides and drafts, repair their text, chunk, embed and store them.

This package knows nothing of `app`: the app layer imports it, never the reverse.
"""
