"""Incremental indexing on the real Chroma store and the real embedding model."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.assistant import Assistant, Parts
from assistant.indexing.chunking import chunk_id
from assistant.errors import IndexMismatch
from assistant.indexing.store import ChunkStore, make_client
from tests.conftest import SAMPLE


@pytest.fixture
def settings(store_settings):  # noqa: ANN001, ANN201 - every test here runs on the local folder and a Chroma server
    return store_settings


def _expected_ids(a: Assistant) -> set[str]:
    return {chunk_id(r.id, i) for r in a.components.manifest.articles().values() for i in range(r.chunks)}


def _consistent(a: Assistant) -> None:
    """The store holds exactly the chunks the manifest expects."""
    assert a.components.store.ids() == _expected_ids(a)


def test_first_run_then_unchanged_costs_nothing(assistant: Assistant, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "chicago.txt")
    (folder / "b.md").write_text("# Rates held\n\nThe central bank held rates at 5.25% on Wednesday.")
    first = assistant.index([folder])
    assert (first.added, first.updated, first.unchanged, first.failed) == (2, 0, 0, [])
    assert first.chunks_embedded == assistant.components.store.count() > 2
    _consistent(assistant)
    before = assistant.components.manifest.articles()

    second = assistant.index([folder])
    assert (second.added, second.updated, second.unchanged, second.chunks_embedded) == (0, 0, 2, 0)
    assert second.chunks_deleted == 0
    assert assistant.components.manifest.articles() == before  # not even the bookkeeping was rewritten with new values
    # no path: re-index the sources indexed before
    again = assistant.index()
    assert (again.unchanged, again.chunks_embedded) == (2, 0)


def test_changed_article_replaces_its_chunks(assistant: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Budget vote\n\nThe council approved the budget on Tuesday. The vote was 7 to 2.")
    assistant.index([path])
    old_ids = assistant.components.store.ids()
    path.write_text("Budget vote\n\nThe council rejected the budget on Tuesday. The vote was 2 to 7.")
    report = assistant.index([path])
    assert (report.updated, report.added, report.chunks_embedded) == (1, 0, len(assistant.components.store.ids()))
    assert report.chunks_deleted == len(old_ids)
    assert not (assistant.components.store.ids() & old_ids)
    _consistent(assistant)
    assert assistant.components.manifest.counts()[0] == 1
    texts = [c.text for c in assistant.components.store.all_chunks()]
    assert any("rejected" in t for t in texts) and not any("approved" in t for t in texts)


def test_metadata_only_change_updates_without_embedding(assistant: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Title: Old title\n\nThe council approved the budget on Tuesday.")
    assistant.index([path])
    path.write_text("Title: New title\nSource: City Herald\n\nThe council approved the budget on Tuesday.")
    report = assistant.index([path])
    assert (report.updated, report.chunks_embedded) == (1, 0)
    metas = [c.metadata for c in assistant.components.store.all_chunks()]
    assert {m["title"] for m in metas} == {"New title"} and {m["source"] for m in metas} == {"City Herald"}
    _consistent(assistant)


def test_removed_article_and_duplicates(assistant: Assistant, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "one.txt")
    shutil.copy(SAMPLE, folder / "same-article-other-name.txt")
    (folder / "other.txt").write_text("Storm warning\n\nA storm will reach the coast on Friday night.")
    report = assistant.index([folder])
    assert report.added == 3 and report.duplicates == 1
    assert assistant.components.manifest.counts()[0] == 2  # the duplicate is stored once
    _consistent(assistant)
    (folder / "other.txt").unlink()
    report = assistant.index([folder])
    assert report.removed == 1 and report.chunks_deleted > 0
    assert assistant.components.manifest.counts()[0] == 1
    _consistent(assistant)
    (folder / "one.txt").unlink()  # the same text is still under the other name
    report = assistant.index([folder])
    assert report.removed == 1 and report.chunks_deleted == 0
    assert assistant.components.manifest.counts()[0] == 1


def test_bad_inputs_are_reported_and_nothing_is_lost(assistant: Assistant, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    rows = [{"title": f"Story {i}", "body": f"Story number {i} happened in town {i}.", "source": "Wire"} for i in range(3)]
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    assistant.index([feed])
    assert assistant.components.manifest.counts()[0] == 3
    # line 2 breaks: it is reported, the others are still indexed, and story 1 indexed before is kept
    feed.write_text("\n".join([json.dumps(rows[0]), "{broken", json.dumps(rows[2])]))
    (tmp_path / "empty.txt").write_text("")
    report = assistant.index([feed, tmp_path / "empty.txt", tmp_path / "missing.md"])
    assert {f.path for f in report.failed} == {f"{feed}:2", str(tmp_path / "empty.txt"), str(tmp_path / "missing.md")}
    assert report.removed == 0
    assert assistant.components.manifest.counts()[0] == 3
    _consistent(assistant)


def test_reconcile_repairs_lost_chunks_and_orphans(assistant: Assistant, tmp_path: Path) -> None:
    assistant.index([SAMPLE])
    ids = sorted(assistant.components.store.ids())
    assistant.components.store.delete(ids[:2])  # as if a crash lost writes
    junk = np.ones((1, 384), dtype=np.float32) / np.sqrt(384)
    assistant.components.store.upsert(["orphan-0000"], junk, ["left over"], [{"article_id": "orphan", "chunk": 0}])
    report = assistant.index()
    assert report.chunks_embedded == 2 and report.chunks_deleted == 1 and report.repaired == 1
    _consistent(assistant)


def test_other_embedding_model_is_a_clear_error(assistant: Assistant, settings) -> None:
    assistant.index([SAMPLE])
    with pytest.raises(IndexMismatch, match="built with the embedding model"):
        ChunkStore(make_client(settings.chroma_dir, settings.chroma_url), settings.collection, "some-other-model")


def test_delete_article(assistant: Assistant) -> None:
    assistant.index([SAMPLE])
    (article_id,) = assistant.components.manifest.articles()
    assert assistant.delete_article(article_id)
    assert assistant.components.store.count() == 0 and assistant.components.manifest.counts() == (0, 0)
    assert not assistant.delete_article(article_id)


def test_uploads_do_not_break_reindexing_everything(assistant: Assistant, tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Budget vote\n\nThe council approved the budget on Tuesday.")
    assistant.index([story])
    upload = assistant.index_files([("rates.txt", b"Title: Rates held\n\nThe central bank held rates on Wednesday.")])
    assert upload.added == 1 and not upload.failed
    report = assistant.index()  # every source indexed before: the file, not the "upload" label
    assert not report.failed and report.unchanged == 1
    assert assistant.components.manifest.counts()[0] == 2


def test_rebuild_after_changing_the_embedding_model(settings, embedder, tmp_path: Path) -> None:
    from assistant.assistant import reset_index

    first = Assistant(settings, Parts(embedder=embedder))
    first.index([SAMPLE])
    first.close()
    # Pretend the index was built with another model: opening it is a clear error...
    client = make_client(settings.chroma_dir, settings.chroma_url)
    client.get_collection(settings.collection).modify(metadata={"embedding_model": "old-model"})
    with pytest.raises(IndexMismatch):
        Assistant(settings, Parts(embedder=embedder))
    # ... and --rebuild drops the chunks and returns the sources to index again.
    assert reset_index(settings) == [SAMPLE.resolve()]
    again = Assistant(settings, Parts(embedder=embedder))
    report = again.index([SAMPLE])
    assert report.added == 1 and report.chunks_embedded == again.components.store.count() > 0
    again.close()
