"""The facade: the one Python API that the CLI, the HTTP API, the OpenAI-compatible API, the web UI and the
evaluation all call. They import nothing below it but the shared types, errors and settings.

    from assistant import Assistant, Settings
    assistant = Assistant(Settings())
    assistant.index([Path("articles/")])
    answer = assistant.ask("What did the executive order tell Chicago police to wear?")
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from .components import Components, Parts
from .errors import InvalidRequest, NotFound
from .examples import ExampleQuestions
from .indexing.chunking import chunk_id
from .indexing.lock import IndexLock
from .indexing.manifest import Manifest
from .indexing.store import make_client
from .loading import article_files, load_bytes
from .loading.fields import KNOWN, FieldError, article_from_fields, field_problems
from .retrieval.retriever import Window
from .settings import BACKENDS, Settings
from .text.normalise import http_url, normalise_text, parse_date
from .types import (
    Answer,
    Article,
    ArticleDetail,
    ArticleInfo,
    Event,
    Failure,
    Filters,
    FollowedSource,
    IndexReport,
    Notice,
    Stats,
)

log = logging.getLogger(__name__)

SAMPLE = Path(__file__).parent / "samples" / "reuters-chicago-police-executive-order.txt"
Progress = Callable[[str, int, int], None]  # (phase, done, total)

__all__ = ["Assistant", "Parts", "article_files", "make_filters", "reset_index", "validate_question"]


def validate_question(question: object, max_chars: int = 4000) -> str:
    """Return the question cleaned (NFC, control characters removed). Raises InvalidRequest when unusable."""
    if not isinstance(question, str):
        raise InvalidRequest("question", "must be text")
    cleaned = normalise_text(question).replace("\n", " ")
    if not cleaned:
        raise InvalidRequest("question", "is empty")
    if len(cleaned) > max_chars:
        raise InvalidRequest("question", f"is {len(cleaned):,} characters long; the limit is {max_chars:,}")
    return cleaned


def make_filters(sources: Sequence[str] | None = None, published_after: str | datetime | None = None,
                 published_before: str | datetime | None = None) -> Filters:
    """Return Filters from loose values (ISO dates as text). Raises InvalidRequest naming a bad field."""
    if isinstance(sources, str):
        sources = [sources]
    if sources is not None and not all(isinstance(s, str) for s in sources):
        raise InvalidRequest("filters.sources", "must be a list of outlet names")
    after, before = _date("filters.published_after", published_after), _date("filters.published_before", published_before)
    if after and before and after >= before:
        raise InvalidRequest("filters", "published_after must be earlier than published_before")
    return Filters(tuple(s for s in (sources or []) if s.strip()), after, before)


def _date(field: str, value: str | datetime | None) -> datetime | None:
    """Return a date given as text or datetime (None when unset). Raises InvalidRequest naming ``field``."""
    if value in (None, ""):
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise InvalidRequest(field, f"{value!r} is not a date (use YYYY-MM-DD)")
    return parsed


def _date_bound(field: str, value: str | datetime | None) -> str | None:
    """Return a date bound as UTC ISO text (None when unset). Raises InvalidRequest naming ``field``."""
    parsed = _date(field, value)
    return parsed.astimezone(timezone.utc).isoformat() if parsed else None


def reset_index(settings: Settings) -> list[Path]:
    """Drop the index's stored sentences and bookkeeping (under its write lock); return the file sources it held, to
    be indexed again. Works when the index was built with another embedding model. Raises IndexBusy."""
    with IndexLock(settings.index_dir, holder="assistant index --rebuild"):
        manifest = Manifest(settings.manifest_path)
        sources = [Path(s) for s in manifest.sources() if Path(s).is_absolute()]
        manifest.commit({}, {}, [], {})
        manifest.close()
        for suffix in ("", "-wal", "-shm"):  # --rebuild embeds every sentence again: no vector is reused
            Path(f"{settings.embedding_cache_path}{suffix}").unlink(missing_ok=True)
        client = make_client(settings.chroma_dir, settings.chroma_url, settings.chroma_secret)
        if settings.collection in {getattr(c, "name", c) for c in client.list_collections()}:
            client.delete_collection(settings.collection)
    return sources


def check_writable(settings: Settings) -> None:
    """Return when no other process writes the index; raises IndexBusy naming the one that does (a server and its
    URL), before anything is opened."""
    probe = IndexLock(settings.index_dir, holder="assistant index")
    probe.acquire()
    probe.release()


def prepare_models(settings: Settings) -> list[str]:
    """Make the offline models ready (join and verify the local LLM's weights); return what is where, one line each.
    Raises ConfigurationError when a model is missing."""
    from .answering.local_model import ensure_local_gguf
    from .indexing.embedding import resolve_model

    name, folder = resolve_model(settings.embedding_model)
    lines = [f"embedding model: {name} ({folder})"]
    if settings.llm_model_path is None:
        lines.append(f"local LLM: {ensure_local_gguf(settings.cache_dir)}")
    return lines


class Assistant:
    """Indexing and grounded question answering over news articles. Thread-safe; build one per process.

    Nothing heavy happens here: the embedding model loads on first embed, the LLM on first generation.
    """

    def __init__(self, settings: Settings, parts: Parts | None = None, lock_holder: str = "assistant",
                 server_url: str | None = None) -> None:
        """Open the index named by ``settings``; ``parts`` replaces components (tests share loaded models).
        Raises StoreUnavailable/IndexMismatch when the store cannot be used, ConfigurationError for a model."""
        self.settings = settings
        self._c = Components(settings, parts, lock_holder, server_url)
        self._seed_lock = threading.Lock()
        self._examples = ExampleQuestions(self)
        self._poll_stop = threading.Event()
        self._poller: threading.Thread | None = None

    @property
    def components(self) -> Components:
        """The wired components (store, manifest, indexer, retriever, ...): for tests and benchmarks that look
        inside. No interface uses them."""
        return self._c

    # -- indexing
    def index(self, paths: Sequence[Path | str] | None = None, progress: Progress | None = None) -> IndexReport:
        """Index files, folders and web sources: RSS/Atom feeds, (news) sitemaps and article pages given as http(s)
        URLs (a feed or sitemap brings in the articles it lists). None re-indexes every file source indexed before
        and polls the followed sources. A URL that is refused or fails is in ``failed`` with the reason, never
        raised; ``sources`` has one report per URL. Raises IndexBusy."""
        if paths:
            return self._c.indexer.index_paths(list(paths), progress)
        return self._c.indexer.index_paths(None, progress, followed=[f.url for f in self._c.manifest.followed()])

    # -- followed sources
    @staticmethod
    def _source_url(url: object) -> str:
        if not isinstance(url, str) or not url.strip():
            raise InvalidRequest("url", "give the URL of a feed, sitemap or site (http:// or https://)")
        cleaned = http_url(url.strip())
        if cleaned is None:
            raise InvalidRequest("url", f"{str(url)[:200]!r} is not an http:// or https:// URL")
        return cleaned

    def followed_sources(self) -> list[FollowedSource]:
        """Return the followed feeds and sites with their last poll (when, new articles, errors)."""
        return self._c.manifest.followed()

    def follow_source(self, url: str) -> FollowedSource:
        """Follow a feed, sitemap or site: ``index()`` with no path and the server's poller poll it from now on
        (nothing is fetched here). Raises InvalidRequest for a URL that is not http(s) or past the limit."""
        cleaned = self._source_url(url)
        self._c.indexer.ensure_writable()
        known = {f.url: f for f in self._c.manifest.followed()}
        if cleaned not in known and len(known) >= self.settings.max_followed_sources:
            raise InvalidRequest("url", f"{len(known)} sources are followed already; the limit is "
                                 f"{self.settings.max_followed_sources} (ASSISTANT_MAX_FOLLOWED_SOURCES)")
        self._c.manifest.follow(cleaned)
        return next(f for f in self._c.manifest.followed() if f.url == cleaned)

    def unfollow_source(self, url: str, delete_articles: bool = False) -> IndexReport:
        """Stop following ``url``; with ``delete_articles`` also remove the articles only it brought in (else they
        stay indexed). Raises NotFound when it is not followed, IndexBusy."""
        cleaned = self._source_url(url)
        self._c.indexer.ensure_writable()
        if not self._c.manifest.unfollow(cleaned):
            raise NotFound("url", f"{cleaned} is not a followed source")
        if delete_articles:
            return self._c.indexer.remove_source(cleaned)
        return IndexReport()

    def poll(self, progress: Progress | None = None) -> IndexReport:
        """Poll every followed source once (conditional GETs; new and edited articles indexed). Raises IndexBusy."""
        urls = [f.url for f in self._c.manifest.followed()]
        if not urls:
            return IndexReport()
        return self._c.indexer.index_paths(urls, progress)

    def start_polling(self, interval: float | None = None) -> bool:
        """Poll the followed sources now and then every ``interval`` seconds (ASSISTANT_POLL_INTERVAL by default)
        in a background thread of this process, through the same indexer as every other write (one at a time).
        Returns False when no interval is set. Stopped by ``stop_polling`` or ``close``."""
        interval = interval or self.settings.poll_interval
        if not interval or self._poller is not None or self._c.mirror is not None:
            return False
        self._poll_stop.clear()

        def loop() -> None:
            while not self._poll_stop.is_set():
                try:
                    report = self.poll()
                    if report.sources:
                        log.info("polled %d sources: %d added, %d updated, %d failed", len(report.sources),
                                 report.added, report.updated, len(report.failed))
                except Exception:  # the poller must outlive one bad poll
                    log.exception("polling the followed sources failed")
                self._poll_stop.wait(interval)

        self._poller = threading.Thread(target=loop, name="assistant-poller", daemon=True)
        self._poller.start()
        return True

    def stop_polling(self, timeout: float = 30.0) -> None:
        self._poll_stop.set()
        if self._poller is not None:
            self._poller.join(timeout)
            self._poller = None

    def index_files(self, files: Sequence[tuple[str, bytes]], source: str = "upload",
                    progress: Progress | None = None) -> IndexReport:
        """Index uploaded files (``(name, content)``; format from the name's suffix, any text encoding) in one run.

        Unreadable files are reported in ``failed``; nothing indexed before is removed. Raises IndexBusy."""
        articles: list[Article] = []
        errors: list[Failure] = []
        notices: list[Notice] = []
        for i, (name, data) in enumerate(files):
            if progress:
                progress(f"reading {Path(name).name}", i, len(files))
            loaded = load_bytes(data, name, self.settings.max_article_chars, self.settings.max_upload_bytes)
            articles.extend(loaded.articles)
            errors.extend(loaded.errors)
            notices.extend(loaded.warnings)
        return self._c.indexer.index_articles(articles, source, progress, errors, notices)

    def add_articles(self, items: Sequence[Mapping[str, object]], source: str = "api", field: str = "articles",
                     progress: Progress | None = None) -> IndexReport:
        """Index articles given as fields (``title/body/source/author/published_at/url``). Posting an article with
        the same URL again replaces it. Unknown fields are ignored and named in ``warnings``.

        Raises InvalidRequest naming the first bad field (``articles[2].published_at``; with ``field="article"``,
        ``article.published_at``) before anything is indexed."""
        if not items:
            raise InvalidRequest(field, "is empty: send at least one article")
        limit = self.settings.max_articles_per_request
        if len(items) > limit:
            raise InvalidRequest(field, f"holds {len(items):,} items; the limit is {limit:,} per request")
        articles, notices = [], []
        for i, item in enumerate(items):
            where = field if field == "article" else f"{field}[{i}]"
            try:
                articles.append(article_from_fields(item, source, where, self.settings.max_article_chars,
                                                    strict=True))
            except FieldError as exc:
                raise InvalidRequest(f"{where}.{exc.field}" if exc.field else where, str(exc)) from None
            unknown = sorted(k for k in item if k not in KNOWN)
            if unknown:
                notices.append(Notice(where, f"unknown fields ignored: {', '.join(unknown)[:300]}"))
        return self._c.indexer.index_articles(articles, source, progress, (), notices)

    def article_problems(self, fields: Mapping[str, object]) -> list[tuple[str, str]]:
        """Return ``(field, message)`` for every problem that would make ``fields`` refused by add_articles."""
        return [(p.field, str(p)) for p in field_problems(fields, self.settings.max_article_chars)]

    def delete_article(self, article_id: str, missing_ok: bool = True) -> bool:
        """Remove an article. Returns False when no article has that id (``missing_ok=False``: raises NotFound)."""
        deleted = self._c.indexer.delete_article(article_id)
        if not deleted and not missing_ok:
            raise NotFound("article_id", f"no article has the id {article_id!r}")
        return deleted

    def seed_if_empty(self) -> bool:
        """Index the bundled sample article when the index holds nothing. Returns True when it did. A read replica
        mirrors its collection instead (and returns False)."""
        if self._c.mirror is not None:
            self._c.mirror.sync()
            return False
        if not self.settings.seed_sample:
            return False
        with self._seed_lock:
            if self._c.manifest.counts()[0] > 0:
                return False
            self.index([SAMPLE])
            return True

    def acquire_writer(self) -> None:
        """Hold the index's write lock until release_writer (a server is the one writer for its whole life).
        Raises IndexBusy naming the process that holds it."""
        self._c.lock.acquire()

    def release_writer(self) -> None:
        self._c.lock.release()

    # -- answering
    def allowed_backends(self) -> list[str]:
        """Return the backends a request may pick: ASSISTANT_ALLOWED_BACKENDS, or the configured one and extractive
        (so no client can spend a remote model's key the operator did not offer)."""
        allowed = self.settings.allowed_backends or [self.settings.backend, "extractive"]
        return [b for b in BACKENDS if b in allowed]

    def describe_backend(self, name: str | None = None) -> str:
        """Return a short description of a backend (the configured one by default): model and endpoint, no secret."""
        return self._c.backends.describe(name or self.settings.backend)

    def _backend(self, backend: str | None) -> str:
        name = backend or self.settings.backend
        if name not in BACKENDS:
            raise InvalidRequest("backend", f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
        if backend and name not in self.allowed_backends():
            raise InvalidRequest("backend", f"the backend {name!r} is not offered by this server; choose one of "
                                 f"{', '.join(self.allowed_backends())}")
        return name

    def _history(self, history: Sequence | None) -> list:
        turns = list(history or [])
        if len(turns) > self.settings.max_history_turns:
            raise InvalidRequest("history", f"holds {len(turns)} messages; the limit is "
                                 f"{self.settings.max_history_turns}")
        return turns

    def ask(self, question: str, history: Sequence | None = None, filters: Filters | None = None,
            backend: str | None = None) -> Answer:
        """Return the checked, cited answer. Raises InvalidRequest for an unusable question or backend,
        BackendUnavailable when the LLM cannot be reached."""
        return self._c.answerer.ask(validate_question(question, self.settings.max_question_chars),
                                    self._history(history), filters, self._backend(backend))

    def stream(self, question: str, history: Sequence | None = None, filters: Filters | None = None,
               backend: str | None = None) -> Iterator[Event]:
        """Yield Events: ``rewrite`` (when a follow-up was made standalone), ``sources``, ``token``s, ``answer``.
        The question and backend are checked before the first event (InvalidRequest)."""
        return self._c.answerer.stream(validate_question(question, self.settings.max_question_chars),
                                       self._history(history), filters, self._backend(backend))

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[Window]:
        """Return the retrieved windows for ``question``, best first: what `ask` gives the answering step and what
        the evaluation scores. Raises InvalidRequest for an unusable question."""
        return self._c.retriever.retrieve(validate_question(question, self.settings.max_question_chars),
                                          k or self.settings.retrieval_k, filters).windows

    def example_questions(self) -> list[str]:
        """Return a few questions the indexed articles answer (for an empty chat), newest articles first."""
        return self._examples.get()

    def prepare_examples(self) -> None:
        """Compute the example questions in the background (the first page then finds them ready)."""
        self._examples.warm_up()

    # -- inspection
    def stats(self) -> Stats:
        c = self._c
        c.refresh()
        articles, chunks = c.manifest.counts()
        info = c.manifest.info()
        return Stats(
            articles=articles, chunks=chunks, stored_chunks=c.store.count(), sources=len(c.manifest.sources()),
            outlets=len(c.manifest.outlets()), index_dir=str(self.settings.index_dir.resolve()),
            chroma=self.settings.chroma_url or str(self.settings.chroma_dir.resolve()),
            collection=self.settings.collection, embedding_model=c.model_name,
            embedding_dimension=int(info["dimension"]) if "dimension" in info else None,
            pipeline_version=c.chunker.config.pipeline_version, backend=self.settings.backend,
            backend_description=self.describe_backend())

    def pipeline(self) -> dict[str, dict]:
        """Return the retrieval and chunking configuration in use (for evaluation reports)."""
        import dataclasses

        return {"retrieval": dataclasses.asdict(self._c.retrieval), "chunking": dataclasses.asdict(self._c.chunker.config)}

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Return each text's length in the embedding model's tokens."""
        return self._c.count_tokens(list(texts))

    def outlets(self) -> list[tuple[str, int]]:
        """Return ``(outlet, article count)`` pairs, most articles first."""
        self._c.refresh()
        return self._c.manifest.outlets()

    def articles(self, text: str = "", sources: Sequence[str] = (), after: str | datetime | None = None,
                 before: str | datetime | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[int, list[ArticleInfo]]:
        """Return ``(total matching, one page of articles)``, newest first; ``after``/``before`` bound the
        publication date. Raises InvalidRequest naming a date that is no date."""
        self._c.refresh()
        return self._c.manifest.search_articles(text, sources, _date_bound("published_after", after),
                                                _date_bound("published_before", before), limit, offset)

    def article_detail(self, article_id: str) -> ArticleDetail:
        """Return an article's metadata and text. Raises NotFound."""
        row = self.article(article_id)
        text = self.article_text(article_id) if row else None
        if row is None or text is None:
            raise NotFound("article_id", f"no article has the id {article_id!r}")
        return ArticleDetail(**row.model_dump(), meta_hash=row.meta_hash, text=text)

    def article(self, article_id: str) -> ArticleInfo | None:
        self._c.refresh()
        return self._c.manifest.article(article_id)

    def article_text(self, article_id: str, max_sentences: int | None = None) -> str | None:
        """Return an article's text rebuilt from its stored sentences (only the first ``max_sentences`` when
        given), or None when no article has that id."""
        self._c.refresh()
        row = self._c.manifest.article(article_id)
        if row is None:
            return None
        n = row.chunks if max_sentences is None else max(0, min(row.chunks, max_sentences))
        stored = self._c.store.get([chunk_id(article_id, i) for i in range(n)])
        stored.sort(key=lambda s: int(s.metadata.get("start", 0)))
        text, end = "", 0
        for sentence in stored:
            start = int(sentence.metadata.get("start", end))
            text += (str(sentence.metadata.get("sep", " ")) or " " if text and start > end else "") + sentence.text
            end = int(sentence.metadata.get("end", start + len(sentence.text)))
        return text

    def close(self) -> None:
        self.stop_polling()
        self._c.close()
