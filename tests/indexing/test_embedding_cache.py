"""The embedding cache (vectors by model and text hash) and the indexer's use of it: a changed article's unchanged
sentences are not encoded again, and a run that adds one article does not read the whole store."""

from pathlib import Path

import numpy as np
import pytest

from assistant.assistant import Assistant, Parts, reset_index
from assistant.indexing.chunking import chunk_id
from assistant.indexing.embedding_cache import EmbeddingCache, encode_cached
from tests.conftest import SAMPLE


class CountingEncoder:
    """Encodes each text to a fixed pseudo-random unit vector and records every text it was given."""

    def __init__(self, dimension: int = 8) -> None:
        self.dimension = dimension
        self.seen: list[str] = []

    def vector(self, text: str) -> np.ndarray:
        v = np.random.default_rng(abs(hash(text)) % 2**32).standard_normal(self.dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def __call__(self, texts: list[str], progress: object = None) -> np.ndarray:
        self.seen.extend(texts)
        return np.vstack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)


@pytest.mark.unit
def test_round_trip_is_exact_and_keyed_by_model_and_dimension(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "e.sqlite3")
    vectors = np.arange(16, dtype=np.float32).reshape(2, 8) / 10
    cache.put("model-a", ["one", "two"], vectors)
    got = cache.get("model-a", ["two", "three", "one", "two"], dimension=8)
    assert sorted(got) == [0, 2, 3]
    assert np.array_equal(got[0], vectors[1]) and np.array_equal(got[2], vectors[0]) and np.array_equal(got[3], vectors[1])
    assert cache.get("model-b", ["one"], dimension=8) == {}  # another model's vectors are never reused
    assert cache.get("model-a", ["one"], dimension=4) == {}  # nor vectors of another size
    assert cache.count("model-a") == 2 and cache.count() == 2
    cache.close()
    reopened = EmbeddingCache(tmp_path / "e.sqlite3")  # on disk: a later process reuses them
    assert np.array_equal(reopened.get("model-a", ["one"], 8)[0], vectors[0])
    reopened.close()


@pytest.mark.unit
def test_encode_cached_encodes_each_new_text_once(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "e.sqlite3")
    encoder = CountingEncoder()
    first, reused = encode_cached(encoder, cache, "m", 8, ["a", "b", "a"])
    assert reused == 0 and encoder.seen == ["a", "b"]  # the repeated text is encoded once
    assert np.array_equal(first[0], first[2]) and np.allclose(first[1], encoder.vector("b"))
    encoder.seen.clear()
    second, reused = encode_cached(encoder, cache, "m", 8, ["b", "c", "a"])
    assert reused == 2 and encoder.seen == ["c"]
    assert np.array_equal(second[0], first[1]) and np.array_equal(second[2], first[0])
    encoder.seen.clear()
    _, reused = encode_cached(encoder, None, "m", 8, ["a", "b"])  # no cache: everything is encoded
    assert reused == 0 and encoder.seen == ["a", "b"]
    cache.close()


def test_changed_article_encodes_only_its_new_sentences(assistant: Assistant, embedder, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    body = SAMPLE.read_text()
    path.write_text(body)
    first = assistant.index([path])
    assert first.embeddings_reused == 0 and first.chunks_embedded > 10
    changed = body.rstrip() + "\n\nThe council will vote on the order again in March."
    path.write_text(changed)
    calls = []
    original = embedder.encode

    def spy(texts, progress=None):  # noqa: ANN001, ANN202
        calls.append(list(texts))
        return original(texts, progress=progress)

    embedder.encode = spy
    try:
        second = assistant.index([path])
    finally:
        embedder.encode = original
    assert second.updated == 1 and second.chunks_embedded == first.chunks_embedded + 1
    assert second.embeddings_reused == first.chunks_embedded  # every old sentence came from the cache
    assert calls == [["The council will vote on the order again in March."]]
    # The reused vectors are the model's own: the same as encoding the stored texts now.
    chunks = list(assistant.components.store.all_rows())
    stored = np.vstack([emb for _, _, _, emb in chunks])
    fresh = embedder.encode([text for _, text, _, _ in chunks])
    assert np.abs(stored - fresh).max() < 1e-5


def test_cache_can_be_switched_off_and_rebuild_clears_it(settings, embedder, tmp_path: Path) -> None:
    off = Assistant(settings.model_copy(update={"embedding_cache": False}), Parts(embedder=embedder))
    off.index([SAMPLE])
    assert not settings.embedding_cache_path.exists()
    off.close()
    reset_index(settings)
    on = Assistant(settings, Parts(embedder=embedder))
    report = on.index([SAMPLE])
    assert report.embeddings_reused == 0 and on.components.cache.count() == report.chunks_embedded
    on.close()
    reset_index(settings)  # --rebuild embeds every sentence again
    assert not settings.embedding_cache_path.exists()
    again = Assistant(settings, Parts(embedder=embedder))
    assert again.index([SAMPLE]).embeddings_reused == 0
    again.close()


def test_adding_an_article_does_not_read_the_whole_store(assistant: Assistant, tmp_path: Path) -> None:
    store = assistant.components.store
    assistant.index([SAMPLE])
    reads = []
    original = store.metadata_by_id
    store.metadata_by_id = lambda: reads.append(1) or original()  # type: ignore[method-assign]
    one = tmp_path / "one.txt"
    one.write_text("Rates held\n\nThe central bank held rates at 5.25% on Wednesday.")
    assert assistant.index([one]).added == 1
    assert reads == []  # the manifest and the store's count agreed: nothing was read back
    ids = {chunk_id(r.id, i) for r in assistant.components.manifest.articles().values() for i in range(r.chunks)}
    assert original().keys() == ids

    # A run killed after writing to the store leaves the writing mark: the next run reads the store and repairs it,
    # even when the damage leaves the count unchanged (one chunk lost, one orphan left).
    assistant.components.manifest.mark_writing()
    lost = sorted(ids)[0]
    store.delete([lost])
    junk = np.ones((1, 384), dtype=np.float32) / np.sqrt(384)
    store.upsert(["orphan-0000"], junk, ["left over"], [{"article_id": "orphan", "chunk": 0}])
    two = tmp_path / "two.txt"
    two.write_text("Budget vote\n\nThe council approved the budget on Tuesday.")
    report = assistant.index([two])
    assert reads == [1] and report.repaired == 1 and report.chunks_deleted == 1
    assert "writing" not in assistant.components.manifest.info()
    ids = {chunk_id(r.id, i) for r in assistant.components.manifest.articles().values() for i in range(r.chunks)}
    assert original().keys() == ids and lost in ids

    # Re-indexing every source always checks the store chunk by chunk.
    assistant.index()
    assert reads == [1, 1]


def test_the_search_index_takes_sentence_vectors_from_the_cache(settings, embedder) -> None:
    for cached in (True, False):
        a = Assistant(settings.model_copy(update={"embedding_cache": cached}), Parts(embedder=embedder))
        a.index([SAMPLE])
        index = a.components.search.index
        stored = {cid: emb for cid, _, _, emb in a.components.store.all_rows()}
        expected = np.vstack([stored[cid] for cid in index.sent_ids])
        # With the cache the vectors are not held in memory, and they are the stored ones all the same.
        assert (index.sent_emb is None) == cached
        np.testing.assert_allclose(index.sentence_vectors(np.arange(len(index))), expected, atol=1e-6)
        a.close()
        reset_index(settings)
