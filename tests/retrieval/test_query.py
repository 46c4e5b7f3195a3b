"""Unit tests of query understanding: outlet names, dates and clause sub-queries (assistant/retrieval/query.py)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.retrieval.query import (
    DateMention,
    OutletMention,
    date_match,
    detect_outlets,
    mentioned_outlets,
    outlet_aliases,
    parse_dates,
    split_subqueries,
)

pytestmark = pytest.mark.unit

KNOWN = [
    "The Independent - Life and Style",
    "The Independent - Sports",
    "Cnbc | World Business News Leader",
    "CBSSports.com",
    "FOX News - Entertainment",
    "Fox News",
    "The New York Times",
    "The Verge",
    "TechCrunch",
    "Fortune",
    "Sporting News",
]


# ---------------------------------------------------------------- outlet_aliases


@pytest.mark.parametrize(
    ("outlet", "expected"),
    [
        ("The Independent - Life and Style",
         {"the independent - life and style", "independent - life and style", "the independent", "independent"}),
        ("Cnbc | World Business News Leader", {"cnbc | world business news leader", "cnbc"}),
        ("CBSSports.com", {"cbssports.com", "cbssports", "cbs sports"}),
        ("The New York Times", {"the new york times", "new york times"}),
        ("FOX News - Entertainment", {"fox news - entertainment", "fox news"}),
        ("BBC News: World", {"bbc news: world", "bbc news"}),
        ("TechCrunch", {"techcrunch"}),
        ("  The   Verge ", {"the verge", "verge"}),
    ],
)
def test_outlet_aliases(outlet: str, expected: set[str]) -> None:
    assert outlet_aliases(outlet) == expected


def test_outlet_aliases_drop_generic_and_too_short_forms() -> None:
    # "News" alone would fire on every question; "AP" is shorter than 3 characters.
    assert outlet_aliases("News") == set()
    assert outlet_aliases("The Sports") == {"the sports"}
    assert outlet_aliases("AP") == set()
    assert outlet_aliases("Foxnews.com") == {"foxnews.com", "foxnews", "fox news"}


# ---------------------------------------------------------------- detect_outlets


def test_detect_outlets_finds_names_with_their_offsets() -> None:
    q = "Did CNBC and the New York Times agree?"
    assert detect_outlets(q, KNOWN) == [
        OutletMention(4, 8, "CNBC", ("Cnbc | World Business News Leader",)),
        OutletMention(13, 31, "the New York Times", ("The New York Times",)),
    ]


def test_detect_outlets_needs_a_capital_letter() -> None:
    assert detect_outlets("What did his fortune say?", KNOWN) == []
    assert detect_outlets("What did the independent experts say?", KNOWN) == []
    assert detect_outlets("The talks were on the verge of collapse.", KNOWN) == []
    assert detect_outlets("What did Fortune say?", KNOWN) == [OutletMention(9, 16, "Fortune", ("Fortune",))]


def test_detect_outlets_is_word_bounded() -> None:
    assert detect_outlets("What did XCNBC or CNBCs say?", KNOWN) == []
    # a possessive is a word boundary
    assert detect_outlets("What did Verge's reporter say?", KNOWN) == [OutletMention(9, 14, "Verge", ("The Verge",))]


def test_detect_outlets_longest_match_first() -> None:
    q = "Did The Independent - Life and Style report it?"
    assert detect_outlets(q, KNOWN) == [
        OutletMention(4, 36, "The Independent - Life and Style", ("The Independent - Life and Style",)),
    ]
    q = "What did Fox News - Entertainment say?"
    assert detect_outlets(q, KNOWN) == [
        OutletMention(9, 33, "Fox News - Entertainment", ("FOX News - Entertainment",)),
    ]


def test_detect_outlets_shared_surface_form_maps_to_every_outlet() -> None:
    assert detect_outlets("What did FOX News report?", KNOWN) == [
        OutletMention(9, 17, "FOX News", ("FOX News - Entertainment", "Fox News")),
    ]
    assert detect_outlets("What did The Independent write?", KNOWN) == [
        OutletMention(9, 24, "The Independent", ("The Independent - Life and Style", "The Independent - Sports")),
    ]


def test_detect_outlets_derived_forms_and_order() -> None:
    q = "Did TechCrunch agree with CBS Sports?"
    assert detect_outlets(q, KNOWN) == [
        OutletMention(4, 14, "TechCrunch", ("TechCrunch",)),
        OutletMention(26, 36, "CBS Sports", ("CBSSports.com",)),
    ]
    assert detect_outlets("Anything?", []) == []


def test_mentioned_outlets_keeps_first_seen_order_without_duplicates() -> None:
    mentions = detect_outlets("Did FOX News, Fortune and Fox News agree?", KNOWN)
    assert [m.surface for m in mentions] == ["FOX News", "Fortune", "Fox News"]
    assert mentioned_outlets(mentions) == ["FOX News - Entertainment", "Fox News", "Fortune"]
    assert mentioned_outlets([]) == []


# ---------------------------------------------------------------- parse_dates


def _one(query: str, default_year: int = 2023) -> DateMention:
    found = parse_dates(query, default_year)
    assert len(found) == 1, found
    return found[0]


def test_parse_iso_date_and_timestamp() -> None:
    q = "What did Reuters publish on 2023-10-04T21:11:57+00:00?"
    assert parse_dates(q, 2020) == [DateMention(28, 53, date(2023, 10, 4), date(2023, 10, 4), "on")]
    assert q[28:53] == "2023-10-04T21:11:57+00:00"
    assert _one("Was it 2022-01-31?") == DateMention(7, 17, date(2022, 1, 31), date(2022, 1, 31), "on")


def test_parse_month_day_year() -> None:
    q = "What happened on November 9, 2023?"
    assert parse_dates(q, 2000) == [DateMention(17, 33, date(2023, 11, 9), date(2023, 11, 9), "on")]


@pytest.mark.parametrize(
    ("query", "surface", "expected"),
    [
        ("What happened on Nov. 9th?", "Nov. 9th", date(2021, 11, 9)),
        ("What happened on Sept 3?", "Sept 3", date(2021, 9, 3)),
        ("What happened on March 12?", "March 12", date(2021, 3, 12)),
        ("What happened on Oct 21st, 2019?", "Oct 21st, 2019", date(2019, 10, 21)),
    ],
)
def test_parse_month_day_uses_default_year(query: str, surface: str, expected: date) -> None:
    m = _one(query, default_year=2021)
    assert query[m.start:m.end] == surface
    assert (m.first, m.last, m.relation) == (expected, expected, "on")


def test_parse_whole_month() -> None:
    q = "What happened in October 2023?"
    assert parse_dates(q, 2000) == [DateMention(17, 29, date(2023, 10, 1), date(2023, 10, 31), "in")]
    m = _one("What happened in February?", default_year=2024)  # leap year
    assert (m.first, m.last, m.relation) == (date(2024, 2, 1), date(2024, 2, 29), "in")
    m = _one("in late December", default_year=2023)
    assert (m.start, m.end, m.first, m.last, m.relation) == (8, 16, date(2023, 12, 1), date(2023, 12, 31), "in")


@pytest.mark.parametrize(
    ("query", "relation"),
    [
        ("Articles published before November 6, 2023", "before"),
        ("What was reported prior to 2023-11-01?", "before"),
        ("What was said until Nov 3?", "before"),
        ("Reports after Sept. 3", "after"),
        ("What did it say since October 2, 2023?", "after"),
        ("Was it reported later than 2023-10-04?", "after"),
        ("Was it published after the 2023-10-05?", "after"),
        ("What happened on October 2?", "on"),
    ],
)
def test_parse_day_relations(query: str, relation: str) -> None:
    assert _one(query).relation == relation


@pytest.mark.parametrize(
    ("query", "relation"),
    [
        ("What was reported since October?", "after"),
        ("What happened by December?", "before"),
        ("What happened before March 2022?", "before"),
        ("What happened after May?", "after"),
        ("What happened during June?", "in"),
    ],
)
def test_parse_month_relations(query: str, relation: str) -> None:
    assert _one(query).relation == relation


def test_parse_several_dates_in_order() -> None:
    q = "Was it reported on October 2 or after October 10?"
    assert parse_dates(q, 2023) == [
        DateMention(19, 28, date(2023, 10, 2), date(2023, 10, 2), "on"),
        DateMention(38, 48, date(2023, 10, 10), date(2023, 10, 10), "after"),
    ]


def test_parse_dates_ignores_impossible_dates_and_plain_text() -> None:
    assert parse_dates("Dates 2023-02-30 and Feb 30 do not exist", 2023) == []
    assert parse_dates("What did the mayor say about the budget?", 2023) == []


def test_parse_dates_month_word_needs_preposition() -> None:
    assert parse_dates("What did the mayor say in May?", 2023) == [
        DateMention(26, 29, date(2023, 5, 1), date(2023, 5, 31), "in")
    ]
    assert parse_dates("What did the May report say?", 2023) == []


def test_parse_dates_an_iso_date_is_read_once() -> None:
    assert parse_dates("on 2023-11-09", 2023) == [DateMention(3, 13, date(2023, 11, 9), date(2023, 11, 9), "on")]


# ---------------------------------------------------------------- date_match


def test_date_match_day_with_slack() -> None:
    m = DateMention(0, 1, date(2023, 11, 9), date(2023, 11, 9), "on")
    assert date_match(date(2023, 11, 9), m)
    assert date_match(date(2023, 11, 8), m)
    assert date_match(date(2023, 11, 10), m)
    assert not date_match(date(2023, 11, 11), m)
    assert not date_match(date(2023, 11, 7), m)
    assert not date_match(date(2023, 11, 8), m, slack_days=0)
    assert date_match(date(2023, 11, 12), m, slack_days=3)


def test_date_match_month_interval() -> None:
    m = DateMention(0, 1, date(2023, 10, 1), date(2023, 10, 31), "in")
    assert date_match(date(2023, 10, 15), m)
    assert date_match(date(2023, 9, 30), m)
    assert date_match(date(2023, 11, 1), m)
    assert not date_match(date(2023, 11, 2), m)


def test_date_match_before_and_after_boost_only_the_named_interval() -> None:
    before = DateMention(0, 1, date(2023, 11, 6), date(2023, 11, 6), "before")
    after = DateMention(0, 1, date(2023, 11, 6), date(2023, 11, 6), "after")
    for m in (before, after):
        assert date_match(date(2023, 11, 6), m)
        assert not date_match(date(2023, 10, 1), m)
        assert not date_match(date(2023, 12, 1), m)


# ---------------------------------------------------------------- split_subqueries


def _split(query: str, known: list[str] = KNOWN, min_words: int = 4):
    return split_subqueries(query, detect_outlets(query, known), parse_dates(query, 2023), min_words)


def test_split_at_comma_and() -> None:
    q = "What did TechCrunch report about OpenAI, and what did The Verge say about Microsoft?"
    subs = _split(q)
    assert [(s.text, s.outlets, s.dates) for s in subs] == [
        ("What did TechCrunch report about OpenAI", ["TechCrunch"], []),
        ("what did The Verge say about Microsoft", ["The Verge"], []),
    ]


@pytest.mark.parametrize(
    ("query", "texts"),
    [
        ("Which company did TechCrunch praise while The Verge criticised the same company?",
         ["Which company did TechCrunch praise", "The Verge criticised the same company"]),
        ("Was the score higher in the Sporting News report than in the Fortune report about the game?",
         ["Was the score higher in the Sporting News report", "in the Fortune report about the game"]),
        ("What did the court decide about the merger; did the regulators appeal the ruling?",
         ["What did the court decide about the merger", "did the regulators appeal the ruling"]),
        ("Is the CEO of OpenAI the person who was fired and is he returning to the company soon?",
         ["Is the CEO of OpenAI the person who was fired", "he returning to the company soon"]),
        ("How did the stock market react compared to the bond market reaction last week?",
         ["How did the stock market react", "the bond market reaction last week"]),
    ],
)
def test_split_at_clause_separators(query: str, texts: list[str]) -> None:
    assert [s.text for s in _split(query)] == texts


def test_split_never_cuts_inside_a_date() -> None:
    q = "What did TechCrunch report on November 9, 2023, while The Verge covered the layoffs?"
    subs = _split(q)
    assert [s.text for s in subs] == ["What did TechCrunch report on November 9, 2023", "The Verge covered the layoffs"]
    assert subs[0].outlets == ["TechCrunch"]
    assert subs[0].dates == [DateMention(30, 46, date(2023, 11, 9), date(2023, 11, 9), "on")]
    assert (subs[1].outlets, subs[1].dates) == (["The Verge"], [])


def test_split_never_cuts_inside_an_outlet_name() -> None:
    known = ["Markets, Money and Business", "The Verge"]
    q = "What did the outlet Markets, Money and Business say about the rates the bank set?"
    mentions = detect_outlets(q, known)
    assert [m.surface for m in mentions] == ["Markets, Money and Business"]
    subs = split_subqueries(q, mentions, [])
    assert [(s.text, s.outlets) for s in subs] == [
        ("What did the outlet Markets, Money and Business say about the rates the bank set",
         ["Markets, Money and Business"]),
    ]
    # without the mention the comma would have cut the name
    assert [s.text for s in split_subqueries(q, [], [])] == [
        "What did the outlet Markets", "Money and Business say about the rates the bank set",
    ]


def test_split_merges_short_pieces_into_their_neighbour() -> None:
    # a short last piece joins the one before
    assert [s.text for s in _split("What did TechCrunch report about OpenAI, and why?")] == [
        "What did TechCrunch report about OpenAI, and why",
    ]
    # a short first piece joins the one after
    assert [s.text for s in _split("Who won, and what did The Verge say about the final score?")] == [
        "Who won, and what did The Verge say about the final score",
    ]
    # a piece with fewer than min_words words is glued; raising min_words glues more
    q = "What did TechCrunch report about OpenAI, and what did The Verge say about Microsoft?"
    assert len(_split(q, min_words=7)) == 1
    assert len(_split(q, min_words=6)) == 2


def test_split_keeps_outlets_and_dates_per_piece() -> None:
    q = "Did FOX News cover the strike in October 2023, and did TechCrunch cover the layoffs on Nov. 9th?"
    subs = _split(q)
    assert [s.text for s in subs] == ["Did FOX News cover the strike in October 2023",
                                      "did TechCrunch cover the layoffs on Nov. 9th"]
    assert subs[0].outlets == ["FOX News - Entertainment", "Fox News"]
    assert [(d.first, d.last) for d in subs[0].dates] == [(date(2023, 10, 1), date(2023, 10, 31))]
    assert subs[1].outlets == ["TechCrunch"]
    assert [(d.first, d.relation) for d in subs[1].dates] == [(date(2023, 11, 9), "on")]


def test_split_single_clause_is_one_piece() -> None:
    q = "What did the executive order tell Chicago police to wear?"
    subs = _split(q)
    assert [(s.text, s.outlets, s.dates) for s in subs] == [
        ("What did the executive order tell Chicago police to wear", [], []),
    ]
