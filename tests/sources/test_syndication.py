"""Syndicated copies: wire stories republished with edits are grouped; distinct reports of one event are not.

The first three tests read the MultiHop-RAG corpus (no server, no model; skipped without the corpus)."""

from __future__ import annotations

import random

import pytest

from assistant.sources.syndication import (
    SyndicationConfig,
    SyndicationIndex,
    containment,
    group_texts,
    pairs_of,
    shingles,
)

from .conftest import MEASURED
from .wire import SAME_EVENT_PAIRS, expected_groups, republish, wire_fixture


def test_wire_stories_are_grouped_exactly(corpus: list[dict]) -> None:
    items = wire_fixture(corpus)
    copies = sum(1 for i in items if "-copy" in i.id)
    assert len(items) == 52 and copies == 30
    groups = group_texts([(i.id, i.body) for i in items])
    truth = expected_groups(items)
    found, true = pairs_of(groups), pairs_of(truth)
    precision = len(found & true) / len(found) if found else 1.0
    recall = len(found & true) / len(true)
    MEASURED["syndication pairs (10 wire stories, 30 copies, 12 same-event distinct)"] = (
        f"precision {precision:.3f}, recall {recall:.3f} ({len(true)} true pairs)")
    assert {frozenset(g) for g in groups} == truth
    assert len(groups) == 22
    for wire, distinct in SAME_EVENT_PAIRS:  # each same-event report stays on its own
        assert [str(distinct)] in groups
        assert any(str(wire) in g and len(g) >= 3 for g in groups)


def test_containment_separates_copies_from_same_event_reports(corpus: list[dict]) -> None:
    items = wire_fixture(corpus)
    sets = {i.id: shingles(i.body) for i in items}
    true_scores, other_scores = [], []
    for n, a in enumerate(items):
        for b in items[n + 1:]:
            score = containment(sets[a.id], sets[b.id])
            (true_scores if a.story == b.story else other_scores).append(score)
    assert min(true_scores) > 0.7 and max(other_scores) < 0.15
    assert min(true_scores) > SyndicationConfig().containment > max(other_scores)


def test_incremental_index_finds_the_group_of_a_new_copy(corpus: list[dict]) -> None:
    index = SyndicationIndex()
    wire, distinct = SAME_EVENT_PAIRS[0]
    assert index.add("wire", corpus[wire]["body"]) == "wire"
    assert index.add("other", corpus[distinct]["body"]) == "other"
    rng = random.Random(5)
    copy = republish(corpus[wire], wire, 0, rng, keep=(0.3, 0.3))
    match = index.query(copy.body)
    assert match is not None and match.group == "wire" and match.score > 0.8
    assert index.add("copy", copy.body) == "wire"
    assert index.group_of("copy") == "wire" and index.members("wire") == ["wire", "copy"]
    assert index.query(corpus[distinct]["body"]).group == "other"  # itself, not the wire story
    assert index.query(corpus[SAME_EVENT_PAIRS[1][0]]["body"]) is None


# -- without the corpus ----------------------------------------------------------------------------------------

def _story(seed: int, words: int = 700) -> str:
    rng = random.Random(seed)
    vocabulary = ("council budget vote transport minister said plan city schools police court report market rates "
                  "shares bank inflation election party leader storm flood rescue hospital workers strike union "
                  "deal talks government spending tax energy prices climate").split()  # noqa: SIM905
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        n = rng.randint(8, 20)
        sentences.append(" ".join(rng.choice(vocabulary) for _ in range(n)).capitalize() + ".")
    paras = [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    return "\n\n".join(paras)


@pytest.mark.unit
def test_trimmed_and_edited_copies_group_but_same_topic_stories_do_not() -> None:
    original = _story(1)
    paras = original.split("\n\n")
    trimmed = "By A. Writer, Other Outlet\n\n" + "\n\n".join(paras[: len(paras) // 3])
    edited = original.replace(" said ", " says ").replace("council", "Council", 3) + "\n\nCopyright Other Outlet."
    brief = "\n\n".join(paras[:2])  # a short brief: about a tenth of the story
    same_topic = _story(2)  # the same words, other sentences
    groups = group_texts([("orig", original), ("trim", trimmed), ("edit", edited), ("brief", brief),
                          ("other", same_topic)])
    assert groups == [["orig", "trim", "edit", "brief"], ["other"]]


@pytest.mark.unit
def test_a_digest_of_two_stories_does_not_chain_them() -> None:
    a, b = _story(3, 400), _story(4, 400)
    digest = a + "\n\n" + b
    groups = group_texts([("a", a), ("b", b), ("digest", digest)])
    assert ["a", "digest"] in groups or ["a"] in groups
    assert not any("a" in g and "b" in g for g in groups)


@pytest.mark.unit
def test_short_texts_match_only_when_identical_and_removal() -> None:
    index = SyndicationIndex()
    index.add(1, "Rates held at 5.25%.")
    assert index.add(2, "  rates HELD at 5.25 % ") == 1  # the same words
    assert index.add(3, "Rates cut to 5%.") == 3
    long_a = _story(9)
    index.add("long", long_a)
    assert index.query(long_a).id == "long"
    index.remove("long")
    assert index.query(long_a) is None and "long" not in index and len(index) == 3
    index.remove(1)
    assert index.query("Rates held at 5.25%.").id == 2
    with pytest.raises(ValueError, match="already in the index"):
        index.add(2, "again")
    with pytest.raises(KeyError):
        index.remove("missing")


@pytest.mark.unit
def test_shingles_ignore_case_quotes_and_spacing() -> None:
    assert (shingles("The minister’s plan, he said, “works”.") ==
            shingles("the MINISTER'S plan he said \"works\"")).all()
    assert containment(shingles(""), shingles("a b c d e f")) == 0.0
