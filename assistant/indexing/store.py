"""The Chroma chunk store, on a local folder or a Chroma server, behind one small interface.

Embeddings are always computed by us and passed in; the collection uses cosine space and records which embedding
model and pipeline built it, so that opening it with another model is a clear error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from ..errors import IndexMismatch, StoreUnavailable

log = logging.getLogger(__name__)

# Wide HNSW search: real recall on sentence embeddings, still a few ms per query (see benchmarks/RESULTS.md).
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}
_PAGE = 5000


@dataclass(frozen=True)
class StoredSentence:
    """A stored sentence as it comes back from the store, with its cosine similarity when it was searched."""

    id: str
    text: str
    metadata: dict
    score: float = 0.0


def make_client(index_dir: Path, chroma_url: str | None, token: str | None = None):  # noqa: ANN201 - ClientAPI
    """Return a Chroma client: HttpClient for ``chroma_url`` (sending ``token`` as a bearer token when given),
    else a PersistentClient on ``index_dir``.

    Raises StoreUnavailable when the server cannot be reached.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        parsed = urlparse(chroma_url)
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                headers={"Authorization": f"Bearer {token}"} if token else None,
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - connection errors come in many types
            message = str(exc).replace(token, "***") if token else str(exc)
            raise StoreUnavailable(f"cannot reach the Chroma server at {chroma_url}: {message}") from None
        return client
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)


class _Guarded:
    """Wraps a Chroma client or collection: any failure of a call (a server gone, a damaged folder) becomes a
    StoreUnavailable naming the store, so every interface reports it as the store's, never as a crash."""

    def __init__(self, target: object, where: str) -> None:
        self._target, self._where = target, where

    def __getattr__(self, name: str) -> object:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def call(*args: object, **kwargs: object) -> object:
            try:
                return value(*args, **kwargs)
            except StoreUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - chromadb and its HTTP client raise many kinds
                raise StoreUnavailable(f"{self._where}: {type(exc).__name__}: {exc}") from exc

        return call


class ChunkStore:
    """One Chroma collection of chunks. Thread-safe as Chroma is; one writing process at a time (see indexlock)."""

    def __init__(self, client, collection: str, embedding_model: str, hnsw: dict | None = None) -> None:  # noqa: ANN001
        """Open or create the collection; ``hnsw`` overrides the HNSW settings of a new one (tests use tiny flush
        thresholds). Raises IndexMismatch when it was built with another embedding model."""
        self.client = _Guarded(client, "the Chroma store")
        self.embedding_model = embedding_model
        self.name = collection
        client = self.client
        existing = {c.name if hasattr(c, "name") else c for c in client.list_collections()}
        if collection in existing:
            self.collection = _Guarded(client.get_collection(collection, embedding_function=None),
                                       f"the Chroma collection {collection!r}")
            built_with = (self.collection.metadata or {}).get("embedding_model")
            if built_with and built_with != embedding_model:
                raise IndexMismatch(
                    f"the index (collection {collection!r}) was built with the embedding model {built_with!r}, but "
                    f"{embedding_model!r} is configured. Set ASSISTANT_EMBEDDING_MODEL back, use another "
                    f"ASSISTANT_INDEX_DIR, or rebuild with `assistant index --rebuild`."
                )
        else:
            self.collection = _Guarded(client.create_collection(
                collection,
                configuration={"hnsw": HNSW | (hnsw or {})},
                metadata={"embedding_model": embedding_model},
                embedding_function=None,
            ), f"the Chroma collection {collection!r}")

    @property
    def max_batch(self) -> int:
        try:
            return min(int(self.client.get_max_batch_size()), _PAGE)
        except Exception:  # noqa: BLE001 - older servers
            return 1000

    def record(self, **values: str | int) -> None:
        """Store facts about the index (dimension, pipeline version) in the collection metadata."""
        meta = dict(self.collection.metadata or {})
        meta.update(values)
        meta.pop("hnsw:space", None)
        self.collection.modify(metadata=meta)

    def recorded(self, key: str) -> str | int | None:
        return (self.collection.metadata or {}).get(key)

    def current(self) -> dict:
        """Return the facts recorded in the collection metadata as the store holds them now (another process may
        have recorded some since this one opened the collection)."""
        return dict(self.client.get_collection(self.name, embedding_function=None).metadata or {})

    def count(self) -> int:
        return self.collection.count()

    def _pages(self, include: list[str], where: dict | None = None) -> Iterator[dict]:
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=_PAGE, offset=offset, where=where)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def ids(self) -> set[str]:
        """Return the ids of every stored chunk."""
        return {i for page in self._pages([]) for i in page["ids"]}

    def metadata_by_id(self) -> dict[str, dict]:
        """Return every stored chunk's metadata, by id."""
        return {i: m for page in self._pages(["metadatas"]) for i, m in zip(page["ids"], page["metadatas"])}

    def all_chunks(self) -> Iterator[StoredSentence]:
        """Yield every stored chunk with its text and metadata."""
        for page in self._pages(["documents", "metadatas"]):
            for i, doc, meta in zip(page["ids"], page["documents"], page["metadatas"]):
                yield StoredSentence(i, doc or "", dict(meta or {}))

    def all_rows(self) -> Iterator[tuple[str, str, dict, np.ndarray]]:
        """Yield every stored chunk as (id, text, metadata, embedding)."""
        for page in self._pages(["documents", "metadatas", "embeddings"]):
            for i, doc, meta, emb in zip(page["ids"], page["documents"], page["metadatas"], page["embeddings"]):
                yield i, doc or "", dict(meta or {}), np.asarray(emb, dtype=np.float32)

    def _replacing(self, ids: list[str], metadatas: Sequence[dict]) -> list[dict]:
        """Return ``metadatas`` with every key the stored chunk of the same id has and the new metadata lacks set to
        None: Chroma's upsert and update merge metadata into what is stored, and None is how a key is removed."""
        got = self.collection.get(ids=list(dict.fromkeys(ids)), include=["metadatas"])
        stored = {i: m or {} for i, m in zip(got["ids"], got["metadatas"])}
        return [dict.fromkeys(stored.get(i, {}).keys() - meta.keys()) | dict(meta) for i, meta in zip(ids, metadatas)]

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, texts: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Write chunks, replacing any with the same id (its text, embedding and whole metadata), in batches the
        store accepts."""
        step = self.max_batch
        for i in range(0, len(ids), step):
            part = list(ids[i : i + step])
            self.collection.upsert(
                ids=part,
                embeddings=embeddings[i : i + step],
                documents=list(texts[i : i + step]),
                metadatas=self._replacing(part, metadatas[i : i + step]),
            )

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Replace the whole metadata of these chunks (keys left out are removed); ids not stored are ignored."""
        step = self.max_batch
        for i in range(0, len(ids), step):
            part = list(ids[i : i + step])
            self.collection.update(ids=part, metadatas=self._replacing(part, metadatas[i : i + step]))

    def delete(self, ids: Sequence[str]) -> None:
        """Delete the chunks with these ids, in batches; ids not stored are ignored."""
        step = self.max_batch
        ids = list(ids)
        for i in range(0, len(ids), step):
            self.collection.delete(ids=ids[i : i + step])

    def get(self, ids: Sequence[str]) -> list[StoredSentence]:
        """Return the stored chunks with these ids, in the order asked (missing ids are skipped)."""
        if not ids:
            return []
        got = self.collection.get(ids=list(dict.fromkeys(ids)), include=["documents", "metadatas"])  # Chroma refuses repeats
        by_id = {i: StoredSentence(i, d or "", dict(m or {})) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the stored embedding (float32) of each of these ids that exists, by id; missing ids are left out.
        Fetched in batches of at most ``max_batch`` ids."""
        wanted = list(dict.fromkeys(ids))  # Chroma's get refuses repeated ids
        found: dict[str, np.ndarray] = {}
        step = self.max_batch
        for i in range(0, len(wanted), step):
            got = self.collection.get(ids=wanted[i : i + step], include=["embeddings"])
            for chunk, emb in zip(got["ids"], got["embeddings"]):
                found[chunk] = np.asarray(emb, dtype=np.float32)
        return found

    def query(self, vectors: np.ndarray, k: int, where: dict | None = None) -> list[list[tuple[str, float]]]:
        """Return, for each row of ``vectors`` (float32, L2-normalised, shape (n, dim)), the (id, cosine similarity)
        of its ``k`` nearest stored chunks by Chroma's HNSW search, best first, keeping only the chunks whose
        metadata passes ``where`` (a Chroma metadata filter; None or {} for none) when given.

        Fewer than ``k`` come back when fewer are stored or pass ``where``; an empty store gives one empty list per
        row. Raises ValueError when ``k`` < 1 or ``vectors`` is not 2-d, StoreUnavailable when the store fails
        (an invalid ``where`` included).
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must have shape (n, dim), not {vectors.shape}")
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        if not len(vectors):
            return []
        # Chroma 1.5 returns what there is when n_results exceeds the count, but an n_results beyond u32 fails
        # (and older versions raised): never ask for more than is stored.
        n_results = min(k, self.count())
        if n_results == 0:
            return [[] for _ in range(len(vectors))]
        results: list[list[tuple[str, float]]] = []
        step = self.max_batch
        for i in range(0, len(vectors), step):
            got = self.collection.query(query_embeddings=vectors[i : i + step], n_results=n_results,
                                        where=where or None, include=["distances"])
            for row_ids, row_distances in zip(got["ids"], got["distances"]):
                results.append([(chunk, 1.0 - float(d)) for chunk, d in zip(row_ids, row_distances)])
        return results
