"""Incremental, idempotent, crash-safe indexing: plan what changed, then apply it in a safe order of writes.

Order of writes in one run: (1) upsert the chunks of new article versions, (2) fix stale chunk metadata,
(3) commit the manifest in one transaction, (4) delete chunks nothing references any more. Every run first reconciles
the store against what the manifest (plus this run's changes) expects, so a run killed at any instant leaves an index
that the next run repairs: exactly the chunks of the current articles, no duplicates, no orphans.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ReadOnlyIndex
from ..loading import load_source
from ..loading.web import SourceRead, is_url
from ..text.terms import terms
from ..types import Article, ArticleInfo, Failure, IndexReport, Notice, SourceReport
from .chunking import Chunk, Chunker, article_id, chunk_id
from .embedding import Embedder
from .embedding_cache import EmbeddingCache, encode_cached
from .lock import IndexLock
from .manifest import Manifest, WebChanges
from .store import ChunkStore

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class SourceBatch:
    """The articles read from one source. ``complete`` is False when some of its inputs failed: then articles it
    held before and did not yield now are kept rather than removed (nothing indexed is lost to a bad read)."""

    source: str
    articles: list[Article]
    complete: bool = True
    web: SourceRead | None = None  # what reading it from the web gave (a feed, sitemap or page URL)


def embedding_text(title: str, text: str, pack: bool = False) -> str:
    """Return the text embedded for a chunk: the sentence itself (retrieval adds the title lexically), or for
    packed chunks the article's title, then the chunk."""
    return f"{title}\n{text}" if pack and title else text


def chunk_metadata(row: ArticleInfo, chunk: Chunk, group: str | None = None) -> dict:
    """Return the metadata stored with a chunk (Chroma accepts no None: unknown values are left out); ``group`` is
    its article's syndication group (read replicas learn the groups from it)."""
    meta: dict[str, str | int | float] = {
        "article_id": row.id, "chunk": chunk.index, "n_chunks": row.chunks, "start": chunk.start, "end": chunk.end,
        "tokens": chunk.tokens, "sep": chunk.sep, "meta_hash": row.meta_hash,
    }
    if group:
        meta["group"] = group
    for name in ("title", "source", "author", "url"):
        if value := getattr(row, name):
            meta[name] = value
    if row.published_at:
        meta["published_at"] = row.published_iso
        meta["published_ts"] = row.published_at.timestamp()
    return meta


def sentence_terms(store: ChunkStore, manifest: Manifest, rows: dict[str, ArticleInfo],
                   skip: Collection[str] = ()) -> dict[str, list[tuple[str, list[str]]]]:
    """Return the sentences' terms of the indexed articles (``rows``) missing from the lexical index, read from the
    store (an index built before the lexical index existed, or one whose manifest was restored)."""
    missing = sorted(set(rows) - manifest.lexical_articles() - set(skip))
    out: dict[str, list[tuple[str, list[str]]]] = {}
    ids = [chunk_id(aid, i) for aid in missing for i in range(rows[aid].chunks)]
    step = store.max_batch
    found = {c.id: c.text for i in range(0, len(ids), step) for c in store.get(ids[i : i + step])}
    for aid in missing:
        chunk_ids = [chunk_id(aid, i) for i in range(rows[aid].chunks)]
        if all(c in found for c in chunk_ids):
            out[aid] = [(c, terms(found[c])) for c in chunk_ids]
    return out


class Indexer:
    """Indexes sources and articles into one store + manifest. One write at a time (process lock + thread mutex)."""

    def __init__(
        self, store: ChunkStore, manifest: Manifest, embedder: Embedder, chunker: Chunker, lock: IndexLock,
        max_chars: int, max_bytes: int | None = None, cache: EmbeddingCache | None = None,
    ) -> None:
        self.store = store
        self.manifest = manifest
        self.embedder = embedder
        self.chunker = chunker
        self.lock = lock
        self.max_chars = max_chars
        self.max_bytes = max_bytes
        self.cache = cache  # vectors by text: a changed article's unchanged sentences are not encoded again
        self.pipeline_version = chunker.config.pipeline_version
        self._mutex = threading.Lock()
        self.listeners: list[Callable[[], None]] = []  # called after every run that changed the store
        self.web: Callable[[], object] | None = None  # returns the WebReader (built on first use)
        self.syndication: Callable[[], object] | None = None  # returns a new, empty SyndicationIndex
        self._synd: object | None = None  # the syndication index, in step with the manifest's syndication rows
        self._synd_ids: dict[str, str] = {}  # article id -> group, of what is in self._synd
        self.read_only: str | None = None  # why this process must not write (a read replica), or None

    def ensure_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyIndex("index", self.read_only)

    # -- public entry points
    def index_paths(self, paths: Sequence[Path | str] | None, progress: Progress | None = None,
                    followed: Sequence[str] = ()) -> IndexReport:
        """Index files/folders and web sources (feed, sitemap or page URLs). None = every file source indexed
        before and the ``followed`` URLs. Bad inputs are reported, the rest indexed. Web sources are fetched under
        the process lock but outside the thread mutex: other writes of this process wait only for the indexing."""
        started = time.perf_counter()
        self.ensure_writable()
        with self.lock:
            if paths:
                urls = [str(p).strip() for p in paths if is_url(p)]
                files = [Path(p).expanduser().resolve() for p in paths if not is_url(p)]
            else:
                # Every file or folder indexed before (labels such as "upload" or "api" name no file, URLs are
                # polled when followed), and the followed web sources.
                files = [Path(s) for s in self.manifest.sources() if not is_url(s) and Path(s).is_absolute()]
                urls = list(followed)
            reads = self.read_web(urls, progress)
            with self._mutex:
                report = IndexReport()
                batches: list[SourceBatch] = []
                for i, path in enumerate(files):
                    if progress:
                        progress("reading", i, len(files))
                    loaded = load_source(path, self.max_chars, self.max_bytes)
                    report.failed.extend(loaded.errors)
                    report.warnings.extend(loaded.warnings)
                    if loaded.articles or not loaded.errors:
                        batches.append(SourceBatch(str(path), loaded.articles, complete=not loaded.errors))
                for read in reads:
                    report.failed.extend(read.failed)
                    report.warnings.extend(read.warnings)
                    # A feed lists recent stories: one dropping off it is not removed from the index.
                    batches.append(SourceBatch(read.url, read.articles, complete=False, web=read))
                # Re-indexing every source reads the whole archive anyway: the store is checked chunk by chunk too.
                self._apply(batches, report, progress, web_polls={r.url for r in reads}, check_store=not paths)
        report.seconds = time.perf_counter() - started
        return report

    def read_web(self, urls: Sequence[str], progress: Progress | None = None) -> list[SourceRead]:
        """Return what fetching the web sources ``urls`` gives (nothing is written)."""
        urls = list(dict.fromkeys(urls))
        if not urls:
            return []
        if self.web is None:
            return [SourceRead(u, failed=[Failure(u, "web sources are not available in this index")]) for u in urls]
        reader = self.web()
        return reader.read(urls, self.manifest.page_states(urls), progress)  # type: ignore[attr-defined]

    def remove_source(self, source: str) -> IndexReport:
        """Remove every article held only by ``source`` (a URL or a file source), as if it listed nothing."""
        started = time.perf_counter()
        report = IndexReport()
        self.ensure_writable()
        with self.lock, self._mutex:
            self._apply([SourceBatch(source, [], complete=True)], report, None)
        report.seconds = time.perf_counter() - started
        return report

    def index_articles(self, articles: Sequence[Article], source: str, progress: Progress | None = None,
                       errors: Iterable[Failure] = (), notices: Iterable[Notice] = ()) -> IndexReport:
        """Add or update articles that come from no file (uploads, the API). Nothing else is removed."""
        started = time.perf_counter()
        report = IndexReport(failed=list(errors), warnings=list(notices))
        self.ensure_writable()
        with self.lock, self._mutex:
            self._apply([SourceBatch(source, list(articles), complete=False)], report, progress)
        report.seconds = time.perf_counter() - started
        return report

    def delete_article(self, aid: str) -> bool:
        """Remove an article from every source that holds it. Returns False when it is not indexed."""
        self.ensure_writable()
        with self.lock, self._mutex:
            entries = self.manifest.entries()
            kept = {k: a for k, a in entries.items() if a != aid}
            if len(kept) == len(entries):
                return False
            articles = self.manifest.articles()
            generation = self.manifest.commit(kept, articles, [], self._info())
            self.store.delete([chunk_id(aid, i) for i in range(articles[aid].chunks)])
            self.store.record(generation=generation)
        self._notify()
        return True

    # -- the plan and its application
    def _info(self) -> dict[str, str]:
        info = {"pipeline_version": self.pipeline_version, "embedding_model": self.embedder.name}
        if self.embedder.loaded:
            info["dimension"] = str(self.embedder.dimension)
        return info

    def _apply(self, batches: list[SourceBatch], report: IndexReport, progress: Progress | None,
               web_polls: set[str] | None = None, check_store: bool = False) -> None:
        old_entries = self.manifest.entries()
        old_rows = self.manifest.articles()
        stored = self._stored(old_rows, check_store)
        present: dict[str, int] = {}
        for meta in stored.values():
            present[meta.get("article_id", "")] = present.get(meta.get("article_id", ""), 0) + 1

        def complete(aid: str, n_chunks: int) -> bool:
            return present.get(aid, 0) == n_chunks and all(chunk_id(aid, i) in stored for i in range(n_chunks))

        # Repair: an article the manifest knows whose chunks are missing (store damaged or restored from an older
        # copy) gets its source read again, when it is a file or folder that still exists.
        loaded_sources = {b.source for b in batches}
        damaged = {a for a in set(old_entries.values()) if not complete(a, old_rows[a].chunks)}
        for source in sorted({s for (s, _), a in old_entries.items() if a in damaged} - loaded_sources):
            if Path(source).exists():
                loaded = load_source(Path(source), self.max_chars, self.max_bytes)
                report.failed.extend(loaded.errors)
                batches.append(SourceBatch(source, loaded.articles, complete=not loaded.errors))

        entries = dict(old_entries)
        rows = dict(old_rows)
        fresh: dict[str, Article] = {}  # article id -> article read in this run
        fresh_source: dict[str, str] = {}  # article id -> the first source it was read from in this run
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        counts: dict[str, SourceReport] = {}
        for batch in batches:
            mine = counts.setdefault(batch.source, SourceReport(url=batch.source))
            if batch.complete:
                for key in [k for k in entries if k[0] == batch.source]:
                    del entries[key]
            seen_keys: set[str] = set()
            for article in batch.articles:
                if article.key in seen_keys:
                    continue
                seen_keys.add(article.key)
                aid = article_id(article.body, self.pipeline_version)
                if aid in fresh:
                    report.duplicates += 1
                old = old_entries.get((batch.source, article.key))
                if old is None:
                    report.added += 1
                    mine.added += 1
                elif old != aid or old_rows[old].meta_hash != article.metadata_hash():
                    report.updated += 1
                    mine.updated += 1
                else:
                    report.unchanged += 1
                    mine.unchanged += 1
                entries[(batch.source, article.key)] = aid
                fresh.setdefault(aid, article)
                fresh_source.setdefault(aid, batch.source)
            if batch.complete:
                report.removed += sum(1 for k in old_entries if k[0] == batch.source and k not in entries)
            if batch.web is not None:  # known pages answered 304: unchanged, at no cost
                report.unchanged += batch.web.unchanged_pages
                mine.unchanged += batch.web.unchanged_pages

        # Plan: chunk the articles whose chunks are not all stored; keep the metadata of the others current.
        to_chunk: list[tuple[str, Article]] = []
        for aid in sorted(set(entries.values())):
            if aid in rows and complete(aid, rows[aid].chunks):
                if aid in fresh:
                    rows[aid] = self._row(aid, fresh[aid], rows[aid].chunks, rows[aid].indexed_at)
            elif aid in fresh:
                to_chunk.append((aid, fresh[aid]))
            else:
                title = rows[aid].title if aid in rows else aid
                report.failed.append(Failure(
                    ", ".join(sorted({s for (s, _), a in entries.items() if a == aid})),
                    f"article {title!r} had lost its chunks and its source cannot be read again; it was removed",
                ))
                entries = {k: a for k, a in entries.items() if a != aid}
        if damaged:
            report.repaired = len({a for a in damaged if a in fresh})

        # Syndicated copies: each article new to the index joins the group of the story it copies (or starts one);
        # the group goes into its chunks' metadata.
        web = WebChanges()
        for aid, group, blob in self._group(fresh, set(entries.values()), rows):
            web.syndication[aid] = (group, blob)
            if group != aid:
                report.near_duplicates += 1
                counts[fresh_source[aid]].near_duplicates += 1
        groups = self.manifest.groups() | {aid: group for aid, (group, _) in web.syndication.items()}

        planned: list[tuple[Chunk, ArticleInfo, str]] = []  # (chunk, its article row, text to embed)
        lexical: dict[str, list[tuple[str, list[str]]]] = {}  # article id -> its sentences' terms, for the manifest
        for n, (aid, article) in enumerate(to_chunk):
            if progress:
                progress("chunking", n, len(to_chunk))
            chunks = self.chunker.chunk(article.body, aid)
            rows[aid] = self._row(aid, article, len(chunks), now)
            planned.extend((c, rows[aid], embedding_text(article.title, c.text, self.chunker.config.pack))
                           for c in chunks)
            lexical[aid] = [(c.id, terms(c.text)) for c in chunks]

        # (1) new chunks, embedded only when not already stored under the same content-addressed id.
        new = [p for p in planned if p[0].id not in stored]
        total = len(new)
        if new:
            self.manifest.mark_writing()
        step = min(256, self.store.max_batch)  # small steps: a killed run keeps most of its work
        for i in range(0, total, step):
            part = new[i : i + step]
            report_progress = (lambda d, i=i: progress("embedding", i + d, total)) if progress else None
            vectors, reused = encode_cached(self.embedder.encode, self.cache, self.embedder.name,
                                            self.embedder.dimension, [t for _, _, t in part], report_progress)
            report.embeddings_reused += reused
            self.store.upsert(
                [c.id for c, _, _ in part], vectors, [c.text for c, _, _ in part],
                [chunk_metadata(row, c, groups.get(row.id)) for c, row, _ in part],
            )
            report.chunks_embedded += len(part)
        if new:
            self.store.record(dimension=self.embedder.dimension, pipeline_version=self.pipeline_version)

        # (2) stored chunks whose metadata is not their article's current metadata (no re-embedding needed).
        live = set(entries.values())
        stale = [
            (cid, meta) for cid, meta in stored.items()
            if meta.get("article_id") in live and meta.get("meta_hash") != rows[meta["article_id"]].meta_hash
        ]
        if stale:
            self.manifest.mark_writing()
            ids, step = [cid for cid, _ in stale], self.store.max_batch
            full = {c.id: c.metadata for i in range(0, len(ids), step) for c in self.store.get(ids[i : i + step])}
            stale = [(cid, full.get(cid, meta)) for cid, meta in stale]
            self.store.update_metadata(
                [cid for cid, _ in stale],
                [chunk_metadata(rows[m["article_id"]], Chunk(cid, m["article_id"], int(m["chunk"]), int(m["start"]),
                                                             int(m["end"]), "", int(m.get("tokens", 0)),
                                                             str(m.get("sep", ""))), groups.get(m["article_id"]))
                 for cid, m in stale],
            )

        now_poll = now  # when this run started (ISO 8601, seconds)
        for batch in batches:
            if batch.web is None:
                continue
            read, mine = batch.web, counts[batch.source]
            web.pages.extend(read.pages)
            web.forget.extend(read.forget)
            report.sources.append(mine.model_copy(update={
                "kind": read.kind, "listed": read.listed, "not_modified": read.not_modified, "failed": read.failed,
                "requests": read.requests, "bytes_received": read.bytes_received}))
            if web_polls and batch.source in web_polls:
                web.polls[batch.source] = (now_poll, mine.added + mine.updated,
                                           [f"{f.path}: {f.error}" for f in read.failed])

        # (3) the manifest, in one transaction (with the web bookkeeping and the syndication rows).
        if progress:
            progress("writing", 0, 1)
        live_rows = {aid: rows[aid] for aid in set(entries.values())}
        lexical.update(sentence_terms(self.store, self.manifest, live_rows, skip=lexical))
        generation = self.manifest.commit(entries, rows, [b.source for b in batches], self._info(), web, lexical)

        # (4) chunks nothing references any more: old versions, removed articles, leftovers of interrupted runs.
        expected = {chunk_id(aid, i) for aid in live for i in range(rows[aid].chunks)}
        orphans = sorted(set(stored) - expected)
        if orphans:
            self.store.delete(orphans)
            report.chunks_deleted = len(orphans)
        if new or stale or orphans or entries != old_entries:
            self.store.record(generation=generation)  # read replicas follow it (indexing/replica.py)
            self._notify()

    def _stored(self, rows: dict[str, ArticleInfo], check: bool = False) -> dict[str, dict]:
        """Return ``{chunk id: metadata}`` of the stored chunks.

        Unless ``check``: when the last run ended cleanly (no writing mark) and the store holds exactly as many
        chunks as the manifest names, the store is taken to hold those chunks, with the manifest's metadata hash,
        and is not read, so that adding one article to a large archive costs what that article costs. Otherwise
        every chunk's metadata is read, to repair what a killed run or a damaged store left."""
        expected = sum(row.chunks for row in rows.values())
        if not check and "writing" not in self.manifest.info() and self.store.count() == expected:
            return {chunk_id(aid, i): {"article_id": aid, "chunk": i, "meta_hash": row.meta_hash}
                    for aid, row in rows.items() for i in range(row.chunks)}
        return self.store.metadata_by_id()

    def _group(self, fresh: dict[str, Article], live: set[str], rows: dict[str, ArticleInfo]
               ) -> list[tuple[str, str, bytes]]:
        """Return ``(article id, group id, shingles)`` for the articles of this run that have no syndication row
        yet, in the order they were read; the syndication index is brought in step with the manifest first (only
        the articles that stay indexed are matched)."""
        if self.syndication is None or not fresh:
            return []
        import numpy as np

        stored = self.manifest.shingles()
        if self._synd is None:
            self._synd = self.syndication()
            self._synd_ids = {}
        index = self._synd
        keep = {a for a in stored if a in live}
        for aid in [a for a in self._synd_ids if a not in keep]:
            index.remove(aid)  # type: ignore[attr-defined]
            del self._synd_ids[aid]
        for aid in sorted(keep - set(self._synd_ids)):
            group, blob = stored[aid]
            index.add_shingles(aid, np.frombuffer(blob, dtype=np.uint32), group)  # type: ignore[attr-defined]
            self._synd_ids[aid] = group
        out = []
        for aid, article in fresh.items():
            if aid in stored or aid in self._synd_ids or aid not in live:
                continue
            hashes = index.shingles(article.body)  # type: ignore[attr-defined]
            group = str(index.add_shingles(aid, hashes))  # type: ignore[attr-defined]
            self._synd_ids[aid] = group
            out.append((aid, group, hashes.astype(np.uint32).tobytes()))
        return out

    def _row(self, aid: str, article: Article, n_chunks: int, indexed_at: str) -> ArticleInfo:
        return ArticleInfo(id=aid, **article.meta().model_dump(), meta_hash=article.metadata_hash(),
                           chunks=n_chunks, chars=len(article.body), indexed_at=indexed_at)

    def _notify(self) -> None:
        for listener in self.listeners:
            listener()
