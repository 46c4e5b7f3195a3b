"""Unit tests of sentence windows, window embeddings and window BM25 (assistant/retrieval/windows.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.retrieval.lexical import WindowScorer
from assistant.retrieval.windows import sentence_windows, window_embeddings

pytestmark = pytest.mark.unit


def _windows(tokens: list[int], articles: list[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    lo, hi = sentence_windows(np.array(tokens, np.int32), np.array([a for a, _ in articles], np.int32),
                              np.array([b for _, b in articles], np.int32), max_tokens)
    assert lo.dtype == np.int32 and hi.dtype == np.int32
    return list(zip(lo.tolist(), hi.tolist()))


# ---------------------------------------------------------------- sentence_windows


def test_windows_grow_on_the_side_that_has_grown_less() -> None:
    # five sentences of one token: a budget of 3 gives the sentence and one neighbour on each side
    assert _windows([1, 1, 1, 1, 1], [(0, 5)], 3) == [(0, 2), (0, 2), (1, 3), (2, 4), (2, 4)]
    # a budget of 4: after, before, then after again (ties go to what follows)
    assert _windows([1, 1, 1, 1, 1], [(0, 5)], 4) == [(0, 3), (0, 3), (1, 4), (1, 4), (1, 4)]


def test_windows_balance_by_tokens_not_by_sentences() -> None:
    # centre 2 (2 tokens): grows after (+5 -> 7), then before (+1 -> 8), then before again since fewer tokens were
    # added before (1) than after (5): +1 -> 9, then nothing fits.
    assert _windows([1, 1, 2, 5, 1], [(0, 5)], 9)[2] == (0, 3)


def test_windows_respect_the_token_budget() -> None:
    tokens = [3, 5, 2, 4]
    got = _windows(tokens, [(0, 4)], 10)
    assert got == [(0, 2), (0, 2), (2, 3), (2, 3)]
    for lo, hi in got:
        assert sum(tokens[lo:hi + 1]) <= 10


def test_window_of_an_oversized_sentence_is_the_sentence_alone() -> None:
    assert _windows([3, 20, 3], [(0, 3)], 10) == [(0, 0), (1, 1), (2, 2)]


def test_windows_never_cross_an_article_boundary() -> None:
    # two articles: rows 0-2 and rows 3-4; a generous budget still stops at each article's edge
    got = _windows([1, 1, 1, 1, 1], [(0, 3), (3, 5)], 100)
    assert got == [(0, 2), (0, 2), (0, 2), (3, 4), (3, 4)]
    # one-sentence articles: every window is its sentence
    assert _windows([2, 2, 2], [(0, 1), (1, 2), (2, 3)], 100) == [(0, 0), (1, 1), (2, 2)]


def test_windows_of_no_sentences() -> None:
    assert _windows([], [], 10) == []


# ---------------------------------------------------------------- window_embeddings


def test_window_embeddings_are_token_weighted_unit_means() -> None:
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], np.float32)
    tokens = np.array([1, 3, 2], np.int32)
    wlo, whi = np.array([0, 2, 0], np.int32), np.array([1, 2, 2], np.int32)
    got = window_embeddings(emb, tokens, wlo, whi)
    assert got.dtype == np.float32
    # window 0: 1*(1,0) + 3*(0,1) = (1,3) / sqrt(10)
    # window 1: the sentence itself
    # window 2: (1,0) + (0,3) + (1.2,1.6) = (2.2,4.6) / sqrt(2.2^2 + 4.6^2)
    n2 = math.hypot(2.2, 4.6)
    expected = np.array([[1 / math.sqrt(10), 3 / math.sqrt(10)], [0.6, 0.8], [2.2 / n2, 4.6 / n2]])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), [1.0, 1.0, 1.0], rtol=1e-6)


def test_window_embedding_of_a_single_sentence_window_is_its_normalised_embedding() -> None:
    emb = np.array([[3.0, 4.0, 0.0]], np.float32)
    got = window_embeddings(emb, np.array([7], np.int32), np.array([0], np.int32), np.array([0], np.int32))
    np.testing.assert_allclose(got, [[0.6, 0.8, 0.0]], rtol=1e-6)


# ---------------------------------------------------------------- WindowScorer

SENTENCES = ["apple banana", "banana cherry cherry", "date", "apple date egg", "fig"]
ARTICLE = np.array([0, 0, 0, 1, 1])
TITLES = ["apple pie", "fig fig"]  # "pie" is in no sentence
WLO = np.array([0, 0, 1, 3, 4])
WHI = np.array([1, 2, 2, 3, 4])


def tokenize(text: str) -> list[str]:
    return text.lower().split()


def _scorer(title_weight: float = 0.5, k1: float = 1.2, b: float = 0.75) -> WindowScorer:
    return WindowScorer.from_texts(SENTENCES, tokenize, WLO, WHI, ARTICLE, TITLES, title_weight, k1, b)


def reference_bm25(query: str, title_weight: float, k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 over the windows, written out independently of the implementation."""
    sents = [tokenize(s) for s in SENTENCES]
    vocab = {w for s in sents for w in s}
    n = len(sents)
    titles = [[w for w in tokenize(t) if w in vocab] for t in TITLES]

    def idf(term: str) -> float:
        df = sum(1 for s in sents if term in s)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    lengths, tfs = [], []
    for c in range(n):
        words = [w for s in sents[WLO[c]:WHI[c] + 1] for w in s]
        title = titles[ARTICLE[c]]
        lengths.append(len(words) + title_weight * len(title))
        tfs.append({t: words.count(t) + title_weight * title.count(t) for t in vocab})
    avgdl = sum(lengths) / n
    scores = []
    for c in range(n):
        total = 0.0
        for term in tokenize(query):
            if term not in vocab:
                continue
            tf = tfs[c][term]
            total += idf(term) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[c] / avgdl))
        scores.append(total)
    return scores


@pytest.mark.parametrize("title_weight", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("query", ["cherry", "banana", "apple date", "fig", "egg banana fig", "apple apple"])
def test_bm25_matches_an_independent_computation(query: str, title_weight: float) -> None:
    got = _scorer(title_weight).scores_multi([query])
    assert got.shape == (5, 1)
    np.testing.assert_allclose(got[:, 0], reference_bm25(query, title_weight), rtol=1e-5, atol=1e-7)


def test_bm25_one_value_by_hand() -> None:
    # title_weight 0: window lengths are 5 (rows 0-1), 6 (rows 0-2), 4 (rows 1-2), 3 (row 3), 1 (row 4); avgdl 3.8.
    # "cherry": df 1 of 5 sentences, idf = ln(1 + 4.5/1.5) = ln 4; window 2 (rows 1-2) holds it twice.
    got = _scorer(0.0).scores_multi(["cherry"])[:, 0]
    norm = 1.2 * (1 - 0.75 + 0.75 * 4 / 3.8)
    expected_w2 = math.log(4) * 2 * 2.2 / (2 + norm)
    assert got[2] == pytest.approx(expected_w2, rel=1e-6)
    assert got[3] == 0.0 and got[4] == 0.0


def test_bm25_several_queries_at_once_equal_one_at_a_time() -> None:
    scorer = _scorer(0.5)
    queries = ["cherry", "apple date", "nothing here", "fig"]
    together = scorer.scores_multi(queries)
    assert together.shape == (5, 4)
    for j, q in enumerate(queries):
        np.testing.assert_allclose(together[:, j], scorer.scores_multi([q])[:, 0], rtol=1e-6)


def test_bm25_repeated_query_term_counts_twice() -> None:
    scorer = _scorer(0.5)
    np.testing.assert_allclose(scorer.scores_multi(["cherry cherry"])[:, 0],
                               2 * scorer.scores_multi(["cherry"])[:, 0], rtol=1e-6)


def test_title_terms_count_in_every_window_of_the_article() -> None:
    # "fig" is in the title of article 1 (twice) and in its row 4 only
    without = _scorer(0.0).scores_multi(["fig"])[:, 0]
    with_title = _scorer(1.0).scores_multi(["fig"])[:, 0]
    assert without[3] == 0.0  # row 3 does not hold "fig"
    assert with_title[3] > 0.0  # but its article's title does
    assert with_title[4] > without[4]
    np.testing.assert_array_equal(with_title[:3], [0.0, 0.0, 0.0])  # article 0 neither
    # a title word no sentence holds is no term at all
    np.testing.assert_array_equal(_scorer(1.0).scores_multi(["pie"])[:, 0], np.zeros(5))


def test_title_lengthens_every_window_of_its_article() -> None:
    plain, titled = _scorer(0.0), _scorer(1.0)
    np.testing.assert_allclose(plain.win_len, [5, 6, 4, 3, 1])
    # title 0 has one known term ("apple"), title 1 has two ("fig fig")
    np.testing.assert_allclose(titled.win_len, [6, 7, 5, 5, 3])
    assert titled.avgdl == pytest.approx(26 / 5)


def test_term_idf_and_document_frequency() -> None:
    scorer = _scorer()
    assert scorer.document_frequency("cherry") == 1  # twice in one sentence: one sentence
    assert scorer.document_frequency("apple") == 2
    assert scorer.document_frequency("date") == 2
    assert scorer.document_frequency("unknown") == 0
    assert scorer.document_frequency("pie") == 0  # title words are not sentence terms
    assert scorer.term_idf("cherry") == pytest.approx(math.log(1 + 4.5 / 1.5), rel=1e-6)
    assert scorer.term_idf("apple") == pytest.approx(math.log(1 + 3.5 / 2.5), rel=1e-6)
    # an unknown term gets the highest idf: as if no sentence held it
    assert scorer.term_idf("unknown") == pytest.approx(math.log(1 + 5.5 / 0.5), rel=1e-6)
    assert scorer.term_idf("unknown") > scorer.term_idf("cherry") > scorer.term_idf("apple")


def test_unknown_terms_score_nothing() -> None:
    scorer = _scorer()
    assert scorer.term_ids("zebra apple zebra") == ["apple"]
    got = scorer.scores_multi(["zebra", "", "zebra apple"])
    np.testing.assert_array_equal(got[:, 0], np.zeros(5))
    np.testing.assert_array_equal(got[:, 1], np.zeros(5))
    np.testing.assert_allclose(got[:, 2], scorer.scores_multi(["apple"])[:, 0], rtol=1e-6)


def test_empty_scorer() -> None:
    empty = np.array([], np.int64)
    scorer = WindowScorer.from_texts([], tokenize, empty, empty, empty, [], 1.0)
    assert scorer.scores_multi(["apple"]).shape == (0, 1)
    assert scorer.document_frequency("apple") == 0
    assert scorer.term_idf("apple") == pytest.approx(math.log(1 + 0.5 / 0.5))


def test_postings_cache_is_bounded_and_answers_the_same() -> None:
    scorer = _scorer()
    scorer.cached_terms = 2
    first = scorer.scores_multi(["apple cherry date"])
    assert len(scorer._cache) <= 3
    again = scorer.scores_multi(["apple cherry date", "fig egg banana"])  # evicts and refills the cache
    np.testing.assert_array_equal(again[:, 0], first[:, 0])
    assert len(scorer._cache) <= 3
    np.testing.assert_array_equal(scorer.scores_multi(["fig egg banana"])[:, 0], again[:, 1])
