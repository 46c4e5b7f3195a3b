"""Unit tests of the in-memory search index built from stored rows (assistant/retrieval/search_index.py)."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime

import numpy as np
import pytest

from assistant.retrieval.search_index import ArticleRef, SearchIndex
from assistant.retrieval.windows import window_embeddings
from tests.fakes import FakeEmbedder, article_rows

pytestmark = pytest.mark.unit

BODY_A = ("Chicago police must wear official uniforms.  The order was signed on Thursday.\n\n"
          "Officers objected to the rule.")
BODY_B = "The governor praised the new police uniforms. Chicago officials disagreed with the governor."
BODY_C = "OpenAI released a new model. Microsoft invested in OpenAI. Investors cheered the deal."


@pytest.fixture(scope="module")
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="module")
def rows(embedder: FakeEmbedder) -> list:
    a = article_rows("aaa", BODY_A, embedder, title="Chicago police order", source="Reuters", author="Jane Doe",
                     published_at="2023-11-09T10:00:00+00:00", url="https://example.com/a")
    b = article_rows("bbb", BODY_B, embedder, title="Governor backs uniforms", source="Fox News",
                     published_at="2022-05-01T08:30:00+00:00")
    c = article_rows("ccc", BODY_C, embedder, title="OpenAI deal", source="")
    out = c + b + a
    random.Random(7).shuffle(out)  # the store returns rows in no particular order
    return out


@pytest.fixture(scope="module")
def index(rows: list, embedder: FakeEmbedder) -> SearchIndex:
    return SearchIndex.build(rows, unit_tokens=12, title_weight=1.0, dimension=embedder.dimension)


def test_rows_are_grouped_by_article_in_id_order_and_sentence_order(index: SearchIndex) -> None:
    assert [a.id for a in index.articles] == ["aaa", "bbb", "ccc"]
    assert index.sent_ids == ["aaa-0000", "aaa-0001", "aaa-0002", "bbb-0000", "bbb-0001",
                              "ccc-0000", "ccc-0001", "ccc-0002"]
    assert index.sent_article.tolist() == [0, 0, 0, 1, 1, 2, 2, 2]
    assert index.art_lo.tolist() == [0, 3, 5]
    assert index.art_hi.tolist() == [3, 5, 8]
    assert len(index) == 8
    assert index.sent_text[:3] == ["Chicago police must wear official uniforms.", "The order was signed on Thursday.",
                                   "Officers objected to the rule."]
    assert index.sent_sep[:3] == ["", "  ", "\n\n"]
    assert index.sent_start[:3].tolist() == [0, 45, 80]
    assert index.sent_end[:3].tolist() == [43, 78, 110]
    assert index.sent_tokens.tolist() == [6, 6, 5, 7, 6, 5, 4, 4]


def test_article_metadata(index: SearchIndex) -> None:
    assert index.articles[0] == ArticleRef("aaa", "Chicago police order", "Reuters", "Jane Doe",
                                           "2023-11-09T10:00:00+00:00", "https://example.com/a")
    assert index.articles[2] == ArticleRef("ccc", "OpenAI deal", "", "", "", "")  # unknown values are ''
    assert index.articles[0].published == date(2023, 11, 9)
    assert index.articles[0].published_ts == datetime(2023, 11, 9, 10, tzinfo=UTC).timestamp()
    assert index.articles[2].published is None
    assert math.isnan(index.articles[2].published_ts)
    assert index.art_dates == [date(2023, 11, 9), date(2022, 5, 1), None]
    assert index.outlets == ["Fox News", "Reuters"]  # sorted, the unknown outlet left out
    assert index.newest_year == 2023


def test_per_window_outlet_and_date(index: SearchIndex) -> None:
    assert index.win_outlet.tolist() == ["Reuters"] * 3 + ["Fox News"] * 2 + [""] * 3
    ts_a = datetime(2023, 11, 9, 10, tzinfo=UTC).timestamp()
    ts_b = datetime(2022, 5, 1, 8, 30, tzinfo=UTC).timestamp()
    assert index.win_published_ts[:5].tolist() == [ts_a] * 3 + [ts_b] * 2
    assert np.isnan(index.win_published_ts[5:]).all()


def test_windows_follow_the_token_budget_inside_each_article(index: SearchIndex) -> None:
    # tokens a: 6 6 5, b: 7 6, c: 5 4 4 with a budget of 12
    assert index.wlo.tolist() == [0, 1, 1, 3, 4, 5, 6, 6]
    assert index.whi.tolist() == [1, 2, 2, 3, 4, 6, 7, 7]
    assert index.win_tokens.tolist() == [12, 11, 11, 7, 6, 9, 8, 8]
    for w in range(len(index)):
        assert index.win_tokens[w] == index.sent_tokens[index.wlo[w]:index.whi[w] + 1].sum()


def test_window_budget_is_never_exceeded_unless_one_sentence_exceeds_it(rows: list, embedder: FakeEmbedder) -> None:
    idx = SearchIndex.build(rows, unit_tokens=10, title_weight=1.0, dimension=embedder.dimension)
    for w in range(len(idx)):
        assert idx.win_tokens[w] <= 10 or idx.wlo[w] == idx.whi[w]
        assert idx.sent_article[idx.wlo[w]] == idx.sent_article[idx.whi[w]] == idx.sent_article[w]


def test_embeddings(index: SearchIndex, rows: list, embedder: FakeEmbedder) -> None:
    by_id = {cid: emb for cid, _, _, emb in rows}
    expected = np.vstack([by_id[i] for i in index.sent_ids])
    np.testing.assert_array_equal(index.sent_emb, expected)
    assert index.sent_emb.dtype == np.float32
    np.testing.assert_allclose(index.win_emb, window_embeddings(expected, index.sent_tokens, index.wlo, index.whi))
    np.testing.assert_allclose(np.linalg.norm(index.win_emb, axis=1), np.ones(len(index)), rtol=1e-6)


@pytest.mark.parametrize(("article", "body"), [(0, BODY_A), (1, BODY_B), (2, BODY_C)])
def test_span_text_is_the_article_text_between_its_offsets(index: SearchIndex, article: int, body: str) -> None:
    lo, hi = int(index.art_lo[article]), int(index.art_hi[article])
    for first in range(lo, hi):
        for last in range(first, hi):
            start, end, text = index.span_text(first, last)
            assert text == body[start:end]
            assert (start, end) == (index.sent_start[first], index.sent_end[last])
    assert index.span_text(lo, hi - 1) == (0, len(body), body)


def test_window_text(index: SearchIndex) -> None:
    assert index.window_text(1) == (45, 110, "The order was signed on Thursday.\n\nOfficers objected to the rule.")
    assert index.window_text(0) == (0, 78, BODY_A[:78])
    assert BODY_A[:78] == "Chicago police must wear official uniforms.  The order was signed on Thursday."
    for w in range(len(index)):
        assert index.window_text(w) == index.span_text(int(index.wlo[w]), int(index.whi[w]))


def test_missing_separator_and_token_count_have_defaults() -> None:
    rows = [
        ("x-0001", "Second sentence here.", {"article_id": "x", "chunk": 1, "start": 16, "end": 37}, np.ones(2)),
        ("x-0000", "First one.", {"article_id": "x", "chunk": 0, "start": 0, "end": 10, "tokens": 0}, np.ones(2)),
    ]
    idx = SearchIndex.build(rows, unit_tokens=50, title_weight=0.0, dimension=2)
    assert idx.sent_ids == ["x-0000", "x-0001"]
    assert idx.sent_tokens.tolist() == [2, 3]  # no token count: the number of words
    assert idx.span_text(0, 1) == (0, 37, "First one. Second sentence here.")  # no separator: one space
    assert idx.articles[0] == ArticleRef("x", "", "", "", "", "")
    assert idx.outlets == []
    assert idx.newest_year == datetime.now().year  # no dates at all


def test_knows_and_idf_use_stemmed_sentence_terms(index: SearchIndex) -> None:
    n = len(index)
    assert index.knows("polic")  # "police" stemmed
    assert not index.knows("police")
    assert index.knows("openai")
    assert not index.knows("zebra")
    assert index.scorer.document_frequency("deal") == 1
    # "uniform" is in two sentences, "thursday" in one; titles add nothing to sentence frequencies
    assert index.idf("uniform") == pytest.approx(math.log1p((n - 2 + 0.5) / 2.5), rel=1e-6)
    assert index.idf("thursday") == pytest.approx(math.log1p((n - 1 + 0.5) / 1.5), rel=1e-6)
    assert index.idf("zebra") == pytest.approx(math.log1p((n + 0.5) / 0.5), rel=1e-6)
    assert index.idf("zebra") > index.idf("thursday") > index.idf("uniform")


def test_title_weight_reaches_the_scorer(rows: list, embedder: FakeEmbedder) -> None:
    plain = SearchIndex.build(rows, 12, 0.0, embedder.dimension)
    titled = SearchIndex.build(rows, 12, 1.0, embedder.dimension)
    # "deal" is in article c's title and its last sentence; with the title every window of c holds it
    s_plain = plain.scorer.scores_multi(["deal"])[:, 0]
    s_titled = titled.scorer.scores_multi(["deal"])[:, 0]
    assert s_plain[5] == 0.0 and s_titled[5] > 0.0
    assert (s_plain[:5] == 0).all() and (s_titled[:5] == 0).all()


def test_empty_index() -> None:
    idx = SearchIndex.build([], unit_tokens=254, title_weight=1.0, dimension=8)
    assert len(idx) == 0
    assert idx.sent_emb.shape == (0, 8) and idx.win_emb.shape == (0, 8)
    assert idx.articles == [] and idx.outlets == []
    assert not idx.knows("anything")
