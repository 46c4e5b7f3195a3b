"""A read replica's manifest: a mirror of what the collection on a Chroma server holds, kept by reading the server.

A replica (``ASSISTANT_REPLICA=true``) is a serving process with its own index folder that answers from a collection
another index folder writes. The writer records a new ``generation`` in the collection's metadata after each run;
the replica checks it at most every ``ASSISTANT_REPLICA_REFRESH`` seconds and, when it changed, rebuilds its own
manifest from the chunks' metadata: one article row per complete article (every chunk stored), its syndication
group, and the terms of the articles new to it in its own lexical index (indexing/lexicon.py). Everything that
reads a manifest (retrieval, the article list, the stats) then works on the replica as on the writer. Nothing is
copied before the first answer but what any serving process reads: the chunks' text and metadata.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from ..text.terms import terms
from ..types import ArticleInfo
from .chunking import chunk_id
from .manifest import Manifest, WebChanges
from .store import ChunkStore

log = logging.getLogger(__name__)

SOURCE = "replica"  # the one source of a mirrored manifest


class Mirror:
    """Keeps a replica's manifest in step with the collection. Thread-safe; one per replica process."""

    def __init__(self, store: ChunkStore, manifest: Manifest, refresh_seconds: float) -> None:
        self.store, self.manifest, self.refresh_seconds = store, manifest, refresh_seconds
        self._checked = float("-inf")
        self._lock = threading.Lock()
        self.listeners: list[Callable[[], None]] = []  # called after every sync that changed the mirror

    def maybe_sync(self) -> bool:
        """Sync when the last check is older than the refresh interval. Returns True when the mirror changed."""
        if time.monotonic() - self._checked < self.refresh_seconds:
            return False
        return self.sync()

    def sync(self) -> bool:
        """Rebuild the manifest from the collection when its state changed. Returns True when it did.
        Raises StoreUnavailable when the server cannot be read."""
        with self._lock:
            self._checked = time.monotonic()
            recorded = self.store.current()
            # The writer's last generation with the count: chunks written by a run still going change the count.
            state = f"{recorded.get('generation', '')}|{self.store.count()}"
            if self.manifest.info().get("mirrored") == state:
                return False
            by_article: dict[str, list[dict]] = {}
            for meta in self.store.metadata_by_id().values():
                if meta.get("article_id"):
                    by_article.setdefault(str(meta["article_id"]), []).append(meta)
            rows: dict[str, ArticleInfo] = {}
            web = WebChanges()
            for aid, chunks in by_article.items():
                first = min(chunks, key=lambda m: int(m.get("chunk", 0)))
                n = int(first.get("n_chunks", 0))
                if n < 1 or len({int(m.get("chunk", -1)) for m in chunks}) != n:
                    continue  # being written, or left over by a killed run: not an article yet
                rows[aid] = _article(aid, first, n, max(int(m.get("end", 0)) for m in chunks))
                if first.get("group"):
                    web.syndication[aid] = (str(first["group"]), b"")
            have = self.manifest.lexical_articles()
            wanted = [chunk_id(aid, i) for aid in sorted(set(rows) - have) for i in range(rows[aid].chunks)]
            step = self.store.max_batch
            texts = {c.id: c.text for i in range(0, len(wanted), step) for c in self.store.get(wanted[i : i + step])}
            sentences = {aid: [(c, terms(texts[c])) for c in (chunk_id(aid, i) for i in range(rows[aid].chunks))]
                         for aid in set(rows) - have
                         if all(chunk_id(aid, i) in texts for i in range(rows[aid].chunks))}
            rows = {aid: row for aid, row in rows.items() if aid in have or aid in sentences}
            info = {"mirrored": state, "pipeline_version": str(recorded.get("pipeline_version", ""))}
            self.manifest.commit({(SOURCE, aid): aid for aid in rows}, rows, [SOURCE], info, web, sentences)
            log.info("replica: %d articles mirrored (%d new)", len(rows), len(sentences))
        for listener in self.listeners:
            listener()
        return True


def _article(aid: str, meta: dict, chunks: int, chars: int) -> ArticleInfo:
    """Return the article row a chunk's metadata describes."""
    published = meta.get("published_at")
    return ArticleInfo(
        id=aid, title=str(meta.get("title", "")), source=meta.get("source") or None,
        author=meta.get("author") or None, url=meta.get("url") or None,
        published_at=datetime.fromisoformat(str(published)) if published else None,
        meta_hash=str(meta.get("meta_hash", "")), chunks=chunks, chars=chars,
        indexed_at=datetime.now().astimezone().isoformat(timespec="seconds"))
