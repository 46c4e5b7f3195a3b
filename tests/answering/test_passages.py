"""Unit tests of passage selection (assistant/answering/passages.py) on a hand-built SearchIndex and Retrieved."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from assistant.answering.passages import LEXICAL_WEIGHT, RANK_PRIOR, select_passages
from assistant.retrieval.retriever import Retrieved, Window
from assistant.retrieval.search_index import SearchIndex
from tests.fakes import article_rows

pytestmark = pytest.mark.unit

# Article "a" (rows 0-4) and article "b" (rows 5-6). Each sentence gets an embedding whose cosine with the question
# vector (1, 0, 0) is set by hand, so every passage score can be computed exactly:
#   score = cosine + LEXICAL_WEIGHT * (share of the question's terms in the sentence) + RANK_PRIOR * (1 - rank / n)
BODY_A = ("The city council met on Monday. Police officers must wear official uniforms. "
          "The union objected to the new rule.\nThe mayor said officers must comply. Weather was mild.")
BODY_B = "Uniforms cost the city money. Budget talks continue."
COS_A = [0.1, 0.3, 0.2, 0.6, 0.0]
COS_B = [0.4, 0.05]
TOKENS_A = [6, 6, 7, 6, 3]
TOKENS_B = [5, 3]
QUESTION = "What must police officers wear?"  # focus terms: must, polic, offic, wear
QUERY_VECTOR = np.array([1.0, 0.0, 0.0], np.float32)


def _emb(cos: float) -> np.ndarray:
    return np.array([cos, math.sqrt(1 - cos * cos), 0.0], np.float32)


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    rows = article_rows("a", BODY_A, title="Uniform order", source="Reuters", author="Jane Doe",
                        published_at="2023-11-09T10:00:00+00:00", url="https://example.com/a", tokens=TOKENS_A,
                        embeddings=[_emb(c) for c in COS_A])
    rows += article_rows("b", BODY_B, title="Costs", tokens=TOKENS_B, embeddings=[_emb(c) for c in COS_B])
    idx = SearchIndex.build(rows, unit_tokens=254, title_weight=1.0, dimension=3)
    assert idx.sent_text[3] == "The mayor said officers must comply."
    return idx


def _window(index: SearchIndex, lo: int, hi: int, score: float = 1.0) -> Window:
    _, _, text = index.span_text(lo, hi)
    return Window(f"{index.sent_ids[lo]}..{index.sent_ids[hi].rsplit('-', 1)[-1]}", text, {}, score, (lo, hi))


def _retrieved(index: SearchIndex, spans: list[tuple[int, int]], vector: np.ndarray | None = QUERY_VECTOR) -> Retrieved:
    return Retrieved(windows=[_window(index, lo, hi) for lo, hi in spans], query_vector=vector, index=index)


def _rows(passages) -> list[tuple[str, str]]:
    return [(p.span_id, p.text) for p in passages]


def test_best_sentence_first_with_exact_scores(index: SearchIndex) -> None:
    got = select_passages(QUESTION, _retrieved(index, [(0, 4), (5, 6)]), n=3, max_tokens=10)
    # s3: 0.6 + 0.5 * 2/4 + 0.05 = 0.90; s1: 0.3 + 0.5 * 4/4 + 0.05 = 0.85; s5: 0.4 + 0 + 0.025 = 0.425
    assert [p.n for p in got] == [1, 2, 3]
    assert [p.score for p in got] == pytest.approx([0.90, 0.85, 0.425], abs=1e-6)
    assert _rows(got) == [
        ("a-0003..0004", "The mayor said officers must comply. Weather was mild."),  # grown after: 6 + 3 <= 10
        ("a-0001..0001", "Police officers must wear official uniforms."),  # no neighbour fits
        ("b-0000..0001", "Uniforms cost the city money. Budget talks continue."),
    ]
    assert LEXICAL_WEIGHT == 0.5 and RANK_PRIOR == 0.05


def test_passages_grow_what_follows_first_then_what_precedes(index: SearchIndex) -> None:
    got = select_passages(QUESTION, _retrieved(index, [(0, 4), (5, 6)]), n=3, max_tokens=20)
    # s3 grows after (s4: 9 tokens), then before (s2: 16), then s1 would make 22; s1 then grows before (s0: 12)
    assert [p.span_id for p in got] == ["a-0002..0004", "a-0000..0001", "b-0000..0001"]
    assert got[0].text == "The union objected to the new rule.\nThe mayor said officers must comply. Weather was mild."


def test_growth_stays_inside_the_window(index: SearchIndex) -> None:
    # the window of s3 is rows 3..3 only: no growth although the budget allows it
    got = select_passages(QUESTION, _retrieved(index, [(3, 3), (1, 1)]), n=5, max_tokens=100)
    assert [p.span_id for p in got] == ["a-0003..0003", "a-0001..0001"]


def test_a_sentence_longer_than_the_budget_is_a_passage_alone(index: SearchIndex) -> None:
    got = select_passages(QUESTION, _retrieved(index, [(0, 4)]), n=1, max_tokens=2)
    assert [p.span_id for p in got] == ["a-0003..0003"]


def test_passages_never_overlap(index: SearchIndex) -> None:
    # overlapping windows (as no retriever returns, but passages must still be disjoint)
    got = select_passages(QUESTION, _retrieved(index, [(0, 4), (1, 3), (2, 4), (5, 6)]), n=10, max_tokens=13)
    spans = [(int(p.span_id.split("-")[1][:4]), int(p.span_id.split("..")[1])) for p in got if p.article_id == "a"]
    rows = [r for lo, hi in spans for r in range(lo, hi + 1)]
    assert len(rows) == len(set(rows))
    assert sorted(rows) == [0, 1, 2, 3, 4]  # every sentence of the windows ends up in exactly one passage
    assert [p.n for p in got] == list(range(1, len(got) + 1))


def test_at_most_n_passages(index: SearchIndex) -> None:
    retrieved = _retrieved(index, [(0, 4), (5, 6)])
    assert len(select_passages(QUESTION, retrieved, n=1, max_tokens=1)) == 1
    assert len(select_passages(QUESTION, retrieved, n=4, max_tokens=1)) == 4
    assert len(select_passages(QUESTION, retrieved, n=50, max_tokens=1)) == 7  # every sentence alone
    assert select_passages(QUESTION, retrieved, n=0, max_tokens=10) == []


def test_passage_text_is_the_article_span_with_its_metadata(index: SearchIndex) -> None:
    bodies = {"a": BODY_A, "b": BODY_B}
    got = select_passages(QUESTION, _retrieved(index, [(0, 4), (5, 6)]), n=10, max_tokens=30)
    for p in got:
        assert p.text == bodies[p.article_id][p.start:p.end]
    first = got[0]
    assert (first.article_id, first.title, first.source, first.author, first.url) == (
        "a", "Uniform order", "Reuters", "Jane Doe", "https://example.com/a")
    assert first.published_at == datetime(2023, 11, 9, 10, tzinfo=UTC)
    b = next(p for p in got if p.article_id == "b")
    assert (b.title, b.source, b.author, b.published_at, b.url) == ("Costs", None, None, None, None)


def test_rank_prior_prefers_what_retrieval_ranked_higher(index: SearchIndex) -> None:
    # without a query vector and with no question term in either sentence, only the prior orders them
    q = "Which budget?"  # focus: budget (in s6 only)
    got = select_passages(q, _retrieved(index, [(0, 0), (2, 2), (6, 6)], vector=None), n=3, max_tokens=10)
    # s6: 0.5 * 1 + 0.05 * (1 - 2/3); s0: 0.05; s2: 0.05 * (1 - 1/3)
    assert [p.span_id for p in got] == ["b-0001..0001", "a-0000..0000", "a-0002..0002"]
    assert [p.score for p in got] == pytest.approx([0.5 + 0.05 / 3, 0.05, 0.05 * 2 / 3], abs=1e-9)


def test_idf_weights_the_question_terms(index: SearchIndex) -> None:
    # focus: mayor, polic, uniform. s1 holds polic + uniform (2 of 3); s3 holds mayor (1 of 3).
    q = "What did the mayor say about police uniforms?"
    retrieved = _retrieved(index, [(1, 1), (3, 3)], vector=None)
    flat = select_passages(q, retrieved, n=2, max_tokens=10)
    assert [p.span_id for p in flat] == ["a-0001..0001", "a-0003..0003"]
    assert [p.score for p in flat] == pytest.approx([0.5 * 2 / 3 + 0.05, 0.5 * 1 / 3 + 0.025], abs=1e-9)
    weights = {"mayor": 3.0, "polic": 1.0, "uniform": 1.0}
    weighted = select_passages(q, retrieved, n=2, max_tokens=10, idf=lambda t: weights.get(t, 1.0))
    assert [p.span_id for p in weighted] == ["a-0003..0003", "a-0001..0001"]
    assert [p.score for p in weighted] == pytest.approx([0.5 * 3 / 5 + 0.025, 0.5 * 2 / 5 + 0.05], abs=1e-9)


def test_question_words_are_not_focus_terms(index: SearchIndex) -> None:
    # "tell" and "explain" are question words; only "weather" counts, so s4 holds every focus term
    got = select_passages("Tell me and explain the weather", _retrieved(index, [(0, 4)], vector=None),
                          n=1, max_tokens=1)
    assert [p.span_id for p in got] == ["a-0004..0004"]
    assert got[0].score == pytest.approx(0.5 * 1.0 + 0.05, abs=1e-9)


@pytest.mark.parametrize(("question", "window"), [("Describe the weather", (4, 4)),
                                                  ("How many officers must wear uniforms?", (1, 1))])
def test_stemmed_question_words_are_not_focus_terms(index: SearchIndex, question: str,
                                                    window: tuple[int, int]) -> None:
    # the sentence holds every content word of the question: its lexical share is 1
    got = select_passages(question, _retrieved(index, [window], vector=None), n=1, max_tokens=100)
    assert got[0].score == pytest.approx(0.5 * 1.0 + 0.05, abs=1e-9)


def test_nothing_retrieved() -> None:
    assert select_passages(QUESTION, Retrieved([]), n=5, max_tokens=100) == []
    assert select_passages(QUESTION, Retrieved([], index=None), n=5, max_tokens=100) == []
