"""mlsd's Python API. The CLI and the UI call these functions; so can your own code.

from app.api import review_document
review = review_document("docs/design.md")
print(review.score, [f.message for f in review.all_findings()])
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app import knowledge
from app.llm.check import base_url
from app.llm.judge import LLMJudge
from app.llm.plan import load_speed, speeds_path
from app.llm.provider import build_chat_model, describe_spec
from app.review import Review, Reviewer
from app.rubric import Rubric, load_rubric
from app.settings import Settings, load_settings
from ingest.pipeline import IngestReport, Progress

__all__ = ["ingest_paths", "make_reviewer", "review_bytes", "review_document"]


def make_reviewer(
    settings: Settings | None = None,
    template: Path | None = None,
    *,
    use_cache: bool = True,
    on_build: Callable[[], Progress | None] | None = None,
) -> Reviewer:
    """A Reviewer for the settings (and template), with the LLM the settings name (offline
    when none), building the default knowledge base first if the store is empty (`on_build`
    is called before that slow step, and may return a progress callback for it)."""
    settings = settings or load_settings()
    knowledge.warm_embedder(settings)
    store = knowledge.open_store(settings)
    if store.count() == 0:
        progress = on_build() if on_build else None
        knowledge.ensure_knowledge_base(settings, store, progress=progress)
    rubric: Rubric = load_rubric(template or settings.template)
    model = build_chat_model(settings)
    judge = None
    if model is not None:
        spec_provider, _ = describe_spec(settings.llm)
        judge = LLMJudge(
            model,
            settings.llm,
            timeout=settings.llm_timeout,
            concurrency=settings.llm_concurrency,
            budget=settings.llm_budget or None,
            speed=load_speed(
                speeds_path(settings.data_dir), settings.llm, base_url(settings, spec_provider)
            ),
        )
    return Reviewer(settings, store, rubric=rubric, use_cache=use_cache, llm=judge)


def review_document(
    path: str | Path, settings: Settings | None = None, template: Path | None = None
) -> Review:
    """Review one draft file (Markdown, text, PDF or DOCX) against the template."""
    return make_reviewer(settings, template).review_path(Path(path), str(path))


def review_bytes(
    data: bytes, name: str, settings: Settings | None = None, template: Path | None = None
) -> Review:
    """Review an uploaded draft given as bytes and a file name."""
    return make_reviewer(settings, template).review_bytes(data, name)


def ingest_paths(
    paths: list[Path] | None = None, settings: Settings | None = None, prune: bool = True
) -> IngestReport:
    """Ingest files and folders into the knowledge base (default: the bundled guides)."""
    return knowledge.ingest(settings or load_settings(), paths, prune=prune)
