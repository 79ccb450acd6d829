"""The knowledge base: chunks and their vectors in Chroma (embedded, or a Chroma server).

One collection per embedding model, so switching models never mixes vector spaces. What a
source holds is read back from the chunks' own metadata, so there is no second index that
could drift out of step with them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import BaseModel, Field

from ingest.embedder import Embedder
from ingest.errors import StoreError
from ingest.models import Chunk, Location

# Chroma accepts at most 5,461 records per add; stay well below.
_ADD_BATCH = 1000


class SourceInfo(BaseModel):
    """What the store holds for one source file."""

    source_id: str
    title: str
    url: str = ""
    content_hash: str
    chunks: int
    ingested_at: float
    # Absolute location of the file; "" for chunks stored before locations were recorded.
    path: str = ""


class Hit(BaseModel):
    """A retrieved passage with its similarity score (cosine, 0 to 1)."""

    chunk_id: str
    text: str
    source_id: str
    title: str
    heading_path: list[str]
    location: Location
    url: str = ""
    tags: list[str] = Field(default_factory=list)
    score: float

    @property
    def heading_label(self) -> str:
        """Headings joined: 'Monitoring > Drift'."""
        return " > ".join(self.heading_path)


class StoreStats(BaseModel):
    """Summary of the knowledge base."""

    backend: str
    collection: str
    embedding_model: str
    sources: list[SourceInfo]
    chunks: int


def collection_name(prefix: str, model: str) -> str:
    """A valid Chroma collection name for a prefix and an embedding model."""
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", Path(model).name.lower()).strip("-")
    return f"{prefix}-{slug}"[:60].strip("-")


def _metadata(chunk: Chunk, now: float) -> dict[str, str | int | float]:
    meta: dict[str, str | int | float] = {
        "source": chunk.source_id,
        "title": chunk.title,
        "heading": " > ".join(chunk.heading_path),
        "source_hash": chunk.source_hash,
        "model": chunk.embedding_model,
        "url": chunk.url,
        "tags": ",".join(chunk.tags),
        "ingested_at": now,
    }
    if chunk.path:
        meta["path"] = chunk.path
    for key, value in chunk.location.model_dump().items():
        if value is not None:
            meta[key] = int(value)
    return meta


def _location(meta: dict[str, Any]) -> Location:
    fields = ("line_start", "line_end", "page", "page_end", "paragraph")
    return Location(**{k: int(meta[k]) for k in fields if meta.get(k) is not None})


def _heading_path(meta: dict[str, Any]) -> list[str]:
    heading = str(meta.get("heading") or "")
    return heading.split(" > ") if heading else []


class KnowledgeStore:
    """Chunks and vectors in a Chroma collection, with a lock that serialises writers."""

    def __init__(
        self,
        client: Any,
        embedder: Embedder,
        lock_path: Path,
        *,
        prefix: str = "mlsd",
        backend: str = "embedded",
    ) -> None:
        self._client = client
        self.embedder = embedder
        self.backend = backend
        self.name = collection_name(prefix, embedder.name)
        self._lock = FileLock(str(lock_path))
        try:
            self._collection = client.get_or_create_collection(
                name=self.name,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": embedder.name},
                embedding_function=None,
            )
        except Exception as exc:
            raise StoreError(f"cannot open collection {self.name}: {exc}") from exc

    @classmethod
    def open(
        cls,
        embedder: Embedder,
        *,
        data_dir: Path,
        host: str | None = None,
        port: int = 8000,
        prefix: str = "mlsd",
    ) -> KnowledgeStore:
        """Embedded Chroma under `data_dir/chroma`, or a Chroma server when `host` is set."""
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create data dir {data_dir}: {exc.strerror}") from exc
        lock_path = data_dir / "ingest.lock"
        if host or (data_dir / "chroma" / "chroma.sqlite3").exists():
            return cls._connect(chroma_settings, embedder, data_dir, lock_path, host, port, prefix)
        # Creating a new store runs Chroma's migrations; two processes doing that at once race.
        try:
            with FileLock(str(lock_path)).acquire(timeout=600):
                return cls._connect(
                    chroma_settings, embedder, data_dir, lock_path, host, port, prefix
                )
        except Timeout as exc:
            raise StoreError(f"the store in {data_dir} stayed locked for 600 s") from exc

    @classmethod
    def _connect(
        cls,
        chroma_settings: Any,
        embedder: Embedder,
        data_dir: Path,
        lock_path: Path,
        host: str | None,
        port: int,
        prefix: str,
    ) -> KnowledgeStore:
        import chromadb

        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
                client.heartbeat()
                backend = f"server {host}:{port}"
            else:
                client = chromadb.PersistentClient(
                    path=str(data_dir / "chroma"), settings=chroma_settings
                )
                backend = f"embedded {data_dir / 'chroma'}"
        except Exception as exc:
            where = f"Chroma server at {host}:{port}" if host else f"Chroma store in {data_dir}"
            raise StoreError(f"cannot open the {where}: {exc}") from exc
        return cls(client, embedder, lock_path, prefix=prefix, backend=backend)

    @contextmanager
    def writing(self, timeout: float = 600.0) -> Iterator[None]:
        """Hold the writer lock: two ingests never interleave their changes."""
        try:
            with self._lock.acquire(timeout=timeout):
                yield
        except Timeout as exc:
            raise StoreError(
                f"another ingest has held the store lock for {timeout:.0f} s; try again later"
            ) from exc

    def count(self) -> int:
        """Number of chunks."""
        return int(self._collection.count())

    def _all_metadata(self) -> tuple[list[str], list[dict[str, Any]]]:
        total = self.count()
        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        page = 5000
        for offset in range(0, total, page):
            got = self._collection.get(include=["metadatas"], limit=page, offset=offset)
            ids.extend(got["ids"])
            metas.extend(dict(m or {}) for m in got["metadatas"] or [])
        return ids, metas

    def chunk_ids_by_source(self) -> dict[str, set[str]]:
        """Chunk ids grouped by source id."""
        return self.inventory()[1]

    def sources(self) -> dict[str, SourceInfo]:
        """What the store holds per source id."""
        return self.inventory()[0]

    def inventory(self) -> tuple[dict[str, SourceInfo], dict[str, set[str]]]:
        """`sources()` and `chunk_ids_by_source()` from one read of the chunks' metadata
        (an ingest needs both; reading twice doubled the cost of an unchanged re-ingest)."""
        infos: dict[str, SourceInfo] = {}
        hashes: dict[str, set[str]] = {}
        ids_by_source: dict[str, set[str]] = {}
        for chunk_id, meta in zip(*self._all_metadata(), strict=True):
            source = str(meta.get("source", ""))
            ids_by_source.setdefault(source, set()).add(chunk_id)
            hashes.setdefault(source, set()).add(str(meta.get("source_hash", "")))
            info = infos.get(source)
            at = float(meta.get("ingested_at", 0.0))
            if info is None:
                infos[source] = SourceInfo(
                    source_id=source,
                    title=str(meta.get("title", "")),
                    url=str(meta.get("url", "")),
                    content_hash=str(meta.get("source_hash", "")),
                    chunks=1,
                    ingested_at=at,
                    path=str(meta.get("path", "")),
                )
            else:
                info.chunks += 1
                info.path = info.path or str(meta.get("path", ""))
                if at > info.ingested_at:
                    info.ingested_at = at
                    info.content_hash = str(meta.get("source_hash", ""))
        for source, found in hashes.items():
            # Chunks left by an interrupted update: the source must be ingested again.
            if len(found) > 1:
                infos[source].content_hash = ""
        return infos, ids_by_source

    def add(self, chunks: Sequence[Chunk]) -> int:
        """Embed and store chunks (ids already present are overwritten). Returns the count."""
        if not chunks:
            return 0
        now = time.time()
        for start in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[start : start + _ADD_BATCH]
            vectors = self.embedder.embed_documents([c.embedding_text() for c in batch])
            try:
                self._collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=vectors,
                    documents=[c.text for c in batch],
                    metadatas=[_metadata(c, now) for c in batch],
                )
            except Exception as exc:
                raise StoreError(f"cannot write to collection {self.name}: {exc}") from exc
        return len(chunks)

    def touch(self, chunks: Sequence[Chunk]) -> None:
        """Update metadata (hash, time) of chunks whose text did not change."""
        if not chunks:
            return
        now = time.time()
        for start in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[start : start + _ADD_BATCH]
            self._collection.update(
                ids=[c.id for c in batch], metadatas=[_metadata(c, now) for c in batch]
            )

    def set_path(self, ids: Sequence[str], path: str) -> None:
        """Record the file location on chunks stored without one (stores written before
        locations were kept), leaving the rest of their metadata as it is."""
        ids = list(ids)
        for start in range(0, len(ids), _ADD_BATCH):
            batch = ids[start : start + _ADD_BATCH]
            got = self._collection.get(ids=batch, include=["metadatas"])
            metas = [{**dict(m or {}), "path": path} for m in got["metadatas"] or []]
            try:
                self._collection.update(ids=got["ids"], metadatas=metas)
            except Exception as exc:
                raise StoreError(f"cannot write to collection {self.name}: {exc}") from exc

    def delete(self, ids: Sequence[str]) -> int:
        """Remove chunks by id. Returns the count."""
        ids = list(ids)
        for start in range(0, len(ids), _ADD_BATCH):
            self._collection.delete(ids=ids[start : start + _ADD_BATCH])
        return len(ids)

    def search(self, query: str, k: int = 5, source: str | None = None) -> list[Hit]:
        """The `k` passages closest to the query, best first."""
        if self.count() == 0:
            return []
        vector = self.embedder.embed_query(query)
        return self.search_vector(vector, k, source)

    def search_vector(self, vector: Any, k: int = 5, source: str | None = None) -> list[Hit]:
        """The `k` passages closest to a query vector, best first."""
        where = {"source": source} if source else None
        include = ["documents", "metadatas", "distances"]
        try:
            # Chroma 1.x returns fewer than k on a small collection: no count() round trip
            # (a third of a query's time on the embedded store).
            result = self._collection.query(
                query_embeddings=[vector], n_results=k, where=where, include=include
            )
        except Exception:
            # Older servers refuse k above the collection size: ask again within it.
            total = self.count()
            if total == 0:
                return []
            try:
                result = self._collection.query(
                    query_embeddings=[vector], n_results=min(k, total), where=where, include=include
                )
            except Exception as exc:
                raise StoreError(f"cannot query collection {self.name}: {exc}") from exc
        hits: list[Hit] = []
        docs = (result.get("documents") or [[]])[0]
        metas = (result.get("metadatas") or [[]])[0]
        dists = (result.get("distances") or [[]])[0]
        for chunk_id, doc, meta, dist in zip(result["ids"][0], docs, metas, dists, strict=True):
            meta = dict(meta or {})
            hits.append(
                Hit(
                    chunk_id=chunk_id,
                    text=doc or "",
                    source_id=str(meta.get("source", "")),
                    title=str(meta.get("title", "")),
                    heading_path=_heading_path(meta),
                    location=_location(meta),
                    url=str(meta.get("url", "")),
                    tags=[t for t in str(meta.get("tags", "")).split(",") if t],
                    score=round(max(0.0, 1.0 - float(dist)), 4),
                )
            )
        return hits

    def stats(self) -> StoreStats:
        """Sources, chunk count and the embedding model."""
        sources = sorted(self.sources().values(), key=lambda s: s.source_id)
        return StoreStats(
            backend=self.backend,
            collection=self.name,
            embedding_model=self.embedder.name,
            sources=sources,
            chunks=self.count(),
        )
