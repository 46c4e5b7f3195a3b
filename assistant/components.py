"""The one factory: builds every component of the pipeline from Settings, once per process, with any part injected
(tests pass a small fake embedder, a store with tiny flush thresholds, the LLM loaded once for the session)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property

from .answering.backends import Backends
from .answering.chain import Answerer
from .answering.prompts import Prompts, prompts_dir
from .errors import ConfigurationError, InvalidRequest, StoreUnavailable
from .indexing.chunking import Chunker, ChunkingConfig, TokenCounter, make_token_counter
from .indexing.embedding import Embedder, resolve_model
from .indexing.embedding_cache import EmbeddingCache
from .indexing.indexer import Indexer
from .indexing.lock import IndexLock
from .indexing.manifest import Manifest
from .indexing.replica import Mirror
from .indexing.store import ChunkStore, make_client
from .retrieval.retriever import RetrievalConfig, Retriever, parse_overrides
from .retrieval.search_index import SearchIndexHolder
from .settings import Settings


@dataclass
class Parts:
    """Components to use instead of building them (all optional)."""

    embedder: Embedder | None = None
    backends: Backends | None = None
    store: ChunkStore | None = None
    retrieval: RetrievalConfig | None = None
    chunking: ChunkingConfig | None = None

    @property
    def pipeline_version(self) -> str:
        """The pipeline version these parts index with (it is part of every id)."""
        return (self.chunking or ChunkingConfig()).pipeline_version

    @classmethod
    def from_overrides(cls, retrieval: list[str], chunking: list[str]) -> Parts:
        """Return the parts of an ablation from ``name=value`` overrides ("use_dense=false", "pack=true").
        Raises InvalidRequest naming the option and the field."""
        try:
            config = parse_overrides(retrieval)
        except ValueError as exc:
            raise InvalidRequest("--retrieval", str(exc)) from None
        try:
            chunk_config = parse_overrides(chunking, ChunkingConfig)
        except ValueError as exc:
            raise InvalidRequest("--chunking", str(exc)) from None
        return cls(retrieval=config, chunking=chunk_config)  # type: ignore[arg-type]


class Components:
    """Every component of one index's pipeline, wired together. Nothing heavy loads here: the embedding model on the
    first encode, the LLM on the first generation, the prompts on the first answer."""

    def __init__(self, settings: Settings, parts: Parts | None = None, lock_holder: str = "assistant",
                 server_url: str | None = None) -> None:
        """Raises StoreUnavailable/IndexMismatch when the store cannot be used, ConfigurationError for a missing
        embedding model."""
        parts = parts or Parts()
        self.settings = settings
        self.model_name, model_dir = resolve_model(settings.embedding_model)
        self.embedder = parts.embedder or Embedder(
            self.model_name, model_dir, settings.embedding_batch_size, settings.threads,
            onnx_dir=settings.cache_dir if settings.embedding_runtime == "onnx" else None)
        self.count_tokens: TokenCounter = make_token_counter(model_dir)
        self.chunker = Chunker(parts.chunking or ChunkingConfig(), self.count_tokens)
        self.store = parts.store or ChunkStore(
            make_client(settings.chroma_dir, settings.chroma_url, settings.chroma_secret), settings.collection,
            self.model_name)
        self.manifest = Manifest(settings.manifest_path)
        self.mirror: Mirror | None = None
        if settings.replica:
            self.mirror = replica_of(settings, self.store, self.manifest)
        elif settings.chroma_url:
            claim_collection(settings, self.store)
        self.lock = IndexLock(settings.index_dir, holder=lock_holder, url=server_url)
        self.cache = EmbeddingCache(settings.embedding_cache_path) if settings.embedding_cache else None
        self.indexer = Indexer(self.store, self.manifest, self.embedder, self.chunker, self.lock,
                               max_chars=settings.max_article_chars, max_bytes=settings.max_file_bytes,
                               cache=self.cache)
        self.retrieval = parts.retrieval or RetrievalConfig()
        # Packed chunks are embedded with their title: their vectors are not a sentence's, and stay in memory.
        self.search = SearchIndexHolder(self.store, self.manifest, self.retrieval.unit_tokens,
                                        self.retrieval.title_weight, embedder=self.embedder,
                                        cache=None if self.chunker.config.pack else self.cache)
        self.indexer.listeners.append(self.search.mark_stale)
        if self.mirror is not None:
            self.indexer.read_only = (f"this server is a read replica of the collection {settings.collection!r} on "
                                      f"{settings.chroma_url}: send articles to the index folder that owns it")
            self.mirror.listeners.append(self.search.mark_stale)
            self.search.refresh = self.mirror.maybe_sync
        self.indexer.web = lambda: self.web_reader
        self.indexer.syndication = lambda: syndication_index(settings)
        self.retriever = Retriever(self.search, self.embedder, self.retrieval)
        self.backends = parts.backends or Backends(settings)

    @cached_property
    def fetcher(self) -> object:
        """The safe fetcher of web sources (assistant.sources.fetch), built on first use: one per process, so
        robots.txt, per-host delays and connections are shared by every poll."""
        from .sources.fetch import Fetcher

        return Fetcher(fetch_config(self.settings))

    @cached_property
    def web_reader(self) -> object:
        from .loading.web import WebReader

        s = self.settings
        return WebReader(self.fetcher, max_chars=s.max_article_chars, max_articles=s.poll_max_articles,
                         max_sitemaps=s.poll_max_sitemaps, recheck=s.poll_recheck, workers=s.fetch_max_workers)

    @cached_property
    def answerer(self) -> Answerer:
        prompts = Prompts.load(prompts_dir(self.settings.prompts_dir))
        return Answerer(self.settings, self.retriever, self.search, self.embedder, prompts, self.backends)

    def refresh(self) -> None:
        """On a read replica, bring the mirror of the writer's manifest up to date (at most once per
        ASSISTANT_REPLICA_REFRESH seconds); elsewhere nothing. Raises StoreUnavailable."""
        if self.mirror is not None:
            self.mirror.maybe_sync()

    def close(self) -> None:
        if "fetcher" in self.__dict__:
            self.fetcher.close()  # type: ignore[attr-defined]
        if self.cache is not None:
            self.cache.close()
        self.manifest.close()


def fetch_config(settings: Settings) -> object:
    """Return the fetcher's limits (assistant.sources.fetch.FetchConfig) from Settings: every one is a setting."""
    from .sources.fetch import FetchConfig

    s = settings
    return FetchConfig(
        allow_private=s.fetch_allow_private, allowed_networks=tuple(s.fetch_allowed_networks),
        connect_timeout=s.fetch_connect_timeout, read_timeout=s.fetch_read_timeout,
        total_timeout=s.fetch_total_timeout, max_bytes=s.fetch_max_bytes, max_redirects=s.fetch_max_redirects,
        user_agent=s.fetch_user_agent, respect_robots=s.fetch_respect_robots, robots_ttl=s.fetch_robots_ttl,
        min_delay=s.fetch_min_delay, max_crawl_delay=s.fetch_max_crawl_delay, max_per_host=s.fetch_max_per_host,
        max_workers=s.fetch_max_workers)


def syndication_index(settings: Settings) -> object:
    """Return an empty syndicated-copy index (assistant.sources.syndication) with the configured threshold."""
    from .sources.syndication import SyndicationConfig, SyndicationIndex

    return SyndicationIndex(SyndicationConfig(containment=settings.syndication_containment))


def replica_of(settings: Settings, store: ChunkStore, manifest: Manifest) -> Mirror:
    """Return the mirror of a read replica's manifest. Raises ConfigurationError when the settings cannot make a
    replica (no Chroma server, or the index folder that owns the collection given as this one)."""
    if not settings.chroma_url:
        raise ConfigurationError("ASSISTANT_REPLICA=true needs ASSISTANT_CHROMA_URL: a replica serves a collection "
                                 "on a Chroma server that another index folder writes")
    id_file = settings.index_dir / "index.id"
    owner = store.recorded("index_id")
    if owner is not None and id_file.exists() and id_file.read_text().strip() == owner:
        raise ConfigurationError(f"ASSISTANT_REPLICA=true: {settings.index_dir.resolve()} is the index folder that "
                                 f"writes {settings.collection!r}; give the replica a folder of its own")
    return Mirror(store, manifest, settings.replica_refresh)


def claim_collection(settings: Settings, store: ChunkStore) -> None:
    """On a Chroma server, tie the collection to this index folder (its manifest lives here, not on the server).

    Another index folder using the same collection would take this one's sentences for orphans and delete them, so
    it is refused. Raises StoreUnavailable naming both the collection and what to change."""
    id_file = settings.index_dir / "index.id"
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    if not id_file.exists():
        id_file.write_text(uuid.uuid4().hex)
    mine = id_file.read_text().strip()
    owner = store.recorded("index_id")
    if owner is None:
        store.record(index_id=mine)
        owner = mine
    if owner != mine:
        raise StoreUnavailable(
            f"the collection {settings.collection!r} on the Chroma server {settings.chroma_url} belongs to another "
            f"index folder (not {settings.index_dir.resolve()}): its manifest is kept there. Use that "
            "ASSISTANT_INDEX_DIR, or give this index its own ASSISTANT_COLLECTION."
        )
