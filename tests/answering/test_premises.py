"""Premises the articles do not hold: outlets with no indexed article, years no article covers."""

from datetime import date

import pytest

from assistant.answering.premises import coverage_note, named_outlets, uncovered_years, unknown_outlets
from assistant.types import Passage

pytestmark = pytest.mark.unit

KNOWN = ["TechCrunch", "The Verge", "The Guardian", "The Independent - Life and Style", "Sporting News"]


@pytest.mark.parametrize("question,named", [
    ("Considering an article by The New York Times and another by The Washington Post, who won?",
     ["New York Times", "Washington Post"]),
    ("What do a BBC article and a Guardian piece say about the show?", ["BBC", "Guardian"]),
    ("Does the TechCrunch article on Meta's moderation agree with the article from The Verge?", ["Verge", "TechCrunch"]),
])
def test_named_outlets(question: str, named: list[str]) -> None:
    assert sorted(named_outlets(question)) == sorted(named)


def test_only_outlets_with_no_article_are_unknown() -> None:
    assert unknown_outlets("Considering an article by The New York Times and a Guardian piece, who won?", KNOWN) == \
        ["New York Times"]
    assert unknown_outlets("Does the 'The Independent - Life and Style' article on Prince William agree with the "
                           "Sporting News report published on November 3, 2023?", KNOWN) == []


def test_years_no_article_covers() -> None:
    coverage = (date(2023, 9, 26), date(2023, 12, 25))
    p = Passage(n=1, span_id="a-0001", article_id="a", title="t", text="The 2026 World Cup will be held in North America.",
                start=0, end=10)
    assert uncovered_years("Who won the 2027 Super Bowl?", coverage, []) == [2027]
    assert uncovered_years("Where is the 2026 World Cup?", coverage, [p]) == []  # an article mentions it
    assert uncovered_years("What happened in 2023 and 2022?", coverage, []) == []
    assert coverage_note(coverage) == "The articles cover September 2023 to December 2023."
