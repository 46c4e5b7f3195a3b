"""The in-process search index: every stored sentence with its article, its window and the window's embedding.
Derived from the store (the one source of truth) when first needed and after each indexing run; BM25 reads term
postings from the lexical index on disk (indexing/lexicon.py), which the indexer keeps in the manifest's transaction.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from ..indexing.embedding import Embedder
from ..indexing.embedding_cache import EmbeddingCache, encode_cached
from ..indexing.indexer import sentence_terms
from ..indexing.manifest import Manifest
from ..indexing.store import ChunkStore
from ..text.terms import terms
from .lexical import MemoryPostings, PostingSource, StoredPostings, WindowScorer
from .windows import sentence_windows, window_embeddings

log = logging.getLogger(__name__)
# Given the search index's sentence ids in row order: the postings of its sentences and their term counts.
Lexical = Callable[[list[str]], tuple[PostingSource, np.ndarray]]

CACHE_FORMAT = 3


@dataclass(frozen=True)
class ArticleRef:
    id: str
    title: str
    source: str
    author: str
    published_at: str
    url: str

    @property
    def published(self) -> date | None:
        return datetime.fromisoformat(self.published_at).date() if self.published_at else None

    @property
    def published_ts(self) -> float:
        return datetime.fromisoformat(self.published_at).timestamp() if self.published_at else float("nan")


@dataclass
class SearchIndex:
    """Sentences (rows) grouped by article, in article order; windows are indexed by their centre sentence."""

    articles: list[ArticleRef]
    sent_ids: list[str]
    sent_text: list[str]
    sent_sep: list[str]  # the whitespace before each sentence in its article
    sent_article: np.ndarray
    sent_start: np.ndarray
    sent_end: np.ndarray
    sent_tokens: np.ndarray
    art_lo: np.ndarray
    art_hi: np.ndarray
    wlo: np.ndarray
    whi: np.ndarray
    win_tokens: np.ndarray
    win_emb: np.ndarray
    scorer: WindowScorer
    win_outlet: np.ndarray
    win_published_ts: np.ndarray
    art_dates: list[date | None]
    outlets: list[str]
    newest_year: int
    # Syndicated copies: article id -> (its syndication group, the outlets of the other indexed copies), for the
    # articles that have a copy. Filled from the manifest by SearchIndexHolder (the store does not know groups).
    copies: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # Sentence texts -> their vectors (the embedding cache); None: the vectors are kept in ``sent_emb``.
    lookup: Callable[[list[str]], np.ndarray] | None = None
    sent_emb: np.ndarray | None = None

    def sentence_vectors(self, rows: np.ndarray) -> np.ndarray:
        """Return the embeddings of sentence rows ``rows`` (float32, unit length)."""
        if self.lookup is None:
            return self.sent_emb[rows]
        return self.lookup([self.sent_text[int(r)] for r in rows])

    def outlet_mask(self, outlets: Sequence[str]) -> np.ndarray:
        """Return a boolean mask of the windows of articles published by one of ``outlets``."""
        by_article = np.array([a.source in outlets for a in self.articles], dtype=bool)
        return by_article[self.sent_article] if len(self.sent_article) else np.zeros(0, bool)

    def group_of(self, article: int) -> str:
        """Return the syndication group of article row ``article`` (its id when it has no indexed copy)."""
        aid = self.articles[article].id
        found = self.copies.get(aid)
        return found[0] if found else aid

    def also_published_by(self, article_id: str) -> list[str]:
        """Return the outlets of the other indexed copies of ``article_id``'s story ([] when it has none)."""
        found = self.copies.get(article_id)
        return list(found[1]) if found else []

    def __len__(self) -> int:
        return len(self.sent_ids)

    def window_text(self, w: int) -> tuple[int, int, str]:
        """Return (start, end, text) of window ``w`` in its article's text."""
        return self.span_text(int(self.wlo[w]), int(self.whi[w]))

    def span_text(self, lo: int, hi: int) -> tuple[int, int, str]:
        """Return (start, end, text) of sentence rows ``lo..hi`` (one article): ``text == body[start:end]``."""
        parts = [self.sent_text[lo]]
        for i in range(lo + 1, hi + 1):
            parts.append(self.sent_sep[i] or " ")
            parts.append(self.sent_text[i])
        return int(self.sent_start[lo]), int(self.sent_end[hi]), "".join(parts)

    def lead_in(self, span_id: str, sentences: int) -> tuple[str, int, int, str] | None:
        """Return (span id, start, end, text) of up to ``sentences`` sentences before span ``span_id`` in its
        article, or None when it opens the article or is not indexed."""
        first = span_id.partition("..")[0]
        try:
            row = self.sent_ids.index(first)
        except ValueError:
            return None
        lo = max(int(self.art_lo[int(self.sent_article[row])]), row - sentences)
        if lo >= row:
            return None
        start, end, text = self.span_text(lo, row - 1)
        return f"{self.sent_ids[lo]}..{self.sent_ids[row - 1].rsplit('-', 1)[-1]}", start, end, text

    @property
    def coverage(self) -> tuple[date, date] | None:
        """Return the first and last publication dates of the indexed articles (None when none has a date)."""
        dated = [d for d in self.art_dates if d]
        return (min(dated), max(dated)) if dated else None

    def knows(self, term: str) -> bool:
        """Return True when some sentence holds ``term`` (a stemmed term, as ``text.terms`` makes)."""
        return self.scorer.document_frequency(term) > 0

    def idf(self, term: str) -> float:
        """Return the inverse sentence frequency of ``term`` (highest for unknown terms)."""
        return self.scorer.term_idf(term)

    @classmethod
    def build(cls, rows: list[tuple[str, str, dict, np.ndarray]], unit_tokens: int, title_weight: float,
              dimension: int, lexical: Lexical | None = None,
              lookup: Callable[[list[str]], np.ndarray] | None = None) -> SearchIndex:
        """Build from stored rows ``(id, text, metadata, embedding)`` of whole articles; term postings from
        ``lexical`` (the lexical index on disk), else from the rows' texts. With ``lookup`` (texts -> vectors, the
        embedding cache) the sentences' vectors are not kept in memory, only their windows'."""
        by_article: dict[str, list[tuple[int, str, str, dict, np.ndarray]]] = {}
        for cid, text, meta, emb in rows:
            by_article.setdefault(meta["article_id"], []).append((int(meta.get("chunk", 0)), cid, text, meta, emb))
        articles, ids, texts, seps, art, starts, ends, tokens, embs, lo, hi = [], [], [], [], [], [], [], [], [], [], []
        for a, aid in enumerate(sorted(by_article)):
            sentences = sorted(by_article[aid], key=lambda r: r[0])
            meta = sentences[0][3]
            articles.append(ArticleRef(aid, str(meta.get("title", "")), str(meta.get("source", "")),
                                        str(meta.get("author", "")), str(meta.get("published_at", "")),
                                        str(meta.get("url", ""))))
            lo.append(len(ids))
            for _, cid, text, m, emb in sentences:
                ids.append(cid)
                texts.append(text)
                seps.append(str(m.get("sep", " ")))
                art.append(a)
                starts.append(int(m.get("start", 0)))
                ends.append(int(m.get("end", 0)))
                tokens.append(max(1, int(m.get("tokens", 0)) or len(text.split())))
                embs.append(emb)
            hi.append(len(ids))
        sent_article = np.array(art, np.int32)
        sent_tokens = np.array(tokens, np.int32)
        art_lo, art_hi = np.array(lo, np.int32), np.array(hi, np.int32)
        wlo, whi = sentence_windows(sent_tokens, art_lo, art_hi, unit_tokens)
        prefix = np.concatenate([[0], np.cumsum(sent_tokens, dtype=np.int64)])
        win_tokens = (prefix[whi.astype(np.int64) + 1] - prefix[wlo.astype(np.int64)]).astype(np.int32)
        sent_emb = np.vstack(embs).astype(np.float32) if embs else np.zeros((0, dimension), np.float32)
        win_emb = window_embeddings(sent_emb, sent_tokens, wlo, whi) if embs else sent_emb
        if lexical is None:
            source = MemoryPostings(texts, terms)
            source_lengths = source.lengths
        else:
            source, source_lengths = lexical(ids)
        scorer = WindowScorer(source, source_lengths, terms, wlo, whi, sent_article, [x.title for x in articles],
                              title_weight)
        outlet = np.array([x.source for x in articles], dtype=object)
        published = np.array([x.published_ts for x in articles], dtype=np.float64)
        art_dates = [x.published for x in articles]
        years = [d.year for d in art_dates if d]
        return cls(
            articles=articles, sent_ids=ids, sent_text=texts, sent_sep=seps, sent_article=sent_article,
            sent_start=np.array(starts, np.int64), sent_end=np.array(ends, np.int64), sent_tokens=sent_tokens,
            art_lo=art_lo, art_hi=art_hi, wlo=wlo, whi=whi, win_tokens=win_tokens, win_emb=win_emb,
            lookup=lookup, sent_emb=None if lookup is not None else sent_emb,
            scorer=scorer,
            win_outlet=outlet[sent_article] if len(sent_article) else np.array([], dtype=object),
            win_published_ts=published[sent_article] if len(sent_article) else np.array([], np.float64),
            art_dates=art_dates, outlets=sorted({x.source for x in articles if x.source}),
            newest_year=max(years) if years else datetime.now().year,
        )


def _release_memory() -> None:
    """Give the heap freed by a build (the store's rows, the old index) back to the system (glibc only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the process instead
        pass


class SearchIndexHolder:
    """Holds the current SearchIndex; rebuilt lazily after the store changed, cached on disk per manifest state."""

    def __init__(self, store: ChunkStore, manifest: Manifest, unit_tokens: int,
                 title_weight: float, dimension: int = 384, cache: EmbeddingCache | None = None,
                 embedder: Embedder | None = None) -> None:
        """With ``cache`` (and the ``embedder`` whose vectors it holds) sentence vectors are looked up there
        rather than kept in memory; the stored sentences' vectors are added to it when missing."""
        self.store, self.manifest = store, manifest
        self.cache, self.embedder = cache, embedder
        self.unit_tokens, self.title_weight, self.dimension = unit_tokens, title_weight, dimension
        self._index: SearchIndex | None = None
        self._key: str | None = None
        self._lock = threading.Lock()
        # Called before each read: a read replica brings its mirror of the writer's manifest up to date there
        # (indexing/replica.py), which marks this holder stale when it changed.
        self.refresh: Callable[[], object] | None = None

    def mark_stale(self) -> None:
        self._key = None

    def _state_key(self) -> str:
        info = self.manifest.info()
        blob = f"{CACHE_FORMAT}|{info.get('generation', '')}|{info.get('pipeline_version', '')}|{self.unit_tokens}|" \
               f"{self.title_weight}|{self.store.name}"
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def index(self) -> SearchIndex:
        if self.refresh is not None:
            self.refresh()
        key = self._key
        if self._index is not None and key is not None:
            return self._index
        with self._lock:
            key = self._state_key()
            if self._index is None or self._key != key:
                self._index = self._load_or_build(key)
                self._key = key
                _release_memory()
            return self._index

    def _load_or_build(self, key: str) -> SearchIndex:
        # Built from the store, never loaded from a file: a pickle in the index folder would run the code of
        # anyone who can write that folder.
        articles = self.manifest.articles()
        rows = [r for r in self.store.all_rows() if r[2].get("article_id") in articles]
        missing = sentence_terms(self.store, self.manifest, articles)
        if missing:  # an index built before the lexical index existed: its terms are written once
            log.info("adding %d articles to the lexical index", len(missing))
            self.manifest.add_sentences(missing)
        lookup = None
        if self.cache is not None and self.embedder is not None:
            self._fill_cache(rows)
            lookup = self._lookup
        index = SearchIndex.build(rows, self.unit_tokens, self.title_weight, self.dimension, self._stored, lookup)
        index.copies = self._copies({a.id for a in index.articles})
        return index

    def _fill_cache(self, rows: list[tuple[str, str, dict, np.ndarray]]) -> None:
        """Add the stored vectors of sentences the embedding cache lacks (an index built before it existed)."""
        name = self.embedder.name  # type: ignore[union-attr]
        texts = [text for _, text, _, _ in rows]
        if not rows or self.cache.count(name) >= len(set(texts)):  # type: ignore[union-attr]
            return
        found = self.cache.get(name, texts, len(rows[0][3]))  # type: ignore[union-attr]
        missing = [i for i in range(len(rows)) if i not in found]
        if missing:
            self.cache.put(name, [texts[i] for i in missing],  # type: ignore[union-attr]
                           np.vstack([rows[i][3] for i in missing]))

    def _lookup(self, texts: list[str]) -> np.ndarray:
        """Return the vectors of sentence texts from the embedding cache (encoding any it lacks)."""
        embedder = self.embedder
        assert embedder is not None
        dimension = self._index.win_emb.shape[1] if self._index is not None else embedder.dimension
        vectors, _ = encode_cached(embedder.encode, self.cache, embedder.name, dimension, texts)
        return vectors

    def _stored(self, ids: list[str]) -> tuple[PostingSource, np.ndarray]:
        """Return the lexical index's postings mapped to the rows of ``ids``, and each row's number of terms."""
        position = {sid: i for i, sid in enumerate(ids)}
        stored = self.manifest.lexical_rows()
        row_map = np.full(max((r for r, _, _ in stored), default=0) + 1, -1, np.int64)
        lengths = np.zeros(len(ids), np.float32)
        for row, sid, length in stored:
            i = position.get(sid)
            if i is not None:
                row_map[row], lengths[i] = i, length
        return StoredPostings(self.manifest.postings, row_map, self.manifest.lexical_vocabulary), lengths

    def _copies(self, present: set[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Return ``{article id: (group, outlets of the other copies)}`` for the indexed articles with a copy."""
        groups = {a: g for a, g in self.manifest.groups().items() if a in present}
        members: dict[str, list[str]] = {}
        for aid, group in groups.items():
            members.setdefault(group, []).append(aid)
        rows = self.manifest.articles()
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        for group, ids in members.items():
            if len(ids) < 2:
                continue
            for aid in ids:
                mine = rows[aid].source if aid in rows else None
                others = sorted({rows[o].source for o in ids if o != aid and o in rows and rows[o].source
                                 and rows[o].source != mine})
                out[aid] = (group, tuple(others))
        return out
