"""What the app's buttons do, as plain functions over the Python API (no Gradio here).

Each takes the server's context and the session's preferences and returns values the tabs
display; user errors surface as an MlsdError with a readable message.
Nothing is kept between calls except in the objects returned, which the tabs keep per
browser session (gr.State), so two users never see each other's results.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from app import knowledge
from app.api import make_reviewer
from app.chat import Answer, stream_answer
from app.chat.draft_index import DraftIndex, draft_index
from app.draft import load_draft_bytes
from app.errors import MlsdError
from app.llm.check import LLMCheck, check_llm
from app.llm.provider import describe_spec
from app.review.batch import DRAFT_SUFFIXES, SKIP_NAMES, BatchItem
from app.review.models import Review
from app.settings import Settings
from app.ui.files import Workspace, write_batch_zip
from app.ui.view import BATCH_HEADERS, batch_rows
from app.ui.zipsafe import extract_zip
from ingest.errors import LoadError
from ingest.loaders import SUFFIXES as GUIDE_SUFFIXES
from ingest.pipeline import IngestReport
from ingest.store import Hit, StoreStats

USER_ERRORS = (MlsdError,)
PASTED_NAME = "pasted-draft.md"
BATCH_JOBS = 2

Progress = Callable[[float, str], None]


class InputError(MlsdError):
    """The request is missing something the user must provide."""


class SessionPrefs(BaseModel):
    """Settings one browser session chose in the Settings tab (they override the server's)."""

    llm: str = "none"
    llm_base_url: str | None = None


@dataclass(frozen=True)
class UIContext:
    """What every handler shares: the server's settings and scratch folder. No results."""

    settings: Settings
    workspace: Workspace
    # An app open to the network without a password must not let visitors point the server
    # at other addresses (the LLM base URL), so sessions keep the server's LLM.
    lock_llm: bool = False

    def settings_for(self, prefs: SessionPrefs | None) -> Settings:
        """The server's settings with the session's LLM choice applied."""
        if prefs is None or self.lock_llm:
            return self.settings
        return self.settings.model_copy(
            update={"llm": prefs.llm, "llm_base_url": prefs.llm_base_url or None}
        )

    def default_prefs(self) -> SessionPrefs:
        """A new session starts with the server's LLM settings."""
        return SessionPrefs(llm=self.settings.llm, llm_base_url=self.settings.llm_base_url)


@dataclass
class ReviewedDraft:
    """One session's last review, with the draft's bytes (for the diff and the chat)."""

    review: Review
    data: bytes
    name: str
    index: DraftIndex | None = field(default=None, repr=False)


def read_upload(path: str | Path, max_bytes: int) -> tuple[bytes, str]:
    """The bytes and original name of an uploaded file, refusing files over the limit."""
    file = Path(path)
    size = file.stat().st_size
    if size > max_bytes:
        raise LoadError(
            file.name, f"{size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB"
        )
    return file.read_bytes(), file.name


def review_draft(
    ctx: UIContext,
    prefs: SessionPrefs | None,
    draft_path: str | None,
    pasted: str,
    template_path: str | None,
    progress: Progress | None = None,
) -> ReviewedDraft:
    """Review an uploaded draft (or pasted text) against the default or an uploaded template."""
    settings = ctx.settings_for(prefs)
    if draft_path:
        data, name = read_upload(draft_path, settings.max_bytes)
    elif pasted.strip():
        data, name = pasted.encode("utf-8"), PASTED_NAME
    else:
        raise InputError("upload a draft or paste its text first")
    template = Path(template_path) if template_path else None
    step = progress or (lambda fraction, stage: None)
    step(0.02, "preparing the reviewer")
    reviewer = make_reviewer(settings, template)
    review = reviewer.review_bytes(data, name, progress=lambda stage, f: step(f, stage))
    return ReviewedDraft(review=review, data=data, name=name)


def draft_for_chat(reviewed: ReviewedDraft, settings: Settings) -> DraftIndex:
    """The reviewed draft as a chat source, indexed once per session and draft."""
    if reviewed.index is None:
        draft = load_draft_bytes(reviewed.data, reviewed.name, **settings.draft_limits)
        store = knowledge.open_store(settings)
        reviewed.index = draft_index(draft, store.embedder)
    return reviewed.index


def chat_events(
    ctx: UIContext,
    prefs: SessionPrefs | None,
    question: str,
    history: list[dict[str, str]],
    reviewed: ReviewedDraft | None,
    use_draft: bool,
) -> Iterator[str | Answer]:
    """Text pieces as the answer streams (LLM mode), then the final Answer. The answer's
    notes say when the draft was asked for but there is none yet."""
    settings = ctx.settings_for(prefs)
    draft = draft_for_chat(reviewed, settings) if use_draft and reviewed is not None else None
    events = stream_answer(
        question,
        settings=settings,
        history=history,
        draft=draft,
        store=knowledge.open_store(settings),
    )
    for event in events:
        if isinstance(event, Answer) and use_draft and reviewed is None:
            event.notes.append(
                "No draft has been reviewed in this session yet, so only the guides were "
                "searched. Review one in the Review tab to ask about it."
            )
        yield event


def is_draft_name(name: str) -> bool:
    """True for a Markdown, text, PDF or DOCX file that is not a README, LICENSE or hidden."""
    parts = name.replace("\\", "/").split("/")
    if any(p.startswith(".") or p in ("__MACOSX", "node_modules") for p in parts):
        return False
    path = Path(parts[-1])
    return path.suffix.lower() in DRAFT_SUFFIXES and path.stem.lower() not in SKIP_NAMES


@dataclass
class BatchResult:
    """One session's batch: the items in upload order, what was skipped, the reports .zip."""

    items: list[BatchItem]
    skipped: list[str]
    zip_path: Path

    def review_of(self, document: str) -> Review | None:
        """The review of a document by its name in the table."""
        return next((i.review for i in self.items if i.path == document), None)


def collect_drafts(
    uploads: list[str], settings: Settings, folder: Path
) -> tuple[list[tuple[str, Path]], list[str]]:
    """(name, path) of every draft in the uploads, .zip files extracted safely, and one line
    per file skipped and why."""
    docs: list[tuple[str, Path]] = []
    skipped: list[str] = []
    seen: set[str] = set()
    max_bytes = int(settings.max_zip_mb * 1_000_000)
    for number, upload in enumerate(uploads):
        path = Path(upload)
        if path.suffix.lower() == ".zip":
            out = extract_zip(
                path,
                folder / f"zip{number}",
                max_entries=settings.max_zip_entries,
                max_bytes=max_bytes,
                keep=is_draft_name,
            )
            skipped += [f"{path.name}: {line}" for line in out.skipped]
            if out.ignored:
                skipped.append(
                    f"{path.name}: {out.ignored} file(s) that are not drafts were ignored"
                )
            found = [(f"{path.stem}/{rel}" if rel in seen else rel, p) for rel, p in out.files]
            if not out.files:
                skipped.append(f"{path.name}: no Markdown, text, PDF or DOCX draft inside")
        elif is_draft_name(path.name):
            found = [(path.name, path)]
        else:
            skipped.append(f"{path.name}: not a draft (.md, .txt, .pdf, .docx) or .zip, skipped")
            continue
        for name, file in found:
            unique, n = name, 2
            while unique in seen:
                base = Path(name)
                unique = f"{base.with_suffix('').as_posix()}-{n}{base.suffix}"
                n += 1
            seen.add(unique)
            docs.append((unique, file))
    if len(docs) > settings.max_zip_entries:
        skipped.append(
            f"{len(docs) - settings.max_zip_entries} draft(s) over the limit of "
            f"{settings.max_zip_entries} per batch (MLSD_MAX_ZIP_ENTRIES) were not reviewed"
        )
        docs = docs[: settings.max_zip_entries]
    return docs, skipped


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): a
# document named "=HYPERLINK(...).md" would put a live link or command in the summary.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading quote defuses a formula."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def summary_csv(items: list[BatchItem]) -> str:
    """The batch table as CSV, every cell safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(BATCH_HEADERS)
    writer.writerows([csv_cell(cell) for cell in row] for row in batch_rows(items))
    return buffer.getvalue()


def batch_review(
    ctx: UIContext,
    prefs: SessionPrefs | None,
    uploads: list[str],
    progress: Progress | None = None,
) -> BatchResult:
    """Review every draft in the uploaded files and .zip archives, two at a time."""
    if not uploads:
        raise InputError("upload design docs or a .zip of a docs folder first")
    settings = ctx.settings_for(prefs)
    job = ctx.workspace.job("batch")
    docs, skipped = collect_drafts(uploads, settings, job / "in")
    if not docs:
        raise InputError("no drafts to review: " + "; ".join(skipped or ["nothing uploaded"]))
    step = progress or (lambda fraction, stage: None)
    step(0.02, f"reviewing {len(docs)} document(s)")
    reviewer = make_reviewer(settings)
    done: list[str] = []
    originals: dict[str, bytes] = {}

    def one(doc: tuple[str, Path]) -> BatchItem:
        name, path = doc
        try:
            item = BatchItem(path=name, review=reviewer.review_path(path, name))
            originals[name] = path.read_bytes()
        except USER_ERRORS as exc:
            item = BatchItem(path=name, error=str(exc))
        done.append(name)
        step(len(done) / len(docs), f"reviewed {len(done)} of {len(docs)}: {name}")
        return item

    with ThreadPoolExecutor(max_workers=BATCH_JOBS) as pool:
        items = list(pool.map(one, docs))
    target = write_batch_zip(items, originals, job / "mlsd-reports.zip", summary_csv(items))
    shutil.rmtree(job / "in", ignore_errors=True)
    return BatchResult(items=items, skipped=skipped, zip_path=target)


def kb_stats(ctx: UIContext) -> StoreStats:
    """Sources and chunk counts of the knowledge base."""
    return knowledge.stats(ctx.settings)


def ingest_guides(
    ctx: UIContext, uploads: list[str], progress: Progress | None = None
) -> IngestReport:
    """Copy uploaded guides into the data dir (they must outlive the upload) and ingest them
    incrementally; other sources are left alone."""
    if not uploads:
        raise InputError("choose guide files to add first")
    folder = ctx.settings.data_dir / "uploads" / "guides"
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    max_bytes = ctx.settings.max_bytes
    for upload in uploads:
        data, name = read_upload(upload, max_bytes)
        if Path(name).suffix.lower() not in GUIDE_SUFFIXES:
            known = ", ".join(sorted(GUIDE_SUFFIXES))
            raise InputError(f"{name}: not a guide format (use one of {known})")
        target = folder / Path(name).name
        target.write_bytes(data)
        paths.append(target)
    step = progress or (lambda fraction, stage: None)

    def on_file(index: int, total: int, source_id: str) -> None:
        step(index / max(total, 1), f"ingesting {source_id}")

    return knowledge.ingest(ctx.settings, paths, prune=False, progress=on_file)


def search_kb(ctx: UIContext, query: str, k: int) -> list[Hit]:
    """The k passages that best match the query."""
    if not query.strip():
        raise InputError("type something to search for")
    return knowledge.search(ctx.settings, query.strip(), k)


def save_prefs(llm: str, base_url: str) -> SessionPrefs:
    """Validated LLM settings for the session. Raises LLMError for a malformed spec."""
    spec = llm.strip() or "none"
    describe_spec(spec)
    return SessionPrefs(llm=spec, llm_base_url=base_url.strip() or None)


def check_connection(ctx: UIContext, llm: str, base_url: str) -> LLMCheck:
    """The same check `mlsd llm check` runs, for the settings as typed."""
    prefs = SessionPrefs(llm=llm.strip() or "none", llm_base_url=base_url.strip() or None)
    return check_llm(ctx.settings_for(prefs))
