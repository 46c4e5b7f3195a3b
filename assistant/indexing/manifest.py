"""The indexer's bookkeeping, in SQLite beside the store: sources, the articles each holds, and index facts.

The manifest is written in one transaction per indexing run, after the new chunks are in the store and before the
stale ones are deleted; the store is reconciled against it on every run (see indexer.py).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..types import ArticleInfo, FollowedSource
from . import lexicon

_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, indexed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    source TEXT NOT NULL, key TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (source, key));
CREATE INDEX IF NOT EXISTS entries_article ON entries (article_id);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, author TEXT NOT NULL, published_at TEXT NOT NULL,
    url TEXT NOT NULL, meta_hash TEXT NOT NULL, n_chunks INTEGER NOT NULL, chars INTEGER NOT NULL,
    indexed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS followed (
    url TEXT PRIMARY KEY, added_at TEXT NOT NULL, last_poll TEXT NOT NULL DEFAULT '',
    last_new INTEGER NOT NULL DEFAULT 0, last_errors TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS web_pages (
    source TEXT NOT NULL, url TEXT NOT NULL, article_key TEXT NOT NULL DEFAULT '', etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '', PRIMARY KEY (source, url));
CREATE TABLE IF NOT EXISTS syndication (
    article_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, shingles BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS syndication_by_group ON syndication (group_id);
"""


@dataclass(frozen=True)
class PageState:
    """What the manifest keeps of one fetched URL of a web source: the listing itself (``url == source``) or a page
    it listed. ``article_key`` is the key (canonical URL) of the article read from it ('' for a feed or sitemap);
    ``etag``/``last_modified`` are the validators of the conditional GET ('' when none)."""

    source: str
    url: str
    article_key: str = ""
    etag: str = ""
    last_modified: str = ""
    kind: str = ""


@dataclass
class WebChanges:
    """Web bookkeeping written in the same transaction as the articles (see Manifest.commit): page states to keep
    or forget, poll results of followed sources, and the syndication rows of new articles."""

    pages: list[PageState] = field(default_factory=list)
    forget: list[tuple[str, str]] = field(default_factory=list)  # (source, url)
    polls: dict[str, tuple[str, int, list[str]]] = field(default_factory=dict)  # url -> (when, new, errors)
    syndication: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # article id -> (group id, shingles)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _now_precise() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Manifest:
    """SQLite bookkeeping for one index. Safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        lexicon.create(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- facts about the index
    def mark_writing(self) -> None:
        """Record that the store is about to be written before the next commit (which clears the mark): a run
        killed in between leaves the mark, and the next run then checks the store chunk by chunk."""
        with self._lock:
            self._db.execute("INSERT INTO info (key, value) VALUES ('writing', ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (_now(),))

    def info(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM info").fetchall())

    # -- reading
    def entries(self) -> dict[tuple[str, str], str]:
        """Return ``{(source, key): article_id}`` for every indexed entry."""
        with self._lock:
            rows = self._db.execute("SELECT source, key, article_id FROM entries").fetchall()
        return {(s, k): a for s, k, a in rows}

    def sources(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT path FROM sources ORDER BY path")]

    def articles(self) -> dict[str, ArticleInfo]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM articles").fetchall()
        return {r[0]: _info(r) for r in rows}

    def article(self, article_id: str) -> ArticleInfo | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return self._grouped([_info(row)])[0] if row else None

    # -- the lexical index (indexing/lexicon.py), written by commit
    def lexical_articles(self) -> set[str]:
        """Return the ids of the articles whose sentences' terms are in the lexical index."""
        with self._lock:
            return lexicon.stored_articles(self._db)

    def lexical_rows(self) -> list[tuple[int, str, int]]:
        """Return ``(row, sentence id, number of terms)`` of every sentence in the lexical index."""
        with self._lock:
            return lexicon.rows(self._db)

    def lexical_vocabulary(self) -> set[str]:
        """Return every term some sentence of the lexical index holds."""
        with self._lock:
            return lexicon.vocabulary(self._db)

    def postings(self, terms: list[str]) -> dict[str, list[tuple[int, int]]]:
        """Return ``{term: [(row, count), ...]}`` from the lexical index."""
        with self._lock:
            return lexicon.postings(self._db, terms)

    def add_sentences(self, sentences: dict[str, list[tuple[str, list[str]]]]) -> None:
        """Add the terms of indexed articles missing from the lexical index (an index built before it existed), in
        one transaction; articles the manifest no longer names are skipped."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                live = {r[0] for r in self._db.execute("SELECT id FROM articles")}
                lexicon.write(self._db, sentences, live)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -- syndicated copies
    def groups(self) -> dict[str, str]:
        """Return ``{article id: syndication group id}`` for the articles grouped so far."""
        with self._lock:
            return dict(self._db.execute("SELECT article_id, group_id FROM syndication").fetchall())

    def shingles(self) -> dict[str, tuple[str, bytes]]:
        """Return ``{article id: (group id, shingle hashes as uint32 bytes)}`` (what the syndication index is built
        from)."""
        with self._lock:
            rows = self._db.execute("SELECT article_id, group_id, shingles FROM syndication").fetchall()
        return {a: (g, bytes(b)) for a, g, b in rows}

    def _grouped(self, rows: list[ArticleInfo]) -> list[ArticleInfo]:
        """Return ``rows`` with their syndication group and the outlets of the other copies filled in."""
        ids = [r.id for r in rows]
        if not ids:
            return rows
        marks = ",".join("?" * len(ids))
        with self._lock:
            mine = dict(self._db.execute(f"SELECT article_id, group_id FROM syndication WHERE article_id IN ({marks})",
                                         ids).fetchall())
            groups = sorted(set(mine.values()))
            members: dict[str, list[tuple[str, str]]] = {}
            if groups:
                for aid, group, outlet in self._db.execute(
                        f"SELECT s.article_id, s.group_id, a.source FROM syndication s JOIN articles a ON a.id = "
                        f"s.article_id WHERE s.group_id IN ({','.join('?' * len(groups))}) ORDER BY a.published_at, "
                        "a.id", groups).fetchall():
                    members.setdefault(group, []).append((aid, outlet))
        out = []
        for row in rows:
            group = mine.get(row.id)
            others = [m for m in members.get(group, []) if m[0] != row.id] if group else []
            if not others:
                out.append(row)
                continue
            outlets = list(dict.fromkeys(o for _, o in others if o and o != row.source))
            out.append(row.model_copy(update={"syndication_group": group, "also_published_by": outlets}))
        return out

    # -- web sources
    def followed(self) -> list[FollowedSource]:
        """Return the followed feeds and sites, in the order they were added."""
        with self._lock:
            rows = self._db.execute(
                "SELECT f.url, f.added_at, f.last_poll, f.last_new, f.last_errors, "
                "(SELECT COUNT(DISTINCT e.article_id) FROM entries e WHERE e.source = f.url) "
                "FROM followed f ORDER BY f.added_at, f.url").fetchall()
        return [FollowedSource(url=u, added_at=a, last_poll=p or None, last_new=n, last_errors=json.loads(e or "[]"),
                               articles=c) for u, a, p, n, e, c in rows]

    def follow(self, url: str) -> bool:
        """Add ``url`` to the followed sources; return False when it was followed already."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO followed (url, added_at) VALUES (?, ?)",
                                      (url, _now_precise()))
            return cursor.rowcount == 1

    def unfollow(self, url: str) -> bool:
        """Remove ``url`` from the followed sources; return False when it was not followed."""
        with self._lock:
            return self._db.execute("DELETE FROM followed WHERE url = ?", (url,)).rowcount == 1

    def page_states(self, sources: Iterable[str]) -> dict[str, dict[str, PageState]]:
        """Return ``{source: {url: PageState}}``: what was fetched from each web source before."""
        sources = list(dict.fromkeys(sources))
        out: dict[str, dict[str, PageState]] = {s: {} for s in sources}
        if not sources:
            return out
        with self._lock:
            rows = self._db.execute(
                "SELECT source, url, article_key, etag, last_modified, kind FROM web_pages WHERE source IN "
                f"({','.join('?' * len(sources))})", sources).fetchall()
        for row in rows:
            out[row[0]][row[1]] = PageState(*row)
        return out

    def counts(self) -> tuple[int, int]:
        """Return ``(articles, chunks)``."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*), COALESCE(SUM(n_chunks), 0) FROM articles").fetchone()
        return int(row[0]), int(row[1])

    def outlets(self) -> list[tuple[str, int]]:
        """Return ``(outlet, article count)`` pairs, most articles first."""
        with self._lock:
            return self._db.execute(
                "SELECT source, COUNT(*) FROM articles WHERE source != '' GROUP BY source ORDER BY 2 DESC, 1"
            ).fetchall()

    def search_articles(
        self, text: str = "", sources: Iterable[str] = (), after: str | None = None, before: str | None = None,
        limit: int = 50, offset: int = 0,
    ) -> tuple[int, list[ArticleInfo]]:
        """Return ``(total matching, one page of rows)``, newest first; ``text`` matches title, outlet or author."""
        where, args = ["1=1"], []
        if text:
            where.append("(title LIKE ? OR source LIKE ? OR author LIKE ?)")
            args += [f"%{text}%"] * 3
        sources = list(sources)
        if sources:
            where.append(f"source IN ({','.join('?' * len(sources))})")
            args += sources
        if after:
            where.append("published_at != '' AND published_at >= ?")
            args.append(after)
        if before:
            where.append("published_at != '' AND published_at < ?")
            args.append(before)
        clause = " AND ".join(where)
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM articles WHERE {clause}", args).fetchone()[0]
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE {clause} ORDER BY published_at DESC, title LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return int(total), self._grouped([_info(r) for r in rows])

    # -- writing (one transaction)
    def commit(
        self,
        entries: dict[tuple[str, str], str],
        articles: dict[str, ArticleInfo],
        touched_sources: Iterable[str],
        info: dict[str, str],
        web: WebChanges | None = None,
        sentences: dict[str, list[tuple[str, list[str]]]] | None = None,
    ) -> str:
        """Replace the whole state with ``entries`` and ``articles`` (unreferenced articles are dropped), and apply
        ``web`` in the same transaction: the validators of a fetched page are never saved without the article read
        from it, and syndication rows never outlive their article. Returns the new generation."""
        referenced = set(entries.values())
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM entries")
                self._db.executemany(
                    "INSERT INTO entries (source, key, article_id) VALUES (?, ?, ?)",
                    [(s, k, a) for (s, k), a in entries.items()],
                )
                self._db.execute("DELETE FROM articles")
                self._db.executemany(
                    f"INSERT INTO articles ({_COLUMNS}) VALUES ({','.join('?' * 10)})",
                    [_row_tuple(row) for aid, row in articles.items() if aid in referenced],
                )
                now = _now()
                live_sources = {s for s, _ in entries}
                self._db.executemany(
                    "INSERT INTO sources (path, indexed_at) VALUES (?, ?) "
                    "ON CONFLICT(path) DO UPDATE SET indexed_at = excluded.indexed_at",
                    [(s, now) for s in touched_sources if s in live_sources],
                )
                if live_sources:
                    self._db.execute(f"DELETE FROM sources WHERE path NOT IN ({','.join('?' * len(live_sources))})",
                                     list(live_sources))
                else:  # "NOT IN (NULL)" matches nothing: with no entry left, no source is left either
                    self._db.execute("DELETE FROM sources")
                self._commit_web(web or WebChanges())
                lexicon.write(self._db, sentences or {}, referenced)
                generation = uuid.uuid4().hex
                self._db.executemany(
                    "INSERT INTO info (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    list((info | {"generation": generation}).items()),  # derived caches key on it
                )
                self._db.execute("DELETE FROM info WHERE key = 'writing'")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return generation

    def _commit_web(self, web: WebChanges) -> None:
        """The web part of a commit (inside its transaction)."""
        db = self._db
        db.executemany("DELETE FROM web_pages WHERE source = ? AND url = ?", web.forget)
        db.executemany(
            "INSERT INTO web_pages (source, url, article_key, etag, last_modified, kind) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(source, url) DO UPDATE SET article_key = excluded.article_key, etag = excluded.etag, "
            "last_modified = excluded.last_modified, kind = excluded.kind",
            [(p.source, p.url, p.article_key, p.etag, p.last_modified, p.kind) for p in web.pages])
        db.executemany("UPDATE followed SET last_poll = ?, last_new = ?, last_errors = ? WHERE url = ?",
                       [(when, new, json.dumps(errors), url) for url, (when, new, errors) in web.polls.items()])
        db.executemany("INSERT OR REPLACE INTO syndication (article_id, group_id, shingles) VALUES (?, ?, ?)",
                       [(aid, group, blob) for aid, (group, blob) in web.syndication.items()])
        # Nothing outlives what it describes: syndication rows their article, page states the articles of their
        # source (a page or feed whose articles were removed is fetched in full again: a 304 never stands for an
        # article that is not indexed).
        db.execute("DELETE FROM syndication WHERE article_id NOT IN (SELECT id FROM articles)")
        db.execute("DELETE FROM web_pages WHERE source NOT IN (SELECT DISTINCT source FROM entries)")
        db.execute("DELETE FROM web_pages WHERE article_key != '' AND NOT EXISTS (SELECT 1 FROM entries e WHERE "
                   "e.source = web_pages.source AND e.key = web_pages.article_key)")


_COLUMNS = "id, title, source, author, published_at, url, meta_hash, n_chunks, chars, indexed_at"


def _row_tuple(row: ArticleInfo) -> tuple:
    return (row.id, row.title, row.source or "", row.author or "", row.published_iso, row.url or "", row.meta_hash,
            row.chunks, row.chars, row.indexed_at)


def _info(r: tuple) -> ArticleInfo:
    return ArticleInfo(id=r[0], title=r[1], source=r[2] or None, author=r[3] or None, published_at=r[4] or None,
                       url=r[5] or None, meta_hash=r[6], chunks=r[7], chars=r[8], indexed_at=r[9])

