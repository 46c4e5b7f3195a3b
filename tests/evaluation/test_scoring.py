"""The scorer on hand-made cases, and against the paper's retrieval_evaluate.py logic on a hand-made list."""

import pytest

from assistant.evaluation.scoring import (
    exact_match, mean_scores, score_retrieval, short_answer, squash, word_overlap_correct,
)

pytestmark = pytest.mark.unit

FACTS = ["The cat sat on the mat.", "Dogs bark at night."]


def test_a_hit_and_a_miss() -> None:
    hit = score_retrieval(["unrelated", "Intro. The cat sat on the mat. Outro."], FACTS[:1])
    assert (hit.hits4, hit.hits10, hit.mrr10, hit.map10, hit.recall10, hit.all_evidence10) == (1, 1, 0.5, 0.5, 1, 1)
    miss = score_retrieval(["nothing here"] * 10, FACTS)
    assert (miss.hits10, miss.mrr10, miss.map10, miss.recall10) == (0, 0, 0, 0)


def test_whitespace_differences_still_hit() -> None:
    unit = "The  cat\nsat on the\n\nmat."
    assert score_retrieval([unit], ["The cat sat on the mat."]).hits10 == 1
    assert squash(" a \n b ") == "ab"
    assert score_retrieval(["The cat sat on the rug."], ["The cat sat on the mat."]).hits10 == 0


def test_several_facts_in_one_chunk_and_rank_limits() -> None:
    both = "The cat sat on the mat. Dogs bark at night."
    s = score_retrieval(["x", "y", "z", "w", both], FACTS)
    assert s.hits4 == 0 and s.hits10 == 1 and s.mrr10 == pytest.approx(0.2)
    assert s.map10 == pytest.approx((2 / 5) / 2) and s.recall10 == 1 and s.all_evidence10 == 1
    # a fact found only at rank 11 does not count
    late = ["x"] * 10 + [both]
    assert score_retrieval(late, FACTS).hits10 == 0


def _paper_map_at_10(retrieved: list[str], facts: list[str]) -> float:
    """The paper's retrieval_evaluate.py MAP@10, transcribed: precision summed at each rank where an unseen gold
    fact is first found, divided by min(#facts, 10)."""
    gold = [squash(f) for f in facts]
    seen, total = set(), 0.0
    for k, text in enumerate(retrieved[:10], start=1):
        for j, g in enumerate(gold):
            if g in squash(text) and j not in seen:
                seen.add(j)
                total += 1 / k
    return total / min(len(gold), 10)


def test_reproduces_the_papers_numbers_on_a_hand_made_list() -> None:
    queries = [
        (["a", "Dogs bark at night.", "b", "The cat sat on the mat."], FACTS),
        (["The cat sat on the mat. Dogs bark at night."], FACTS),
        (["none"] * 10, ["Birds fly south."]),
        (["x", "y", "Birds fly south. more"], ["Birds fly south.", "Fish swim."]),
    ]
    scores = [score_retrieval(units, facts) for units, facts in queries]
    for (units, facts), s in zip(queries, scores):
        assert s.map10 == pytest.approx(_paper_map_at_10(units, facts))
    summary = mean_scores(scores)
    assert summary["n"] == 4
    assert summary["hits@10"] == 0.75 and summary["hits@4"] == 0.75
    assert summary["mrr@10"] == pytest.approx(round((1 / 2 + 1 + 0 + 1 / 3) / 4, 4))
    assert summary["map@10"] == pytest.approx(round(((1 / 2 + 1 / 4) / 2 + 1 + 0 + (1 / 3) / 2) / 4, 4))


def test_answer_measures() -> None:
    assert word_overlap_correct("Sam Bankman-Fried [1]", "Sam Bankman-Fried")
    assert word_overlap_correct("yes", "Yes")
    assert not word_overlap_correct("no", "Yes")
    assert exact_match("Yes.", "yes") and not exact_match("Yes, it did", "Yes")
    assert short_answer("Sam Bankman-Fried [1][2].") == "Sam Bankman-Fried."
