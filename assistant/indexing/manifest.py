"""The indexer's bookkeeping, in SQLite beside the store: sources, the articles each holds, and index facts.

The manifest is written in one transaction per indexing run, after the new chunks are in the store and before the
stale ones are deleted; the store is reconciled against it on every run (see indexer.py).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from ..types import ArticleInfo

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
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- facts about the index
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
        return _info(row) if row else None

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
        return int(total), [_info(r) for r in rows]

    # -- writing (one transaction)
    def commit(
        self,
        entries: dict[tuple[str, str], str],
        articles: dict[str, ArticleInfo],
        touched_sources: Iterable[str],
        info: dict[str, str],
    ) -> None:
        """Replace the whole state with ``entries`` and ``articles`` (unreferenced articles are dropped)."""
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
                self._db.executemany(
                    "INSERT INTO info (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    list((info | {"generation": uuid.uuid4().hex}).items()),  # derived caches key on it
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise


_COLUMNS = "id, title, source, author, published_at, url, meta_hash, n_chunks, chars, indexed_at"


def _row_tuple(row: ArticleInfo) -> tuple:
    return (row.id, row.title, row.source or "", row.author or "", row.published_iso, row.url or "", row.meta_hash,
            row.chunks, row.chars, row.indexed_at)


def _info(r: tuple) -> ArticleInfo:
    return ArticleInfo(id=r[0], title=r[1], source=r[2] or None, author=r[3] or None, published_at=r[4] or None,
                       url=r[5] or None, meta_hash=r[6], chunks=r[7], chars=r[8], indexed_at=r[9])

