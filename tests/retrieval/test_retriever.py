"""Unit tests of retrieval: filters, overrides, rank fusion, the per-article cap, outlets, dates and sub-queries
(assistant/retrieval/retriever.py), on hand-made indexes with the bag-of-words FakeEmbedder."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import numpy as np
import pytest

from assistant.retrieval.query import DateMention
from assistant.retrieval.retriever import (
    QueryPlan,
    RetrievalConfig,
    Retrieved,
    Retriever,
    Window,
    filter_mask,
    parse_overrides,
)
from assistant.retrieval.search_index import SearchIndex
from assistant.types import Filters
from tests.fakes import FakeEmbedder, Holder, article_rows, bow_cosine

pytestmark = pytest.mark.unit


# Articles are ordered by id in the index: f1 (row 0), f2 (row 1), r1 (row 2), t1 (row 3); one sentence each, so
# every window is one sentence and no two windows overlap.
R1 = "Police officers must wear police uniforms."
F1 = "The governor spoke about uniforms."
F2 = "Viewers discussed the weather forecast."
T1 = "OpenAI released a model for police departments."


def _news(embedder: FakeEmbedder) -> SearchIndex:
    rows = (
        article_rows("r1", R1, embedder, title="Chicago order", source="Reuters", author="Jane Doe",
                     published_at="2023-11-09T10:00:00+00:00", url="https://example.com/r1")
        + article_rows("f1", F1, embedder, title="Statehouse remarks", source="Fox News",
                       published_at="2023-11-07T10:00:00+00:00")
        + article_rows("f2", F2, embedder, title="Weather", source="Fox News",
                       published_at="2023-10-01T10:00:00+00:00")
        + article_rows("t1", T1, embedder, title="Model launch", source="TechCrunch")
    )
    index = SearchIndex.build(rows, unit_tokens=254, title_weight=1.0, dimension=embedder.dimension)
    embedder.calls.clear()  # count only what retrieval encodes
    return index


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def news(embedder: FakeEmbedder) -> SearchIndex:
    return _news(embedder)


def _retriever(index: SearchIndex, embedder: FakeEmbedder, **config: object) -> Retriever:
    return Retriever(Holder(index), embedder, RetrievalConfig(**config))


def _ts(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


# ---------------------------------------------------------------- filter_mask

SOURCES = np.array(["Reuters", "Fox News", "AP", ""], dtype=object)
PUBLISHED = np.array([_ts(2023, 11, 9, 10), _ts(2023, 11, 7), float("nan"), _ts(2023, 12, 1)])


def test_filter_mask_without_filters_keeps_everything() -> None:
    assert filter_mask(Filters(), SOURCES, PUBLISHED).tolist() == [True, True, True, True]


def test_filter_mask_by_sources() -> None:
    assert filter_mask(Filters(sources=("Reuters", "AP")), SOURCES, PUBLISHED).tolist() == [True, False, True, False]
    assert filter_mask(Filters(sources=("Nobody",)), SOURCES, PUBLISHED).tolist() == [False] * 4


def test_filter_mask_by_date_range_after_inclusive_before_exclusive() -> None:
    after = Filters(published_after=datetime(2023, 11, 9, 10, tzinfo=UTC))
    assert filter_mask(after, SOURCES, PUBLISHED).tolist() == [True, False, False, True]
    before = Filters(published_before=datetime(2023, 11, 9, 10, tzinfo=UTC))
    assert filter_mask(before, SOURCES, PUBLISHED).tolist() == [False, True, False, False]
    both = Filters(published_after=datetime(2023, 11, 1, tzinfo=UTC), published_before=datetime(2023, 11, 30, tzinfo=UTC))
    assert filter_mask(both, SOURCES, PUBLISHED).tolist() == [True, True, False, False]


def test_filter_mask_unknown_dates_fail_a_date_filter() -> None:
    early = Filters(published_after=datetime(1990, 1, 1, tzinfo=UTC))
    late = Filters(published_before=datetime(2100, 1, 1, tzinfo=UTC))
    assert filter_mask(early, SOURCES, PUBLISHED).tolist() == [True, True, False, True]
    assert filter_mask(late, SOURCES, PUBLISHED).tolist() == [True, True, False, True]
    # the unknown date passes a filter on outlets only
    assert filter_mask(Filters(sources=("AP",)), SOURCES, PUBLISHED).tolist() == [False, False, True, False]


def test_filter_mask_combines_sources_and_dates() -> None:
    f = Filters(sources=("Reuters", "Fox News"), published_after=datetime(2023, 11, 8, tzinfo=UTC))
    assert filter_mask(f, SOURCES, PUBLISHED).tolist() == [True, False, False, False]


# ---------------------------------------------------------------- parse_overrides


def test_parse_overrides_defaults_and_values() -> None:
    assert parse_overrides([]) == RetrievalConfig()
    cfg = parse_overrides(["use_dense=false", "depth=50", "rrf_k=60", "w_dense=0.25", "use_bm25=TRUE"])
    assert cfg == dataclasses.replace(RetrievalConfig(), use_dense=False, depth=50, rrf_k=60.0, w_dense=0.25)
    assert isinstance(cfg.rrf_k, float) and isinstance(cfg.depth, int)


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("1", True), ("yes", True), ("Yes", True),
                                            ("false", False), ("0", False), ("no", False), ("NO", False)])
def test_parse_overrides_booleans(raw: str, value: bool) -> None:
    assert parse_overrides([f"use_dates={raw}"]).use_dates is value


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("nonsense=1", "'nonsense=1': expected name=value with a name among use_dense, use_bm25"),
        ("depth", "'depth': expected name=value"),
        ("=3", "'=3': expected name=value"),
        ("depth=abc", "'depth=abc': depth takes a int"),
        ("depth=2.5", "'depth=2.5': depth takes a int"),
        ("use_dense=maybe", "'use_dense=maybe': use_dense takes a bool"),
        ("w_dense=heavy", "'w_dense=heavy': w_dense takes a float"),
    ],
)
def test_parse_overrides_errors_name_the_pair(pair: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_overrides([pair])
    assert str(info.value).startswith(message)


def test_parse_overrides_other_config_class() -> None:
    @dataclasses.dataclass(frozen=True)
    class Other:
        n: int = 3
        name: str = "x"

    assert parse_overrides(["n=7", "name=abc"], Other) == Other(7, "abc")
    with pytest.raises(ValueError, match="expected name=value with a name among n, name"):
        parse_overrides(["depth=1"], Other)


# ---------------------------------------------------------------- _fuse (reciprocal rank fusion)


def test_fuse_sums_weighted_reciprocal_ranks(news: SearchIndex, embedder: FakeEmbedder) -> None:
    r = _retriever(news, embedder, rrf_k=10.0)
    ids, scores = r._fuse([(np.array([3, 1, 2]), 1.0), (np.array([1, 4]), 0.5)])
    expected = {3: 1 / 11, 1: 1 / 12 + 0.5 / 11, 2: 1 / 13, 4: 0.5 / 12}
    assert ids == [1, 3, 2, 4]
    assert scores == pytest.approx([expected[i] for i in ids], rel=1e-12)


def test_fuse_depends_on_rrf_k(news: SearchIndex, embedder: FakeEmbedder) -> None:
    lists = [(np.array([0, 1]), 1.0), (np.array([1, 0]), 1.0), (np.array([2]), 3.0)]
    ids, scores = _retriever(news, embedder, rrf_k=60.0)._fuse(lists)
    # 2: 3/61 = 0.04918; 0 and 1: 1/61 + 1/62 = 0.03252 each (a tie keeps first-seen order)
    assert ids == [2, 0, 1]
    assert scores == pytest.approx([3 / 61, 1 / 61 + 1 / 62, 1 / 61 + 1 / 62], rel=1e-12)
    ids, scores = _retriever(news, embedder, rrf_k=0.0)._fuse(lists)
    assert ids == [2, 0, 1]
    assert scores == pytest.approx([3.0, 1.5, 1.5], rel=1e-12)


def test_fuse_of_nothing(news: SearchIndex, embedder: FakeEmbedder) -> None:
    assert _retriever(news, embedder)._fuse([]) == ([], [])
    assert _retriever(news, embedder)._fuse([(np.array([], np.int64), 1.0)]) == ([], [])


# ---------------------------------------------------------------- _select (per-article cap, no overlaps)


@pytest.fixture
def long_index(embedder: FakeEmbedder) -> SearchIndex:
    # s1: five sentences of 3 tokens; with a budget of 6 the windows are rows (0,1) (1,2) (2,3) (3,4) (3,4).
    # s2: two sentences; windows (5,6) (5,6).
    s1 = "Alpha one two. Beta three four. Gamma five six. Delta seven eight. Epsilon nine ten."
    s2 = "Zeta eleven twelve. Eta thirteen fourteen."
    rows = article_rows("s1", s1, embedder, title="Letters", source="Reuters") + article_rows(
        "s2", s2, embedder, title="More letters", source="AP", published_at="2023-01-02T00:00:00+00:00")
    idx = SearchIndex.build(rows, unit_tokens=6, title_weight=1.0, dimension=embedder.dimension)
    assert list(zip(idx.wlo.tolist(), idx.whi.tolist())) == [(0, 1), (1, 2), (2, 3), (3, 4), (3, 4), (5, 6), (5, 6)]
    return idx


def test_select_skips_windows_that_overlap_a_chosen_one(long_index: SearchIndex, embedder: FakeEmbedder) -> None:
    r = _retriever(long_index, embedder, max_units_per_article=4)
    chosen = r._select([1, 0, 2, 3, 4, 5, 6], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3], long_index, k=10)
    assert [w.rows for w in chosen] == [(1, 2), (3, 4), (5, 6)]
    assert [w.score for w in chosen] == [0.9, 0.6, 0.4]
    # windows that only touch do not overlap
    assert [w.rows for w in r._select([0, 2], [1.0, 0.5], long_index, k=10)] == [(0, 1), (2, 3)]


def test_select_caps_windows_per_article(long_index: SearchIndex, embedder: FakeEmbedder) -> None:
    ids, scores = [0, 2, 3, 5], [0.9, 0.8, 0.7, 0.6]
    assert [w.rows for w in _retriever(long_index, embedder, max_units_per_article=4)._select(
        [0, 2, 5], [0.9, 0.8, 0.6], long_index, k=10)] == [(0, 1), (2, 3), (5, 6)]
    assert [w.rows for w in _retriever(long_index, embedder, max_units_per_article=1)._select(
        ids, scores, long_index, k=10)] == [(0, 1), (5, 6)]
    assert [w.rows for w in _retriever(long_index, embedder, max_units_per_article=2)._select(
        [0, 3, 2, 5], scores, long_index, k=10)] == [(0, 1), (3, 4), (5, 6)]


def test_select_stops_at_k(long_index: SearchIndex, embedder: FakeEmbedder) -> None:
    r = _retriever(long_index, embedder)
    assert [w.rows for w in r._select([0, 2, 5], [3.0, 2.0, 1.0], long_index, k=2)] == [(0, 1), (2, 3)]
    assert r._select([0, 2, 5], [3.0, 2.0, 1.0], long_index, k=0) == []


def test_selected_window_carries_its_text_offsets_and_article(long_index: SearchIndex,
                                                             embedder: FakeEmbedder) -> None:
    (w,) = _retriever(long_index, embedder)._select([1], [0.5], long_index, k=1)
    assert w == Window(
        id="s1-0001..0002", text="Beta three four. Gamma five six.",
        meta={"article_id": "s1", "title": "Letters", "source": "Reuters", "author": "", "published_at": "",
              "url": "", "start": 15, "end": 47, "tokens": 6},
        score=0.5, rows=(1, 2),
    )
    (w,) = _retriever(long_index, embedder)._select([6], [0.25], long_index, k=1)
    assert (w.id, w.text, w.meta["published_at"], w.rows) == (
        "s2-0000..0001", "Zeta eleven twelve. Eta thirteen fourteen.", "2023-01-02T00:00:00+00:00", (5, 6))


# ---------------------------------------------------------------- scores


def test_scores_are_max_normalised_bm25_plus_cosine(news: SearchIndex, embedder: FakeEmbedder) -> None:
    q = "What did the order say about police uniforms?"
    r = _retriever(news, embedder)
    base, best_dense, vector = r._scores(r.plan(q, news), news, None)
    bm25 = news.scorer.scores_multi([q])[:, 0]
    cos = np.array([bow_cosine(q, t) for t in (F1, F2, R1, T1)])
    assert base.shape == (4, 1)
    np.testing.assert_allclose(base[:, 0], bm25 / bm25.max() + cos, rtol=1e-5)
    assert best_dense == pytest.approx(cos.max(), rel=1e-6)
    np.testing.assert_allclose(vector, embedder.vector(q))
    only_dense = _retriever(news, embedder, use_bm25=False)
    np.testing.assert_allclose(only_dense._scores(only_dense.plan(q, news), news, None)[0][:, 0], cos, rtol=1e-5)
    only_bm25 = _retriever(news, embedder, use_dense=False)
    base, best_dense, vector = only_bm25._scores(only_bm25.plan(q, news), news, None)
    np.testing.assert_allclose(base[:, 0], bm25 / bm25.max(), rtol=1e-5)
    assert (best_dense, vector) == (0.0, None)


def test_best_dense_is_taken_among_allowed_windows(news: SearchIndex, embedder: FakeEmbedder) -> None:
    q = "What did the order say about police uniforms?"
    r = _retriever(news, embedder)
    allowed = np.array([True, True, False, False])  # the Fox News windows only
    _, best_dense, _ = r._scores(r.plan(q, news), news, allowed)
    assert best_dense == pytest.approx(bow_cosine(q, F1), rel=1e-6)
    _, best_dense, _ = r._scores(r.plan(q, news), news, np.zeros(4, bool))
    assert best_dense == 0.0


# ---------------------------------------------------------------- retrieve


def test_retrieve_ranks_by_fused_rank(news: SearchIndex, embedder: FakeEmbedder) -> None:
    q = "What did the order say about police uniforms?"
    got = _retriever(news, embedder, rrf_k=10.0).retrieve(q, k=10)
    assert isinstance(got, Retrieved)
    # base order: r1 > f1 > t1; f2 shares no term with the question and is left out
    assert [w.id for w in got.windows] == ["r1-0000..0000", "f1-0000..0000", "t1-0000..0000"]
    assert [w.score for w in got.windows] == pytest.approx([1 / 11, 1 / 12, 1 / 13], rel=1e-12)
    assert got.windows[0].text == R1
    assert got.windows[0].meta == {"article_id": "r1", "title": "Chicago order", "source": "Reuters",
                                   "author": "Jane Doe", "published_at": "2023-11-09T10:00:00+00:00",
                                   "url": "https://example.com/r1", "start": 0, "end": len(R1), "tokens": 6}
    assert got.query == q and got.index is news
    assert got.best_dense == pytest.approx(bow_cosine(q, R1), rel=1e-6)
    np.testing.assert_allclose(got.query_vector, embedder.vector(q))
    assert got.plan == QueryPlan(q, [], [], [])
    assert [w.id for w in _retriever(news, embedder).retrieve(q, k=2).windows] == ["r1-0000..0000", "f1-0000..0000"]


def test_retrieve_on_an_empty_index(embedder: FakeEmbedder) -> None:
    empty = SearchIndex.build([], 254, 1.0, embedder.dimension)
    got = Retriever(Holder(empty), embedder).retrieve("anything about police?")
    assert got == Retrieved([], query="anything about police?")
    assert embedder.calls == []


def test_retrieve_without_dense_does_not_encode(news: SearchIndex, embedder: FakeEmbedder) -> None:
    got = _retriever(news, embedder, use_dense=False).retrieve("What did the order say about police uniforms?")
    assert embedder.calls == []
    assert got.query_vector is None and got.best_dense == 0.0
    # BM25 alone: r1 holds "police" twice and "uniforms"; f1 only "uniforms" and t1 only "police" (same idf), but
    # f1 is the shorter window
    assert [w.id for w in got.windows] == ["r1-0000..0000", "f1-0000..0000", "t1-0000..0000"]


def test_outlet_named_in_the_question_gets_a_restricted_list(news: SearchIndex, embedder: FakeEmbedder) -> None:
    q = "What did Fox News say about police uniforms?"
    r = _retriever(news, embedder, rrf_k=10.0, w_global=0.5)
    plan = r.plan(q, news)
    assert plan.outlets == ["Fox News"] and plan.subqueries == []
    base, _, _ = r._scores(plan, news, None)
    assert base[2, 0] > base[0, 0] > base[3, 0] > 0.0 == base[1, 0]  # r1 > f1 > t1; f2 matches nothing
    lists = r._lists(plan, base, news, None)
    assert [(top.tolist(), weight) for top, weight in lists] == [([0], 1.0), ([2, 0, 3], 0.5)]
    got = r.retrieve(q)
    # f1: rank 1 of the Fox News list + rank 2 of the whole list at half weight
    assert [w.id for w in got.windows] == ["f1-0000..0000", "r1-0000..0000", "t1-0000..0000"]
    assert [w.score for w in got.windows] == pytest.approx([1 / 11 + 0.5 / 12, 0.5 / 11, 0.5 / 13], rel=1e-12)
    # with outlets switched off the better-matching Reuters window comes first
    plain = _retriever(news, embedder, use_outlets=False).retrieve(q)
    assert plain.plan.outlets == []
    assert plain.windows[0].id == "r1-0000..0000"


def test_sub_queries_get_lists_restricted_to_their_outlets(news: SearchIndex, embedder: FakeEmbedder) -> None:
    q = "What did Reuters say about police uniforms, and what did Fox News say about the governor?"
    r = _retriever(news, embedder, w_sub=0.75, w_global=0.5)
    plan = r.plan(q, news)
    assert plan.outlets == ["Reuters", "Fox News"]
    assert [(s.text, s.outlets) for s in plan.subqueries] == [
        ("What did Reuters say about police uniforms", ["Reuters"]),
        ("what did Fox News say about the governor", ["Fox News"]),
    ]
    base, _, _ = r._scores(plan, news, None)
    assert base.shape == (4, 3)
    assert embedder.calls[-1] == [q, plan.subqueries[0].text, plan.subqueries[1].text]
    lists = r._lists(plan, base, news, None)
    assert [weight for _, weight in lists] == [1.0, 1.0, 0.5, 0.75, 0.75]
    assert [sorted({news.win_outlet[i] for i in top}) for top, _ in lists] == [
        ["Reuters"], ["Fox News"], ["Fox News", "Reuters", "TechCrunch"], ["Reuters"], ["Fox News"],
    ]
    got = r.retrieve(q)
    assert {w.meta["source"] for w in got.windows[:2]} == {"Reuters", "Fox News"}


def test_sub_queries_encoded_only_when_asked(news: SearchIndex, embedder: FakeEmbedder) -> None:
    q = "What did Reuters say about police uniforms, and what did Fox News say about the governor?"
    r = _retriever(news, embedder, dense_subqueries=False)
    base, _, _ = r._scores(r.plan(q, news), news, None)
    assert embedder.calls == [[q]]
    bm25 = news.scorer.scores_multi([r.plan(q, news).subqueries[0].text])[:, 0]
    np.testing.assert_allclose(base[:, 1], bm25 / bm25.max(), rtol=1e-5)  # BM25 only for the sub-query
    assert _retriever(news, embedder, use_subqueries=False).plan(q, news).subqueries == []


def test_filters_restrict_every_list(news: SearchIndex, embedder: FakeEmbedder) -> None:
    q = "What did the order say about police uniforms?"
    r = _retriever(news, embedder)
    got = r.retrieve(q, filters=Filters(sources=("Fox News",)))
    assert [w.id for w in got.windows] == ["f1-0000..0000"]  # f2 matches nothing
    assert got.best_dense == pytest.approx(bow_cosine(q, F1), rel=1e-6)
    got = r.retrieve(q, filters=Filters(published_after=datetime(2023, 11, 8, tzinfo=UTC)))
    assert [w.id for w in got.windows] == ["r1-0000..0000"]  # t1 has no date: it fails the date filter
    got = r.retrieve(q, filters=Filters(published_before=datetime(2023, 11, 9, 10, tzinfo=UTC)))
    assert [w.id for w in got.windows] == ["f1-0000..0000"]  # before is exclusive
    got = r.retrieve(q, filters=Filters(sources=("Nobody",)))
    assert got.windows == [] and got.best_dense == 0.0
    # an empty Filters is no filter
    assert [w.id for w in r.retrieve(q, filters=Filters()).windows] == [w.id for w in r.retrieve(q).windows]


# ---------------------------------------------------------------- dates


@pytest.fixture
def dated(embedder: FakeEmbedder) -> SearchIndex:
    text = "The council approved the new budget."
    rows = (
        article_rows("d1", text, embedder, title="Budget", source="AP", published_at="2023-11-09T12:00:00+00:00")
        + article_rows("d2", text, embedder, title="Budget", source="AP", published_at="2023-11-20T12:00:00+00:00")
        + article_rows("d3", text, embedder, title="Budget", source="AP", published_at="2023-11-10T12:00:00+00:00")
        + article_rows("d4", text, embedder, title="Budget", source="AP")
        + article_rows("x1", "Rain is expected tomorrow.", embedder, title="Weather", source="AP",
                       published_at="2023-11-09T12:00:00+00:00")
    )
    index = SearchIndex.build(rows, unit_tokens=254, title_weight=1.0, dimension=embedder.dimension)
    embedder.calls.clear()
    return index


def test_date_boost_multiplies_scores_of_articles_published_on_the_named_date(dated: SearchIndex,
                                                                            embedder: FakeEmbedder) -> None:
    q = "What did the council approve on November 9, 2023?"
    boosted = _retriever(dated, embedder, date_boost=0.3)
    plan = boosted.plan(q, dated)
    assert plan.dates == [DateMention(32, 48, date(2023, 11, 9), date(2023, 11, 9), "on")]
    with_boost, _, _ = boosted._scores(plan, dated, None)
    without, _, _ = _retriever(dated, embedder, date_boost=0.0)._scores(plan, dated, None)
    assert (without[:4, 0] > 0).all() and without[4, 0] == 0.0
    # d1 (the day) and d3 (one day later: the slack) are boosted; d2 and the undated d4 are not
    np.testing.assert_allclose(with_boost[:4, 0] / without[:4, 0], [1.3, 1.0, 1.3, 1.0], rtol=1e-6)
    assert with_boost[4, 0] == 0.0  # a boost multiplies: the dated weather article still scores nothing
    strict = _retriever(dated, embedder, date_slack_days=0)
    s_base, _, _ = strict._scores(plan, dated, None)
    np.testing.assert_allclose(s_base[:4, 0] / without[:4, 0], [1.3, 1.0, 1.0, 1.0], rtol=1e-6)


def test_date_boost_puts_the_dated_article_first(dated: SearchIndex, embedder: FakeEmbedder) -> None:
    got = _retriever(dated, embedder, date_slack_days=0).retrieve("What did the council approve on November 20?")
    assert got.plan.dates[0].first == date(2023, 11, 20)  # the year is the newest in the index
    assert got.windows[0].meta["article_id"] == "d2"
    assert got.windows[0].score == pytest.approx(1 / 11, rel=1e-12)
    assert len(got.windows) == 4  # the weather article shares no term
    off = _retriever(dated, embedder, use_dates=False).plan("What did the council approve on November 20?", dated)
    assert off.dates == []


def test_date_named_with_before_boosts_only_that_date(dated: SearchIndex, embedder: FakeEmbedder) -> None:
    r = _retriever(dated, embedder, date_slack_days=0)
    q = "What did the council approve before November 20, 2023?"
    plan = r.plan(q, dated)
    assert plan.dates[0].relation == "before"
    with_boost, _, _ = r._scores(plan, dated, None)
    without, _, _ = _retriever(dated, embedder, use_dates=False)._scores(plan, dated, None)
    np.testing.assert_allclose(with_boost[:4, 0] / without[:4, 0], [1.0, 1.3, 1.0, 1.0], rtol=1e-6)


# ---------------------------------------------------------------- known bug


def test_every_matching_window_is_a_candidate_when_the_index_is_smaller_than_depth(embedder: FakeEmbedder) -> None:
    rows = (article_rows("a", "Police officers must wear uniforms.", embedder, source="Reuters")
            + article_rows("b", "Police chiefs praised the new uniforms.", embedder, source="AP"))
    index = SearchIndex.build(rows, 254, 1.0, embedder.dimension)
    got = Retriever(Holder(index), embedder).retrieve("police uniforms", k=10)
    assert sorted(w.meta["article_id"] for w in got.windows) == ["a", "b"]
