"""Syndicated copies through the facade: grouped at indexing (manifest rows), one retrieval slot per story, cited
once with "also published by", and distinct reports of the same event kept apart. Real embedding model and store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.assistant import Assistant, Parts
from assistant.indexing.embedding import Embedder
from assistant.interfaces.server.ui_render import source_card
from assistant.settings import Settings
from assistant.sources.syndication import pairs_of

from .conftest import MEASURED
from .wire import WireItem, expected_groups, wire_fixture

WIRE, DISTINCT = 332, 333  # OpenAI board turmoil: the Fortune (AP) story and TechCrunch's own report
OTHER_WIRE, OTHER_DISTINCT = 529, 530  # Trump civil fraud trial: Fortune / The Age


def _fields(item: WireItem) -> dict:
    return {"title": item.title, "body": item.body, "source": item.outlet, "author": item.author,
            "url": f"https://news.example.org/{item.id}"}


@pytest.fixture
def items(corpus: list[dict]) -> list[WireItem]:
    return [i for i in wire_fixture(corpus) if i.story in (WIRE, DISTINCT, OTHER_WIRE, OTHER_DISTINCT)]


@pytest.fixture
def indexed(tmp_path: Path, embedder: Embedder, items: list[WireItem]) -> Iterator[tuple[Assistant, dict[str, str]]]:
    a = Assistant(Settings(index_dir=tmp_path / "index", backend="extractive", seed_sample=False),
                  Parts(embedder=embedder))
    report = a.add_articles([_fields(i) for i in items])
    assert report.added == len(items) and not report.failed
    copies = sum(1 for i in items if "-copy" in i.id)
    assert report.near_duplicates == copies
    ids = {r.url.rsplit("/", 1)[-1]: r.id for r in a.articles(limit=100)[1]}  # fixture id -> article id
    yield a, ids
    a.close()


def test_copies_grouped_at_indexing_distinct_reports_apart(indexed, items: list[WireItem]) -> None:
    a, ids = indexed
    groups = a.components.manifest.groups()  # the manifest's syndication rows
    assert set(groups) == set(ids.values())
    by_group: dict[str, set[str]] = {}
    back = {aid: fid for fid, aid in ids.items()}
    for aid, group in groups.items():
        by_group.setdefault(group, set()).add(back[aid])
    found, true = pairs_of(by_group.values()), pairs_of(expected_groups(items))
    precision = len(found & true) / len(found) if found else 1.0
    recall = len(found & true) / len(true)
    MEASURED["syndication at indexing (2 wire stories with copies, 2 same-event reports)"] = (
        f"precision {precision:.3f}, recall {recall:.3f} ({len(true)} true pairs)")
    assert {frozenset(g) for g in by_group.values()} == expected_groups(items)
    assert groups[ids[str(DISTINCT)]] != groups[ids[str(WIRE)]]
    row = a.article(ids[str(WIRE)])
    outlets = {i.outlet for i in items if i.story == WIRE and i.id != str(WIRE)}
    assert row is not None and set(row.also_published_by) == outlets and row.syndication_group


def test_retrieval_spends_one_slot_per_story(indexed, items: list[WireItem]) -> None:
    a, ids = indexed
    group_ids = {ids[i.id] for i in items if i.story == WIRE}
    windows = a.retrieve("Why did OpenAI's board push out Sam Altman as CEO?", k=10)
    story = {w.meta["article_id"] for w in windows if w.meta["article_id"] in group_ids}
    assert len(story) == 1  # one copy stands for the story; the others take no slot
    stand = next(w for w in windows if w.meta["article_id"] in group_ids)
    others = {i.outlet for i in items if i.story == WIRE and ids[i.id] != stand.meta["article_id"]}
    assert set(stand.meta["also_published_by"]) == others - {stand.meta["source"]}
    assert ids[str(DISTINCT)] in {w.meta["article_id"] for w in windows}  # the distinct report still competes


def test_answer_cites_the_story_once_with_also_published_by(indexed, items: list[WireItem]) -> None:
    a, ids = indexed
    group_ids = {ids[i.id] for i in items if i.story == WIRE}
    answer = a.ask("Why did OpenAI push out Sam Altman, according to the review?")
    assert not answer.refused, answer.notes
    story = [c for c in answer.citations if c.article_id in group_ids]
    assert story and len({c.article_id for c in story}) == 1
    cited = story[0]
    others = {i.outlet for i in items if i.story == WIRE and ids[i.id] != cited.article_id} - {cited.source}
    assert set(cited.also_published_by) == others and others
    card = source_card(cited, 0)
    assert "also published by" in card and all(o in card for o in others)


def test_a_copy_arriving_later_joins_its_story_also_after_a_restart(tmp_path: Path, embedder: Embedder,
                                                                    items: list[WireItem]) -> None:
    settings = Settings(index_dir=tmp_path / "index", backend="extractive", seed_sample=False)
    wire = next(i for i in items if i.id == str(WIRE))
    copies = [i for i in items if i.story == WIRE and i.id != str(WIRE)]
    a = Assistant(settings, Parts(embedder=embedder))
    try:
        assert a.add_articles([_fields(wire)]).near_duplicates == 0
        assert a.add_articles([_fields(copies[0])]).near_duplicates == 1
    finally:
        a.close()
    b = Assistant(settings, Parts(embedder=embedder))  # a new process: the groups come from the manifest
    try:
        report = b.add_articles([_fields(copies[1]), _fields(next(i for i in items if i.id == str(DISTINCT)))])
        assert report.added == 2 and report.near_duplicates == 1
        groups = b.components.manifest.groups()
        ids = {r.url.rsplit("/", 1)[-1]: r.id for r in b.articles(limit=100)[1]}
        assert groups[ids[copies[1].id]] == groups[ids[copies[0].id]] == groups[ids[wire.id]] == ids[wire.id]
        assert groups[ids[str(DISTINCT)]] == ids[str(DISTINCT)]
        row = b.article(ids[wire.id])
        assert row is not None and set(row.also_published_by) == {copies[0].outlet, copies[1].outlet} - {wire.outlet}
    finally:
        b.close()
