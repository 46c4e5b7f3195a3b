"""Syndicated copies are one source: citations of two copies of a story fold into one."""

import pytest

from assistant.answering.chain import one_citation_per_story
from assistant.answering.grounding import merge_copies
from assistant.types import Passage

pytestmark = pytest.mark.unit


def _p(n: int, article: str, group: str = "", source: str = "AP") -> Passage:
    return Passage(n=n, span_id=f"{article}-{n:04d}..{n:04d}", article_id=article, text=f"text {n}", start=0, end=6, title="T",
                   source=source, group=group)


def test_merge_copies_points_a_copy_at_the_first_cited_copy() -> None:
    passages = [_p(1, "a", "g"), _p(2, "b", "g", "Yahoo"), _p(3, "a", "g"), _p(4, "c")]
    kept = merge_copies([("One.", [2]), ("Two.", [1, 2]), ("Three.", [3, 4])], passages)
    # b's passage stands for the story first; a (another copy) is folded into it; a second passage of b stays
    assert kept == [("One.", [2]), ("Two.", [2]), ("Three.", [2, 4])]


def test_merge_copies_keeps_distinct_articles_and_passages_of_one_article() -> None:
    passages = [_p(1, "a"), _p(2, "a"), _p(3, "b")]
    assert merge_copies([("x.", [1, 2, 3])], passages) == [("x.", [1, 2, 3])]


def test_composed_text_renumbered_with_one_passage_per_story() -> None:
    passages = [_p(1, "a", "g"), _p(2, "c"), _p(3, "b", "g", "Yahoo")]
    text, kept = one_citation_per_story("AP says yes [1]. C says no [2]. Yahoo says yes [3][1].", passages)
    assert text == "AP says yes [1]. C says no [2]. Yahoo says yes [1]."
    assert [p.article_id for p in kept] == ["a", "c"]
    same = [_p(1, "a"), _p(2, "b")]
    assert one_citation_per_story("x [1] y [2]", same) == ("x [1] y [2]", same)
