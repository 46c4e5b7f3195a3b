"""Retrieval built for news: sentence windows scored by BM25 and by dense similarity, fused by rank over the whole
question, each outlet it names and each of its clauses; articles published on a date it names are boosted; at most a
few non-overlapping windows per article. The same retrieval serves `ask`, the UI, the API and the evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..indexing.embedding import Embedder
from ..types import Filters
from .query import DateMention, SubQuery, date_match, detect_outlets, mentioned_outlets, parse_dates, split_subqueries
from .search_index import SearchIndex, SearchIndexHolder


def filter_mask(filters: Filters, sources: np.ndarray, published_ts: np.ndarray) -> np.ndarray:
    """Return a boolean mask of the rows that pass ``filters`` (unknown dates fail a date filter)."""
    keep = np.ones(len(sources), dtype=bool)
    if filters.sources:
        keep &= np.isin(sources, list(filters.sources))
    with np.errstate(invalid="ignore"):
        if filters.published_after is not None:
            keep &= published_ts >= filters.published_after.timestamp()
        if filters.published_before is not None:
            keep &= published_ts < filters.published_before.timestamp()
    return keep


@dataclass(frozen=True)
class Window:
    """A retrieved unit: a run of whole sentences of one article around a sentence that matched the question.

    ``id`` is its span id (<article id>-<first>..<last>); ``rows`` its first and last sentence rows in the search
    index; ``meta`` its article's metadata and offsets (start, end, tokens)."""

    id: str
    text: str
    meta: dict
    score: float
    rows: tuple[int, int]


@dataclass(frozen=True)
class RetrievalConfig:
    """Every switch and weight of retrieval (tuned on the MultiHop-RAG dev split; see benchmarks/RESULTS.md)."""

    use_dense: bool = True  # window cosine beside BM25
    use_bm25: bool = True
    use_outlets: bool = True  # outlet-filtered lists for outlets named in the question
    use_dates: bool = True  # boost articles published on a date the question names
    use_subqueries: bool = True  # clause-level sub-queries
    dense_subqueries: bool = True  # encode the sub-queries too (else: whole question only)
    w_dense: float = 1.0  # weight of the window cosine next to max-normalised BM25
    w_global: float = 0.5  # RRF weight of the unfiltered whole-question list when outlets are named
    w_sub: float = 1.0  # RRF weight of each sub-query list
    rrf_k: float = 10.0
    depth: int = 200  # windows taken from each list into the fusion
    date_boost: float = 0.3  # multiplicative boost of windows of articles published on a named date
    date_slack_days: int = 1
    max_units_per_article: int = 4
    unit_tokens: int = 254  # every unit <= this many tokens (+ [CLS]/[SEP] = 256)
    title_weight: float = 1.0  # the title's terms count this many times in every window of its article


def parse_overrides(pairs: Sequence[str], cls: type = None) -> object:  # type: ignore[assignment]
    """Return a config dataclass (RetrievalConfig by default) with ``name=value`` overrides ("use_dense=false").

    Raises ValueError naming an unknown field or a value of the wrong type."""
    import dataclasses

    cls = cls or RetrievalConfig
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or name not in fields:
            raise ValueError(f"{pair!r}: expected name=value with a name among {', '.join(fields)}")
        kind = type(getattr(cls(), name))
        try:
            if kind is bool:
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError
                values[name] = raw.lower() in ("true", "1", "yes")
            else:
                values[name] = kind(raw)
        except ValueError:
            raise ValueError(f"{pair!r}: {name} takes a {kind.__name__}") from None
    return cls(**values)


@dataclass
class QueryPlan:
    query: str
    outlets: list[str]
    dates: list[DateMention]
    subqueries: list[SubQuery] = field(default_factory=list)


@dataclass
class Retrieved:
    """Units found for a question, best first, with the signals the answering step uses."""

    windows: list[Window]
    best_dense: float = 0.0  # highest cosine similarity of any allowed window to the whole question
    query: str = ""
    plan: QueryPlan | None = None
    query_vector: np.ndarray | None = None
    index: SearchIndex | None = None


class Retriever:
    """Finds the windows that answer a question. Thread-safe; one instance serves every interface."""

    def __init__(self, holder: SearchIndexHolder, embedder: Embedder, config: RetrievalConfig | None = None) -> None:
        self.holder = holder
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self._encoder = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-encoder")

    def plan(self, query: str, index: SearchIndex) -> QueryPlan:
        """Return the outlets, dates and clause sub-queries of a question (each part can be switched off)."""
        cfg = self.config
        mentions = detect_outlets(query, index.outlets) if cfg.use_outlets else []
        dates = parse_dates(query, index.newest_year) if cfg.use_dates else []
        subs = split_subqueries(query, mentions, dates) if cfg.use_subqueries else []
        return QueryPlan(query, mentioned_outlets(mentions), dates, subs if len(subs) > 1 else [])

    def _scores(self, plan: QueryPlan, index: SearchIndex,
                allowed: np.ndarray | None) -> tuple[np.ndarray, float, np.ndarray | None]:
        """Return (n_windows, 1 + n_subqueries) base scores, the best whole-question cosine among the allowed
        windows, and the question's vector."""
        cfg = self.config
        texts = [plan.query] + [s.text for s in plan.subqueries]
        base = np.zeros((len(index), len(texts)), np.float32)
        dense_on = cfg.use_dense and len(index)
        # BM25 runs on this thread while the encoder computes the question's vectors on another (it releases the
        # GIL): the two overlap instead of adding up.
        encoding = self._encoder.submit(self.embedder.encode, texts if cfg.dense_subqueries else texts[:1]) \
            if dense_on else None
        if cfg.use_bm25:
            bm25 = index.scorer.scores_multi(texts)
            base += bm25 / (bm25.max(axis=0, keepdims=True) + 1e-9)
        best_dense, vector = 0.0, None
        if encoding is not None:
            vectors = encoding.result()
            encoded = texts[: len(vectors)]
            vector = vectors[0]
            dense = index.win_emb @ vectors.T
            whole = dense[:, 0] if allowed is None else dense[allowed, 0]
            best_dense = float(whole.max()) if len(whole) else 0.0
            base[:, : len(encoded)] += cfg.w_dense * dense
        if cfg.use_dates and plan.dates and cfg.date_boost:
            ok = np.array([d is not None and any(date_match(d, m, cfg.date_slack_days) for m in plan.dates)
                           for d in index.art_dates])
            base *= (1.0 + cfg.date_boost * ok[index.sent_article])[:, None]
        return base, best_dense, vector

    def _lists(self, plan: QueryPlan, base: np.ndarray, index: SearchIndex,
               allowed: np.ndarray | None) -> list[tuple[np.ndarray, float]]:
        cfg = self.config
        specs: list[tuple[int, np.ndarray | None, float]] = []
        if plan.outlets:
            specs += [(0, index.outlet_mask([outlet]), 1.0) for outlet in plan.outlets]
            specs.append((0, None, cfg.w_global))
        else:
            specs.append((0, None, 1.0))
        for j, sub in enumerate(plan.subqueries, start=1):
            outlets = sub.outlets or plan.outlets
            specs.append((j, index.outlet_mask(outlets) if outlets else None, cfg.w_sub))
        lists = []
        for column, mask, weight in specs:
            if allowed is not None:
                mask = allowed if mask is None else mask & allowed
            scores = base[:, column] if mask is None else np.where(mask, base[:, column], -np.inf)
            if len(scores) <= cfg.depth:
                top = np.arange(len(scores))
            else:
                top = np.argpartition(-scores, cfg.depth)[:cfg.depth]
            top = top[np.argsort(-scores[top], kind="stable")]
            lists.append((top[np.isfinite(scores[top]) & (scores[top] > 0)], weight))
        return lists

    def _fuse(self, lists: list[tuple[np.ndarray, float]]) -> tuple[list[int], list[float]]:
        fused: dict[int, float] = {}
        for top, weight in lists:
            for rank, w in enumerate(top.tolist()):
                fused[w] = fused.get(w, 0.0) + weight / (self.config.rrf_k + rank + 1)
        order = sorted(fused, key=lambda w: -fused[w])
        return order, [fused[w] for w in order]

    def _select(self, ids: Sequence[int], scores: Sequence[float], index: SearchIndex, k: int) -> list[Window]:
        """Greedy: at most ``max_units_per_article`` windows per article, never two overlapping ones. Syndicated
        copies count as one article: the copy that ranks first stands for its group, the others take no slot."""
        chosen: list[Window] = []
        taken: dict[int, list[tuple[int, int]]] = {}
        speaker: dict[str, int] = {}  # syndication group -> the article row that stands for it
        for w, score in zip(ids, scores):
            if len(chosen) >= k:
                break
            article = int(index.sent_article[w])
            if index.copies and speaker.setdefault(index.group_of(article), article) != article:
                continue
            spans = taken.setdefault(article, [])
            lo, hi = int(index.wlo[w]), int(index.whi[w])
            if len(spans) >= self.config.max_units_per_article or any(not (hi < a or lo > b) for a, b in spans):
                continue
            spans.append((lo, hi))
            chosen.append(self._unit(index, w, score))
        return chosen

    @staticmethod
    def _unit(index: SearchIndex, w: int, score: float) -> Window:
        info = index.articles[int(index.sent_article[w])]
        start, end, text = index.window_text(w)
        lo, hi = int(index.wlo[w]), int(index.whi[w])
        meta = {"article_id": info.id, "title": info.title, "source": info.source, "author": info.author,
                "published_at": info.published_at, "url": info.url, "start": start, "end": end,
                "tokens": int(index.win_tokens[w])}
        if info.id in index.copies:  # a syndicated story: its group and the outlets of the other copies
            meta["group"], meta["also_published_by"] = index.group_of(int(index.sent_article[w])), \
                index.also_published_by(info.id)
        return Window(f"{index.sent_ids[lo]}..{index.sent_ids[hi].rsplit('-', 1)[-1]}", text, meta, score, (lo, hi))

    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> Retrieved:
        """Return the ``k`` best units (windows of whole sentences) for ``question`` under ``filters``."""
        index = self.holder.index
        if not len(index):
            return Retrieved([], query=question)
        plan = self.plan(question, index)
        allowed = None
        if filters is not None and not filters.empty:
            allowed = filter_mask(filters, index.win_outlet, index.win_published_ts)
        base, best_dense, vector = self._scores(plan, index, allowed)
        ids, scores = self._fuse(self._lists(plan, base, index, allowed))
        return Retrieved(self._select(ids, scores, index, k), best_dense=best_dense, query=question, plan=plan,
                         query_vector=vector, index=index)
