"""The Python API: one facade that the CLI, the HTTP API and the web UI all call.

    from assistant import Assistant, Settings
    assistant = Assistant(Settings())
    assistant.index([Path("articles/")])
    answer = assistant.ask("What did the executive order tell Chicago police to wear?")
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path

from .answering.answer import Answer
from .answering.backends import Backends
from .answering.chain import Answerer, Event
from .answering.prompts import Prompts, prompts_dir
from .chunking import Chunker, ChunkingConfig, chunk_id, make_token_counter
from .embedding import Embedder, resolve_model
from .indexer import Indexer, IndexReport, Progress
from .indexlock import IndexLock
from .loading import Article, LoadError, load_text
from .loading.decode import NotTextError, decode_text
from .loading.normalise import normalise_text, parse_date
from .manifest import ArticleRow, Manifest
from .retrieval import Filters, RetrievalConfig, Retriever
from .search_index import SearchIndexHolder
from .settings import BACKENDS, Settings
from .store import ChunkStore, StoredChunk, StoreError, make_client

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
SAMPLE = Path(__file__).parent / "samples" / "reuters-chicago-police-executive-order.txt"


class InvalidRequest(ValueError):
    """Something the caller sent is wrong; the message names the field and says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def validate_question(question: object) -> str:
    """Return the question cleaned (NFC, control characters removed). Raises InvalidRequest when unusable."""
    if not isinstance(question, str):
        raise InvalidRequest("question", "must be text")
    cleaned = normalise_text(question).replace("\n", " ")
    if not cleaned:
        raise InvalidRequest("question", "is empty")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InvalidRequest("question", f"is {len(cleaned):,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    return cleaned


def make_filters(sources: Sequence[str] | None = None, published_after: str | datetime | None = None,
                 published_before: str | datetime | None = None) -> Filters:
    """Return Filters from loose values (ISO dates as text). Raises InvalidRequest naming a bad field."""
    def date(field: str, value: str | datetime | None) -> datetime | None:
        if value in (None, ""):
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise InvalidRequest(field, f"{value!r} is not a date (use YYYY-MM-DD)")
        return parsed

    if isinstance(sources, str):
        sources = [sources]
    if sources is not None and not all(isinstance(s, str) for s in sources):
        raise InvalidRequest("filters.sources", "must be a list of outlet names")
    after, before = date("filters.published_after", published_after), date("filters.published_before", published_before)
    if after and before and after >= before:
        raise InvalidRequest("filters", "published_after must be earlier than published_before")
    return Filters(tuple(s for s in (sources or []) if s.strip()), after, before)


def reset_index(settings: Settings) -> list[Path]:
    """Drop the index's stored chunks and bookkeeping (under its write lock); return the file sources it held, to be
    indexed again. Works when the index was built with another embedding model. Raises IndexBusyError."""
    lock = IndexLock(settings.index_dir, holder="assistant index --rebuild")
    with lock:
        manifest = Manifest(settings.manifest_path)
        sources = [Path(s) for s in manifest.sources() if Path(s).is_absolute()]
        manifest.commit({}, {}, [], {})
        manifest.close()
        client = make_client(settings.chroma_dir, settings.chroma_url, settings.chroma_secret)
        if settings.collection in {getattr(c, "name", c) for c in client.list_collections()}:
            client.delete_collection(settings.collection)
    return sources


class Assistant:
    """Indexing and grounded question answering over news articles. Thread-safe; build one per process.

    Nothing heavy happens here: the embedding model loads on first embed, the LLM on first generation.
    """

    def __init__(self, settings: Settings, lock_holder: str = "assistant", server_url: str | None = None,
                 embedder: Embedder | None = None, backends: Backends | None = None,
                 retrieval: RetrievalConfig | None = None, chunking: ChunkingConfig | None = None) -> None:
        """Open the index named by ``settings``. ``embedder`` and ``backends`` may be shared between instances
        (they hold the loaded models). Raises StoreError/IndexMismatchError when the store cannot be used."""
        self.settings = settings
        self.model_name, self.model_dir = resolve_model(settings.embedding_model)
        self.embedder = embedder or Embedder(self.model_name, self.model_dir, settings.embedding_batch_size,
                                             settings.threads)
        self.count_tokens = make_token_counter(self.model_dir)
        self.chunker = Chunker(chunking or ChunkingConfig(), self.count_tokens)
        self.store = ChunkStore(make_client(settings.chroma_dir, settings.chroma_url, settings.chroma_secret), settings.collection,
                                self.model_name)
        self.manifest = Manifest(settings.manifest_path)
        if settings.chroma_url:
            self._claim_collection()
        self.lock = IndexLock(settings.index_dir, holder=lock_holder, url=server_url)
        self.indexer = Indexer(self.store, self.manifest, self.embedder, self.chunker, self.lock,
                               max_chars=settings.max_article_chars)
        config = retrieval or RetrievalConfig()
        self.search = SearchIndexHolder(self.store, self.manifest, settings.index_dir, config.unit_tokens,
                                        config.title_weight)
        self.indexer.listeners.append(self.search.mark_stale)
        self.retriever = Retriever(self.search, self.embedder, config)
        self.backends = backends or Backends(settings)
        self._seed_lock = threading.Lock()

    def _claim_collection(self) -> None:
        """On a Chroma server, tie the collection to this index folder (its manifest lives here, not on the server).

        Another index folder using the same collection would take this one's chunks for orphans and delete them, so
        it is refused. Raises StoreError naming both the collection and what to change."""
        id_file = self.settings.index_dir / "index.id"
        if not id_file.exists():
            id_file.write_text(uuid.uuid4().hex)
        mine = id_file.read_text().strip()
        owner = self.store.recorded("index_id")
        if owner is None:
            self.store.record(index_id=mine)
            owner = mine
        if owner != mine:
            raise StoreError(
                f"the collection {self.settings.collection!r} on the Chroma server {self.settings.chroma_url} belongs "
                f"to another index folder (not {self.settings.index_dir.resolve()}): its manifest is kept there. Use "
                "that ASSISTANT_INDEX_DIR, or give this index its own ASSISTANT_COLLECTION."
            )

    @cached_property
    def answerer(self) -> Answerer:
        prompts = Prompts.load(prompts_dir(self.settings.prompts_dir))
        return Answerer(self.settings, self.retriever, self.search, self.embedder, prompts, self.backends)

    # -- indexing
    def index(self, paths: Sequence[Path] | None = None, progress: Progress | None = None) -> IndexReport:
        """Index files, folders or feeds; None re-indexes every source indexed before. Raises IndexBusyError."""
        return self.indexer.index_paths(list(paths) if paths else None, progress)

    def index_text(self, text: str, name: str, source: str = "upload", progress: Progress | None = None) -> IndexReport:
        """Index an uploaded document (format from ``name``'s suffix); it is kept until deleted."""
        loaded = load_text(text, name, self.settings.max_article_chars)
        report = self.indexer.index_articles(loaded.articles, source, progress, loaded.errors)
        report.warnings.extend(loaded.warnings)
        return report

    def index_files(self, files: Sequence[tuple[str, bytes]], source: str = "upload") -> IndexReport:
        """Index uploaded files (``(name, content)``; format from the name's suffix, any text encoding) in one run.

        Unreadable files are reported in ``failed``; nothing indexed before is removed. Raises IndexBusyError."""
        articles: list[Article] = []
        errors: list[LoadError] = []
        warnings: list[LoadError] = []
        for name, data in files:
            try:
                text, _encoding = decode_text(data)
            except NotTextError as exc:
                errors.append(LoadError(name, str(exc)))
                continue
            if not text.strip():
                errors.append(LoadError(name, "is empty" if not data else "holds only whitespace"))
                continue
            loaded = load_text(text, name, self.settings.max_article_chars)
            articles.extend(loaded.articles)
            errors.extend(loaded.errors)
            warnings.extend(loaded.warnings)
        report = self.indexer.index_articles(articles, source, None, errors)
        report.warnings.extend(warnings)
        return report

    def index_articles(self, articles: Sequence[Article], source: str = "api",
                       errors: Sequence[LoadError] = ()) -> IndexReport:
        return self.indexer.index_articles(articles, source, None, errors)

    def delete_article(self, article_id: str) -> bool:
        """Remove an article. Returns False when no article has that id."""
        return self.indexer.delete_article(article_id)

    def seed_if_empty(self) -> bool:
        """Index the bundled sample article when the index holds nothing. Returns True when it did."""
        if not self.settings.seed_sample:
            return False
        with self._seed_lock:
            if self.manifest.counts()[0] > 0:
                return False
            self.index([SAMPLE])
            return True

    # -- answering
    def allowed_backends(self) -> list[str]:
        """Return the backends a request may pick: ASSISTANT_ALLOWED_BACKENDS, or the configured one and extractive
        (so no client can spend a remote model's key the operator did not offer)."""
        allowed = self.settings.allowed_backends or [self.settings.backend, "extractive"]
        return [b for b in BACKENDS if b in allowed]

    def _backend(self, backend: str | None) -> str:
        name = backend or self.settings.backend
        if name not in BACKENDS:
            raise InvalidRequest("backend", f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
        if backend and name not in self.allowed_backends():
            raise InvalidRequest("backend", f"the backend {name!r} is not offered by this server; choose one of "
                                 f"{', '.join(self.allowed_backends())}")
        return name

    def ask(self, question: str, history: Sequence | None = None, filters: Filters | None = None,
            backend: str | None = None) -> Answer:
        """Return the checked, cited answer. Raises InvalidRequest for an unusable question or backend,
        BackendError when the LLM cannot be reached."""
        return self.answerer.ask(validate_question(question), history, filters, self._backend(backend))

    def stream(self, question: str, history: Sequence | None = None, filters: Filters | None = None,
               backend: str | None = None) -> Iterator[Event]:
        """Yield Events: ``rewrite`` (when a follow-up was made standalone), ``sources``, ``token``s, ``answer``."""
        return self.answerer.stream(validate_question(question), history, filters, self._backend(backend))

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[StoredChunk]:
        """Return the retrieved units for ``question``, best first: what `ask` gives the answering step and what
        the evaluation scores. Raises InvalidRequest for an unusable question."""
        return self.retriever.retrieve(validate_question(question), k or self.settings.retrieval_k, filters).chunks

    # -- inspection
    def stats(self) -> dict:
        articles, chunks = self.manifest.counts()
        info = self.manifest.info()
        return {
            "articles": articles,
            "chunks": chunks,
            "stored_chunks": self.store.count(),
            "sources": len(self.manifest.sources()),
            "outlets": len(self.manifest.outlets()),
            "index_dir": str(self.settings.index_dir.resolve()),
            "chroma": self.settings.chroma_url or str(self.settings.chroma_dir.resolve()),
            "collection": self.settings.collection,
            "embedding_model": self.model_name,
            "embedding_dimension": int(info["dimension"]) if "dimension" in info else None,
            "pipeline_version": self.chunker.config.pipeline_version,
            "backend": self.settings.backend,
            "backend_description": self.backends.describe(self.settings.backend),
        }

    def outlets(self) -> list[tuple[str, int]]:
        return self.manifest.outlets()

    def articles(self, text: str = "", sources: Sequence[str] = (), after: str | None = None,
                 before: str | None = None, limit: int = 50, offset: int = 0) -> tuple[int, list[ArticleRow]]:
        return self.manifest.search_articles(text, sources, after, before, limit, offset)

    def article(self, article_id: str) -> ArticleRow | None:
        return self.manifest.article(article_id)

    def article_text(self, article_id: str, max_chunks: int | None = None) -> str | None:
        """Return an article's text rebuilt from its stored chunks (only the first ``max_chunks`` when given), or
        None when no article has that id."""
        row = self.manifest.article(article_id)
        if row is None:
            return None
        n = row.n_chunks if max_chunks is None else max(0, min(row.n_chunks, max_chunks))
        chunks = self.store.get([chunk_id(article_id, i) for i in range(n)])
        chunks.sort(key=lambda c: int(c.metadata.get("start", 0)))
        text, end = "", 0
        for chunk in chunks:
            start = int(chunk.metadata.get("start", end))
            text += (" " if text and start > end else "") + chunk.text
            end = int(chunk.metadata.get("end", start + len(chunk.text)))
        return text

    def close(self) -> None:
        self.manifest.close()
