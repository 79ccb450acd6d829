"""Review cache: a re-run on an unchanged document, rubric, knowledge base, model and prompt
is read from disk instead of computed."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from app.files import WriteError, write_atomic
from app.review.models import Review


def cache_key(*parts: str) -> str:
    """A key from everything a review depends on."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class ReviewCache:
    """JSON files under `<data dir>/cache/reviews`, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str) -> Review | None:
        """The cached review, or None (a damaged entry counts as a miss)."""
        path = self.folder / f"{key}.json"
        try:
            review = Review.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, json.JSONDecodeError):
            return None
        return review.model_copy(update={"cached": True})

    def put(self, key: str, review: Review) -> None:
        """Store a review; failures to write only cost a later recomputation."""
        with contextlib.suppress(WriteError):
            write_atomic(self.folder / f"{key}.json", review.model_dump_json())
