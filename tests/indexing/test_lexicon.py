"""The lexical index on disk (indexing/lexicon.py): written in the manifest's transaction, exactly the sentences of
the indexed articles, and BM25 from its postings equal to BM25 computed from the texts in memory."""

from pathlib import Path

import numpy as np
import pytest

from assistant.assistant import Assistant
from assistant.indexing.chunking import chunk_id
from assistant.indexing.manifest import Manifest
from assistant.retrieval.search_index import SearchIndex
from assistant.types import ArticleInfo
from tests.conftest import SAMPLE

QUESTIONS = ["What did the Chicago mayor order police officers to do?", "Who signed the executive order?",
             "Did the police union object to the order on Thursday?", "zebra unicorn", "National Guard troops",
             "What will officers not assist with?"]


def _row(aid: str, chunks: int) -> ArticleInfo:
    return ArticleInfo(id=aid, title=aid, meta_hash="h", chunks=chunks, chars=10,
                       indexed_at="2026-12-01T00:00:00+00:00")


@pytest.mark.unit
def test_commit_writes_and_drops_sentences_with_their_articles(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "m.sqlite3")
    sentences = {"a": [("a-0000", ["polic", "order", "polic"]), ("a-0001", ["don't", "café", "x_y"])],
                 "b": [("b-0000", ["order"])]}
    manifest.commit({("s", "a"): "a", ("s", "b"): "b"}, {"a": _row("a", 2), "b": _row("b", 1)}, ["s"], {},
                    sentences=sentences)
    rows = manifest.lexical_rows()
    assert [(sid, n) for _, sid, n in rows] == [("a-0000", 3), ("a-0001", 3), ("b-0000", 1)]
    row = {sid: r for r, sid, _ in rows}
    assert row["a-0001"] == row["a-0000"] + 1  # an article's sentences are consecutive rows
    got = manifest.postings(["polic", "order", "café", "don't", "x_y", "zebra"])
    assert got["polic"] == [(row["a-0000"], 2)]  # counted twice in one sentence
    assert sorted(got["order"]) == sorted([(row["a-0000"], 1), (row["b-0000"], 1)])
    assert got["café"] == got["don't"] == got["x_y"] == [(row["a-0001"], 1)]  # any characters, one term each
    assert got["zebra"] == []
    assert manifest.lexical_vocabulary() == {"polic", "order", "don't", "café", "x_y"}

    # The same article committed again adds nothing; an article no longer named loses its sentences and postings.
    manifest.commit({("s", "a"): "a"}, {"a": _row("a", 2)}, ["s"], {}, sentences=sentences)
    assert [sid for _, sid, _ in manifest.lexical_rows()] == ["a-0000", "a-0001"]
    assert manifest.postings(["order"])["order"] == [(row["a-0000"], 1)]
    assert manifest.lexical_articles() == {"a"}
    manifest.commit({}, {}, [], {})
    assert manifest.lexical_rows() == [] and manifest.postings(["polic"])["polic"] == []
    manifest.close()


@pytest.mark.unit
def test_a_failed_commit_leaves_the_lexical_index_as_it_was(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "m.sqlite3")
    manifest.commit({("s", "a"): "a"}, {"a": _row("a", 1)}, ["s"], {}, sentences={"a": [("a-0000", ["one"])]})
    with pytest.raises(Exception):  # noqa: B017 - any failure inside the transaction
        manifest.commit({("s", "b"): "b"}, {"b": _row("b", 1)}, ["s"], {},
                        sentences={"b": [("b-0000", ["two"]), ("b-0000", ["two"])]})  # duplicate id: fails
    assert [sid for _, sid, _ in manifest.lexical_rows()] == ["a-0000"]
    assert manifest.postings(["one", "two"]) == {"one": [(manifest.lexical_rows()[0][0], 1)], "two": []}
    assert set(manifest.articles()) == {"a"}
    manifest.close()


def _memory_index(a: Assistant) -> SearchIndex:
    c = a.components
    live = c.manifest.articles()
    rows = [r for r in c.store.all_rows() if r[2].get("article_id") in live]
    return SearchIndex.build(rows, c.retrieval.unit_tokens, c.retrieval.title_weight, 384)


def _same_scores(stored: SearchIndex, memory: SearchIndex) -> None:
    assert stored.sent_ids == memory.sent_ids
    np.testing.assert_allclose(stored.scorer.win_len, memory.scorer.win_len, rtol=1e-6)
    for question in QUESTIONS:
        np.testing.assert_array_equal(stored.scorer.scores_multi([question]), memory.scorer.scores_multi([question]))
    for term in ("polic", "order", "zebra", "guard"):
        assert stored.idf(term) == memory.idf(term) and stored.knows(term) == memory.knows(term)


def _expected(a: Assistant) -> list[str]:
    return sorted(chunk_id(r.id, i) for r in a.components.manifest.articles().values() for i in range(r.chunks))


def test_indexing_keeps_the_lexical_index_equal_to_the_store(assistant: Assistant, tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Budget vote\n\nThe council approved the police budget on Tuesday. The vote was 7 to 2.")
    assistant.index([SAMPLE, story])
    manifest = assistant.components.manifest
    assert sorted(sid for _, sid, _ in manifest.lexical_rows()) == _expected(assistant)
    assert assistant.components.search.index.scorer.scores_multi(["budget"]).max() > 0
    _same_scores(assistant.components.search.index, _memory_index(assistant))

    story.write_text("Budget vote\n\nThe council rejected the police budget on Tuesday. The vote was 2 to 7.")
    assistant.index([story])  # changed: the old sentences' terms go, the new ones come
    assert sorted(sid for _, sid, _ in manifest.lexical_rows()) == _expected(assistant)
    assert manifest.postings(["approv"])["approv"] == [] and len(manifest.postings(["reject"])["reject"]) == 1
    _same_scores(assistant.components.search.index, _memory_index(assistant))

    assistant.components.indexer.remove_source(str(story.resolve()))  # removed: its terms go with it
    assert sorted(sid for _, sid, _ in manifest.lexical_rows()) == _expected(assistant)
    assert manifest.postings(["budget"])["budget"] == []


def test_an_index_built_before_the_lexical_index_gets_it_once(assistant: Assistant) -> None:
    assistant.index([SAMPLE])
    manifest = assistant.components.manifest
    with manifest._lock:  # as an index written by an older version: no lexical rows at all
        manifest._db.execute("INSERT INTO sentence_terms (sentence_terms) VALUES ('delete-all')")
        manifest._db.execute("DELETE FROM sentences")
    assistant.components.search.mark_stale()
    assert manifest.lexical_rows() == []
    index = assistant.components.search.index  # the first use writes the terms from the stored sentences
    assert sorted(sid for _, sid, _ in manifest.lexical_rows()) == _expected(assistant)
    _same_scores(index, _memory_index(assistant))
