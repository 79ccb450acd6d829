"""Evaluation of review quality and retrieval, and benchmarks (uses both app and ingest)."""
