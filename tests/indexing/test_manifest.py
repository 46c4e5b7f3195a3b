"""Unit tests of the SQLite manifest (assistant/indexing/manifest.py) on a temporary file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.indexing.manifest import Manifest
from assistant.types import ArticleInfo

pytestmark = pytest.mark.unit


def _info(aid: str, title: str, source: str | None = None, published_at: str | None = None, author: str | None = None,
          chunks: int = 3, url: str | None = None) -> ArticleInfo:
    return ArticleInfo(id=aid, title=title, source=source, author=author, published_at=published_at, url=url,
                       chunks=chunks, chars=100 * chunks, indexed_at="2024-01-01T00:00:00+00:00",
                       meta_hash=f"hash-{aid}")


A = _info("a", "Chicago police order", "Reuters", "2023-11-09T10:00:00+00:00", "Jane Doe", 3,
          "https://example.com/a")
B = _info("b", "Governor backs uniforms", "Fox News", "2023-11-07T08:00:00+00:00", "John Roe", 2)
C = _info("c", "OpenAI deal", "Reuters", "2023-10-01T12:00:00+00:00", None, 4)
D = _info("d", "Undated note", None, None, None, 1)
E = _info("e", "Police budget vote", "AP", "2023-11-09T18:00:00+00:00", "Ann Poe", 5)
ALL = {x.id: x for x in (A, B, C, D, E)}
ENTRIES = {("/feeds/one.jsonl", "1"): "a", ("/feeds/one.jsonl", "2"): "b", ("/docs/c.txt", "c.txt"): "c",
           ("upload", "note"): "d", ("/feeds/two.jsonl", "x"): "e"}
SOURCES = ["/feeds/one.jsonl", "/docs/c.txt", "upload", "/feeds/two.jsonl"]


@pytest.fixture
def manifest(tmp_path: Path) -> Iterator[Manifest]:
    m = Manifest(tmp_path / "sub" / "manifest.sqlite")
    yield m
    m.close()


@pytest.fixture
def full(manifest: Manifest) -> Manifest:
    manifest.commit(ENTRIES, ALL, SOURCES, {"pipeline_version": "p1", "embedding_model": "fake"})
    return manifest


def test_a_new_manifest_is_empty(manifest: Manifest, tmp_path: Path) -> None:
    assert (tmp_path / "sub" / "manifest.sqlite").exists()  # the folder is created
    assert manifest.entries() == {}
    assert manifest.articles() == {}
    assert manifest.sources() == []
    assert manifest.counts() == (0, 0)
    assert manifest.outlets() == []
    assert manifest.info() == {}
    assert manifest.search_articles() == (0, [])
    assert manifest.article("a") is None


def test_commit_then_read_back(full: Manifest) -> None:
    assert full.entries() == ENTRIES
    assert full.articles() == ALL
    assert full.article("a") == A
    assert full.article("a").meta_hash == "hash-a"  # excluded from dumps, but stored
    assert full.article("d") == D and full.article("d").source is None and full.article("d").published_at is None
    assert full.article("zzz") is None
    assert full.sources() == sorted(SOURCES)
    assert full.counts() == (5, 3 + 2 + 4 + 1 + 5)
    info = full.info()
    assert set(info) == {"pipeline_version", "embedding_model", "generation"}
    assert (info["pipeline_version"], info["embedding_model"]) == ("p1", "fake")


def test_published_at_round_trips_as_the_same_instant(full: Manifest) -> None:
    assert full.article("a").published_at == datetime(2023, 11, 9, 10, tzinfo=UTC)


def test_outlets_most_articles_first_then_by_name(full: Manifest) -> None:
    assert full.outlets() == [("Reuters", 2), ("AP", 1), ("Fox News", 1)]  # the unknown outlet is left out


def test_commit_replaces_the_whole_state(full: Manifest) -> None:
    full.commit({("/feeds/one.jsonl", "1"): "a"}, ALL, ["/feeds/one.jsonl"], {"pipeline_version": "p2"})
    assert full.entries() == {("/feeds/one.jsonl", "1"): "a"}
    assert full.articles() == {"a": A}  # articles no entry references are dropped
    assert full.sources() == ["/feeds/one.jsonl"]  # sources with no entry left are dropped
    assert full.counts() == (1, 3)
    assert full.outlets() == [("Reuters", 1)]
    assert full.info()["pipeline_version"] == "p2"
    assert full.info()["embedding_model"] == "fake"  # info keys are upserted, not replaced


def test_one_article_under_several_entries(manifest: Manifest) -> None:
    entries = {("/x", "1"): "a", ("/y", "1"): "a"}
    manifest.commit(entries, {"a": A}, ["/x", "/y"], {})
    assert manifest.entries() == entries
    assert manifest.counts() == (1, 3)
    assert manifest.sources() == ["/x", "/y"]


def test_untouched_live_sources_are_kept(full: Manifest) -> None:
    kept = {k: v for k, v in ENTRIES.items() if k[0] != "upload"}
    full.commit(kept, ALL, [], {})
    assert full.sources() == sorted(s for s in SOURCES if s != "upload")
    # a touched source with no entry is not recorded
    full.commit(kept, ALL, ["/nowhere"], {})
    assert "/nowhere" not in full.sources()


def test_a_failing_commit_leaves_the_previous_state(full: Manifest) -> None:
    before = (full.entries(), full.articles(), full.sources(), full.counts(), full.info())
    # two articles under one id: the second INSERT into articles violates its primary key, after entries were
    # already replaced inside the transaction
    clash = _info("a", "Another article with the same id", "AP", None, None, 1)
    with pytest.raises(sqlite3.IntegrityError):
        full.commit({("/new", "1"): "a", ("/new", "2"): "other"}, {"a": A, "other": clash}, ["/new"],
                    {"pipeline_version": "broken"})
    assert (full.entries(), full.articles(), full.sources(), full.counts(), full.info()) == before
    # and the manifest still takes the next commit
    full.commit({("/new", "1"): "a"}, {"a": A}, ["/new"], {})
    assert full.entries() == {("/new", "1"): "a"}


def test_a_failing_commit_is_invisible_to_another_connection(full: Manifest) -> None:
    other = Manifest(full.path)
    try:
        clash = _info("a", "Clash", None, None, None, 1)
        with pytest.raises(sqlite3.IntegrityError):
            full.commit({("/n", "1"): "a", ("/n", "2"): "z"}, {"a": A, "z": clash}, [], {})
        assert other.entries() == ENTRIES
        assert other.counts() == (5, 15)
    finally:
        other.close()


def test_state_persists_across_reopening(full: Manifest) -> None:
    generation = full.info()["generation"]
    full.close()
    again = Manifest(full.path)
    try:
        assert again.entries() == ENTRIES
        assert again.articles() == ALL
        assert again.info()["generation"] == generation
    finally:
        again.close()


def test_generation_changes_on_every_commit(manifest: Manifest) -> None:
    seen = set()
    for _ in range(3):
        manifest.commit(ENTRIES, ALL, SOURCES, {"pipeline_version": "p1"})  # even when nothing changed
        generation = manifest.info()["generation"]
        assert len(generation) == 32
        seen.add(generation)
    assert len(seen) == 3


def test_a_failing_commit_keeps_the_generation(full: Manifest) -> None:
    generation = full.info()["generation"]
    with pytest.raises(sqlite3.IntegrityError):
        full.commit({("/n", "1"): "a", ("/n", "2"): "z"}, {"a": A, "z": _info("a", "Clash")}, [], {})
    assert full.info()["generation"] == generation


# ---------------------------------------------------------------- search_articles


def _ids(result: tuple[int, list[ArticleInfo]]) -> tuple[int, list[str]]:
    return result[0], [r.id for r in result[1]]


def test_search_everything_newest_first_undated_last(full: Manifest) -> None:
    # e and a are both dated 2023-11-09; e is later that day. d has no date.
    assert _ids(full.search_articles()) == (5, ["e", "a", "b", "c", "d"])


def test_search_by_text_matches_title_outlet_or_author(full: Manifest) -> None:
    assert _ids(full.search_articles("police")) == (2, ["e", "a"])  # titles, any case
    assert _ids(full.search_articles("reuters")) == (2, ["a", "c"])  # outlet
    assert _ids(full.search_articles("Roe")) == (1, ["b"])  # author
    assert _ids(full.search_articles("nothing like this")) == (0, [])


def test_search_by_outlet(full: Manifest) -> None:
    assert _ids(full.search_articles(sources=["Reuters"])) == (2, ["a", "c"])
    assert _ids(full.search_articles(sources=["AP", "Fox News"])) == (2, ["e", "b"])
    assert _ids(full.search_articles(sources=["Nobody"])) == (0, [])
    assert _ids(full.search_articles("police", sources=["Reuters"])) == (1, ["a"])


def test_search_by_date_range_after_inclusive_before_exclusive(full: Manifest) -> None:
    assert _ids(full.search_articles(after="2023-11-09")) == (2, ["e", "a"])
    assert _ids(full.search_articles(after="2023-11-09T18:00:00+00:00")) == (1, ["e"])
    assert _ids(full.search_articles(before="2023-11-09")) == (2, ["b", "c"])
    assert _ids(full.search_articles(after="2023-11-01", before="2023-11-09")) == (1, ["b"])
    # an undated article never passes a date bound
    assert _ids(full.search_articles(after="1900-01-01")) == (4, ["e", "a", "b", "c"])
    assert _ids(full.search_articles(before="2999-01-01")) == (4, ["e", "a", "b", "c"])


def test_search_pages(full: Manifest) -> None:
    assert _ids(full.search_articles(limit=2)) == (5, ["e", "a"])
    assert _ids(full.search_articles(limit=2, offset=2)) == (5, ["b", "c"])
    assert _ids(full.search_articles(limit=2, offset=4)) == (5, ["d"])
    assert _ids(full.search_articles(limit=2, offset=6)) == (5, [])
    assert _ids(full.search_articles(sources=["Reuters"], limit=1, offset=1)) == (2, ["c"])


def test_search_same_date_sorted_by_title(manifest: Manifest) -> None:
    same = "2023-05-05T00:00:00+00:00"
    rows = {x.id: x for x in (_info("x", "Zebra", "AP", same), _info("y", "Apple", "AP", same),
                              _info("z", "Mango", "AP", same))}
    manifest.commit({("s", k): k for k in rows}, rows, ["s"], {})
    assert _ids(manifest.search_articles()) == (3, ["y", "z", "x"])


def test_search_returns_full_rows(full: Manifest) -> None:
    total, rows = full.search_articles("Chicago")
    assert total == 1 and rows == [A]


# ---------------------------------------------------------------- known bug


def test_commit_with_no_entries_drops_every_source(full: Manifest) -> None:
    full.commit({}, {}, [], {})
    assert full.entries() == {} and full.counts() == (0, 0)
    assert full.sources() == []
