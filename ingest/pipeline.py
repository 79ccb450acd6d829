"""Incremental ingestion: load files, chunk them, embed only what changed, prune what went.

A file is known by its source id and its content hash. An unchanged file costs one hash; an
edited file embeds only the passages whose text changed (chunk ids are content hashes) and
drops the rest; a file deleted from an ingested folder loses its chunks (unless prune=False).

Every chunk also records the file's absolute location. Source ids are relative to the
working directory when the file lies under it, so the location, not the id, is what says
whether a source lies under a folder being ingested, and which stored source a file is.

Files of the data shipped with the program (the default guides) are the exception: they are
known by their path inside the shipped folder's parent ('knowledge/guides/x.md') wherever
the program is installed, so two installs or checkouts sharing one per-user knowledge base
share one copy of each guide.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingest.chunking import Chunker
from ingest.errors import LoadError, StoreError
from ingest.loaders import (
    DEFAULT_MAX_UNPACKED,
    DEFAULT_READ_SECONDS,
    file_kind,
    load_path,
    supported,
)
from ingest.models import Chunk
from ingest.store import KnowledgeStore, SourceInfo


class FileResult(BaseModel):
    """What happened to one file."""

    source_id: str
    status: str  # added | updated | unchanged | failed | removed
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks: int = 0
    message: str = ""


class IngestReport(BaseModel):
    """The outcome of one ingest run (`mlsd ingest --json` prints it)."""

    files: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    unchanged: int = 0
    failed: int = 0
    removed_sources: int = 0
    results: list[FileResult] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    total_chunks: int = 0

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return self.failed == 0


Progress = Callable[[int, int, str], None]


def entry_path(path: Path) -> Path:
    """Absolute location of a file, the same from any working directory: its folder
    resolved, its own name kept (a symbolic link is known by where it sits, and a link loop
    does not make this fail)."""
    if path.name in ("", ".", ".."):
        return path.resolve()
    return path.parent.resolve() / path.name


def source_id_for(path: Path, bases: Iterable[Path]) -> str:
    """Stable id of a file: its path relative to the first base that contains it, in POSIX
    form; the absolute path when none does."""
    return _candidate_ids(path, bases)[0]


def _candidate_ids(path: Path, bases: Iterable[Path]) -> list[str]:
    """Ids a file may have been stored under: relative to each base that contains it (first
    base first), then its absolute path. Ids stored by older versions followed the target of
    a symbolic link, so those forms are included too."""
    located = entry_path(path)
    forms = [located]
    try:
        if (target := path.resolve()) != located:
            forms.append(target)
    except (OSError, RuntimeError):  # a link loop: Python 3.11 raises RuntimeError
        pass
    ids: list[str] = []
    for base in bases:
        root = base.resolve()
        ids.extend(f.relative_to(root).as_posix() for f in forms if f.is_relative_to(root))
    ids.extend(f.as_posix() for f in forms)
    return list(dict.fromkeys(ids))


def _walk(folder: Path) -> tuple[list[Path], list[str]]:
    """Supported files under a folder, and a warning for each entry skipped.

    Symbolic links to folders are not followed (a link loop would never end); FIFOs,
    devices and sockets are skipped (reading one blocks forever or never ends)."""
    found: list[Path] = []
    skipped: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") or not supported(path):
                continue
            try:
                mode = path.stat().st_mode
            except OSError:
                found.append(path)  # a broken link or a link loop: its load says which
                continue
            if stat.S_ISREG(mode):
                found.append(path)
            else:
                skipped.append(f"{path}: skipped, not a regular file ({file_kind(mode)})")
    return found, skipped


class _Target:
    """A file to ingest: its source id, path and absolute location; whether it is shipped
    data, and (once loaded) its content hash."""

    def __init__(self, sid: str, path: Path, location: str, shipped: bool = False) -> None:
        self.sid, self.path, self.location, self.shipped = sid, path, location, shipped
        self.source_hash = ""


def _shipped_id(path: Path, shipped: Path | None) -> str | None:
    """The location-independent id of a file of the shipped data, None for any other file."""
    if shipped is None:
        return None
    root = shipped.resolve()
    location = entry_path(path)
    return location.relative_to(root.parent).as_posix() if location.is_relative_to(root) else None


def _copy_of(info: SourceInfo, sid: str, location: str) -> bool:
    """True when a stored source is this shipped file or another install's copy of it: the
    same location, the same trailing path, a location that is gone, or none recorded."""
    stored = info.path
    return (
        not stored
        or stored == location
        or stored.endswith("/" + sid)
        or not os.path.lexists(stored)
    )


def _assign_ids(
    files: list[Path],
    bases: list[Path],
    known: dict[str, SourceInfo],
    shipped: Path | None = None,
) -> list[_Target]:
    """The source id of each file, such that one file keeps one id from any working
    directory and two files never share one.

    A shipped file takes its shipped id, unless an unrelated file holds it. Any other file
    already stored keeps its id (found by location, or for chunks stored before locations
    were kept, by any id it could have had). A new file gets its id relative to the first
    base, or its absolute path when that id belongs to another file.
    """
    by_location = {info.path: sid for sid, info in known.items() if info.path}
    targets: list[_Target] = []
    used: dict[str, str] = {}  # id -> location, in this run
    seen: set[str] = set()
    for path in files:
        location = entry_path(path).as_posix()
        if location in seen:
            continue  # the same file named twice
        seen.add(location)
        own = _shipped_id(path, shipped)
        if (
            own is not None
            and own not in used
            and (own not in known or _copy_of(known[own], own, location))
        ):
            used[own] = location
            targets.append(_Target(own, path, location, shipped=True))
            continue
        sid = by_location.get(location)
        if sid is None:
            candidates = _candidate_ids(path, bases)
            sid = next(
                (c for c in candidates if c in known and not known[c].path and c not in used),
                None,
            )
            if sid is None:
                first = candidates[0]
                sid = location if first in known or first in used else first
        used[sid] = location
        targets.append(_Target(sid, path, location))
    return targets


def _prunable(
    sid: str,
    info: SourceInfo,
    folders: list[Path],
    legacy_prefixes: list[str],
    bases: list[Path],
) -> bool:
    """True when a stored source lies under a folder just walked and its file is gone.

    Decided on absolute locations, so the working directory cannot widen it. A source
    stored without a location (an older store) is pruned only when its id starts with a
    non-empty id prefix of a folder walked and no base holds a file by that name."""
    if info.path or os.path.isabs(sid):
        location = Path(info.path or sid)
        under = any(location.is_relative_to(folder) for folder in folders)
        return under and not os.path.lexists(location)
    under = any(sid.startswith(prefix) for prefix in legacy_prefixes)
    return under and not any(os.path.lexists(base / sid) for base in bases)


def ingest_paths(
    paths: list[Path],
    store: KnowledgeStore,
    chunker: Chunker,
    *,
    bases: list[Path],
    max_bytes: int,
    max_pages: int,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    read_seconds: float = DEFAULT_READ_SECONDS,
    max_chunks: int | None = None,
    prune: bool = True,
    progress: Progress | None = None,
    shipped: Path | None = None,
) -> IngestReport:
    """Bring the store in line with the files under `paths`. Never raises for a bad file:
    each failure is a FileResult with a one-line message, and the other files go on.

    Pruning removes only sources whose files lay under a folder given here and are gone.
    A file adds at most `max_chunks` passages (its first ones, with a warning).
    Files under `shipped` (the program's own data) keep one id wherever it is installed, and
    other copies of them stored under older or absolute ids are removed."""
    started = time.perf_counter()
    report = IngestReport()
    files: list[Path] = []
    folders: list[Path] = []
    legacy_prefixes: list[str] = []
    for path in paths:
        if path.is_dir():
            folders.append(path.resolve())
            legacy_prefixes.extend(
                f"{c}/" for c in _candidate_ids(path, bases) if c not in ("", ".")
            )
            found, skipped = _walk(path)
            files.extend(found)
            report.warnings.extend(skipped)
        elif path.exists() and not supported(path):
            sid = source_id_for(path, bases)
            report.results.append(
                FileResult(
                    source_id=sid,
                    status="failed",
                    message=f"{sid}: unsupported format '{path.suffix or 'no suffix'}'",
                )
            )
        else:
            files.append(path)

    with store.writing():
        known, ids_by_source = store.inventory()
        targets = _assign_ids(files, bases, known, shipped)
        legacy = _Legacy(known, {t.sid for t in targets})
        batch = _Batch(store)
        for index, target in enumerate(targets, start=1):
            if progress:
                progress(index, len(targets), target.sid)
            result = _plan_one(
                target,
                store,
                chunker,
                known,
                ids_by_source,
                legacy,
                limits={
                    "max_bytes": max_bytes,
                    "max_pages": max_pages,
                    "max_unpacked": max_unpacked,
                    "read_seconds": read_seconds,
                },
                max_chunks=max_chunks,
                report=report,
            )
            report.results.append(result if isinstance(result, FileResult) else result.result)
            if isinstance(result, _Update):
                batch.append(result)
        batch.flush()
        report.results.extend(_drop_copies(targets, known, ids_by_source, store))
        if prune:
            assigned = {t.sid for t in targets}
            for sid in sorted(known):
                if sid in assigned or not _prunable(
                    sid, known[sid], folders, legacy_prefixes, bases
                ):
                    continue
                removed = store.delete(sorted(ids_by_source.get(sid, set())))
                report.results.append(
                    FileResult(
                        source_id=sid,
                        status="removed",
                        chunks_removed=removed,
                        message="file no longer exists",
                    )
                )
        report.total_chunks = store.count()

    for r in report.results:
        report.chunks_added += r.chunks_added
        report.chunks_removed += r.chunks_removed
        report.unchanged += r.status == "unchanged"
        report.failed += r.status == "failed"
        report.removed_sources += r.status == "removed"
        report.files += r.status != "removed"
    report.seconds = round(time.perf_counter() - started, 3)
    return report


# New chunks of several files are embedded in one call: the embedder sorts them by length, so
# a batch holds passages of similar length and carries little padding. File by file, a batch
# was padded to the longest passage of its file: about 40% more tokens through the model for
# knowledge/guides. A group this size keeps progress lines a few seconds apart.
_EMBED_GROUP = 256


class _Update:
    """A file whose chunks changed: what to add, keep and delete, and its result to fill."""

    def __init__(
        self, result: FileResult, new: list[Chunk], kept: list[Chunk], stale: list[str]
    ) -> None:
        self.result, self.new, self.kept, self.stale = result, new, kept, stale


class _Batch:
    """Updates waiting for their new chunks to be embedded together."""

    def __init__(self, store: KnowledgeStore) -> None:
        self._store = store
        self._updates: list[_Update] = []
        self._chunks = 0

    def append(self, update: _Update) -> None:
        self._updates.append(update)
        self._chunks += len(update.new)
        if self._chunks >= _EMBED_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self._updates:
            return
        # Add before deleting: an interrupted run leaves extra chunks, never a missing file.
        self._store.add([c for u in self._updates for c in u.new])
        for update in self._updates:
            self._store.touch(update.kept)
            update.result.chunks_added = len(update.new)
            update.result.chunks_removed = self._store.delete(update.stale)
        self._updates, self._chunks = [], 0


def _drop_copies(
    targets: list[_Target],
    known: dict[str, SourceInfo],
    ids_by_source: dict[str, set[str]],
    store: KnowledgeStore,
) -> list[FileResult]:
    """Remove the other copies of each shipped file: the same file stored under an id an
    older version gave it, or another install's copy stored under its absolute path (same
    trailing path, and the same text or a location that is gone)."""
    results: list[FileResult] = []
    assigned = {t.sid for t in targets}
    for target in (t for t in targets if t.shipped and t.source_hash):
        for sid, info in known.items():
            if sid in assigned or not info.path:
                continue
            same_file = info.path == target.location
            other_copy = info.path.endswith("/" + target.sid) and (
                info.content_hash == target.source_hash or not os.path.lexists(info.path)
            )
            if not (same_file or other_copy):
                continue
            assigned.add(sid)
            removed = store.delete(sorted(ids_by_source.get(sid, set())))
            results.append(
                FileResult(
                    source_id=sid,
                    status="removed",
                    chunks_removed=removed,
                    message=f"another copy of {target.sid}",
                )
            )
    return results


class _Legacy:
    """Sources stored without a location, by content hash, for files that come back under
    another id: a store written before locations were kept, by ids relative to another
    working directory ('guides/a.md' stored from one folder is 'a.md' from inside it)."""

    def __init__(self, known: dict[str, SourceInfo], taken: set[str]) -> None:
        self._taken = taken
        self._by_hash: dict[str, list[str]] = {}
        for sid, info in known.items():
            if not info.path and info.content_hash and not os.path.isabs(sid):
                self._by_hash.setdefault(info.content_hash, []).append(sid)

    def claim(self, source_hash: str, location: str) -> str | None:
        """The stored id of an unchanged file whose location ends with that id, if any.
        The same bytes under the same trailing path: the same file, whatever the folder
        it was ingested from."""
        for sid in self._by_hash.get(source_hash, []):
            if sid not in self._taken and location.endswith("/" + sid):
                self._taken.add(sid)
                return sid
        return None


def _plan_one(
    target: _Target,
    store: KnowledgeStore,
    chunker: Chunker,
    known: dict[str, SourceInfo],
    ids_by_source: dict[str, set[str]],
    legacy: _Legacy,
    *,
    limits: dict[str, Any],
    max_chunks: int | None,
    report: IngestReport,
) -> FileResult | _Update:
    sid = target.sid
    try:
        doc = load_path(target.path, sid, **limits)
        report.warnings.extend(f"{sid}: {w}" for w in doc.warnings)
        target.source_hash = chunker.source_hash(doc)
        info = known.get(sid)
        if info is None and (old := legacy.claim(target.source_hash, target.location)):
            sid = target.sid = old
            info = known[sid]
        if info is not None and info.content_hash == target.source_hash:
            ids = ids_by_source.get(sid, set())
            if info.path != target.location:
                store.set_path(sorted(ids), target.location)  # an older store: record it
            return FileResult(source_id=sid, status="unchanged", chunks=len(ids))
        chunks = chunker.split(doc, store.embedder.name)
        if max_chunks is not None and len(chunks) > max_chunks:
            report.warnings.append(
                f"{sid}: indexed its first {max_chunks} of {len(chunks)} passages "
                "(MLSD_MAX_CHUNKS_PER_FILE)"
            )
            chunks = chunks[:max_chunks]
    except LoadError as exc:
        return FileResult(source_id=sid, status="failed", message=str(exc))
    except StoreError:
        raise
    except Exception as exc:
        # Whatever one file does to a parser, the other files are still ingested.
        detail = " ".join(str(exc).split())[:200]
        message = f"{sid}: cannot ingest ({type(exc).__name__}: {detail})"
        return FileResult(source_id=sid, status="failed", message=message)
    if not chunks:
        return FileResult(source_id=sid, status="failed", message=f"{sid}: no text to index")
    for chunk in chunks:
        chunk.path = target.location
    old_ids = ids_by_source.get(sid, set())
    result = FileResult(
        source_id=sid, status="updated" if info is not None else "added", chunks=len(chunks)
    )
    return _Update(
        result,
        new=[c for c in chunks if c.id not in old_ids],
        kept=[c for c in chunks if c.id in old_ids],
        stale=sorted(old_ids - {c.id for c in chunks}),
    )
