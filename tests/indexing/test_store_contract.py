"""The ChunkStore contract: one set of tests of its interface, run on a local folder and on a real `chroma run` server.

In the manner of haystack's haystack/testing/document_store.py, every test takes the ``open_store`` fixture, which
opens a ChunkStore on each kind of store: the folder variants are marked ``unit`` (no model, server or dataset), the
server ones ``server`` (they use the session's `chroma run`, see tests/conftest.py). No embedding model: the vectors are
small (dimension 8) and deterministic, so every expected id, order and score is known exactly.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import IndexMismatch, StoreUnavailable
from assistant.indexing.store import ChunkStore, StoredSentence, make_client

DIM = 8
MODEL = "contract-model-a"
OpenStore = Callable[..., ChunkStore]


@pytest.fixture(params=[pytest.param("local", marks=pytest.mark.unit),
                        pytest.param("chroma-server", marks=pytest.mark.server)])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """A function opening a ChunkStore (each call a new client) on the test's own collection, by default always the
    same one, on a local folder or on the Chroma server; the server's collections are deleted after the test."""
    url = request.getfixturevalue("chroma_url") if request.param == "chroma-server" else None
    folder = tmp_path / "chroma"
    default = f"contract-{uuid.uuid4().hex[:16]}"
    opened: set[str] = set()

    def open_(model: str = MODEL, collection: str | None = None, hnsw: dict | None = None) -> ChunkStore:
        name = collection or default
        opened.add(name)
        return ChunkStore(make_client(folder, url), name, model, hnsw)

    yield open_
    if url:
        client = make_client(folder, url)
        existing = {getattr(c, "name", c) for c in client.list_collections()}
        for name in opened & existing:
            client.delete_collection(name)


@pytest.fixture
def store(open_store: OpenStore) -> ChunkStore:
    return open_store()


def unit(*values: float) -> np.ndarray:
    """A float32 vector of dimension DIM with these leading values, L2-normalised."""
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def at(degrees: float) -> np.ndarray:
    """The unit vector at this angle in the plane of the first two axes."""
    return unit(math.cos(math.radians(degrees)), math.sin(math.radians(degrees)))


# Six rows at 0, 15, ... 75 degrees in one plane: the cosine between two of them is the cosine of their angle, so
# the neighbours of any query in that plane are known exactly and (for the queries used here) never tie.
ANGLES = {f"r{j}": 15.0 * j for j in range(6)}
META = {
    "r0": {"source": "TechCrunch", "published_ts": 1.60e9, "chunk": 0},
    "r1": {"source": "Reuters", "published_ts": 1.65e9, "chunk": 1},
    "r2": {"source": "TechCrunch", "published_ts": 1.70e9, "chunk": 2},
    "r3": {"source": "Reuters", "published_ts": 1.75e9, "chunk": 3},
    "r4": {"source": "TechCrunch", "published_ts": 1.80e9, "chunk": 4},
    "r5": {"published_ts": 1.85e9, "chunk": 5},  # no source at all
}


def fill(store: ChunkStore, ids: list[str] | None = None) -> None:
    ids = ids or list(ANGLES)
    store.upsert(ids, np.stack([at(ANGLES[i]) for i in ids]), [f"text of {i}" for i in ids], [META[i] for i in ids])


def expected(query_degrees: float, ids: list[str]) -> list[tuple[str, float]]:
    """The exact neighbours of the query among ``ids``: best first, with their cosine similarity."""
    scored = [(i, math.cos(math.radians(query_degrees - ANGLES[i]))) for i in ids]
    return sorted(scored, key=lambda s: -s[1])


def assert_hits(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> None:
    assert [i for i, _ in got] == [i for i, _ in want]
    for (_, score), (_, target) in zip(got, want):
        assert score == pytest.approx(target, abs=1e-4)


# -- writing and reading
def test_upsert_then_get_in_the_order_asked_skipping_missing_ids(store: ChunkStore) -> None:
    fill(store)
    got = store.get(["r3", "missing", "r0", "r5"])
    assert got == [StoredSentence("r3", "text of r3", META["r3"]), StoredSentence("r0", "text of r0", META["r0"]),
                   StoredSentence("r5", "text of r5", META["r5"])]
    assert store.get([]) == [] and store.get(["missing"]) == []
    assert [s.id for s in store.get(["r1", "r1", "r2"])] == ["r1", "r1", "r2"]  # a repeated id is no error


def test_upsert_replaces_a_chunk_with_the_same_id(store: ChunkStore) -> None:
    fill(store)
    store.upsert(["r2"], at(80.0)[None], ["new text"], [{"source": "AP"}])
    assert store.count() == 6
    # the whole chunk is replaced: text, embedding, and the metadata (no key of the old one survives)
    assert store.get(["r2"]) == [StoredSentence("r2", "new text", {"source": "AP"})]
    np.testing.assert_allclose(store.embeddings(["r2"])["r2"], at(80.0), atol=1e-6)
    assert store.query(at(80.0)[None], 1) == [[("r2", pytest.approx(1.0, abs=1e-4))]]
    assert store.metadata_by_id()["r2"] == {"source": "AP"}


def test_count_and_ids(store: ChunkStore) -> None:
    assert store.count() == 0 and store.ids() == set()
    fill(store, ["r0", "r1", "r2"])
    assert store.count() == 3 and store.ids() == {"r0", "r1", "r2"}
    fill(store, ["r2", "r3"])
    assert store.count() == 4 and store.ids() == {"r0", "r1", "r2", "r3"}


def test_metadata_by_id(store: ChunkStore) -> None:
    assert store.metadata_by_id() == {}
    fill(store)
    assert store.metadata_by_id() == META


def test_all_chunks(store: ChunkStore) -> None:
    assert list(store.all_chunks()) == []
    fill(store)
    assert sorted(store.all_chunks(), key=lambda s: s.id) == [StoredSentence(i, f"text of {i}", META[i])
                                                               for i in sorted(ANGLES)]


def test_all_rows_round_trip_the_embeddings(store: ChunkStore) -> None:
    assert list(store.all_rows()) == []
    fill(store)
    rows = sorted(store.all_rows(), key=lambda r: r[0])
    assert [(i, text, meta) for i, text, meta, _ in rows] == [(i, f"text of {i}", META[i]) for i in sorted(ANGLES)]
    for i, _, _, embedding in rows:
        assert embedding.dtype == np.float32 and embedding.shape == (DIM,)
        np.testing.assert_allclose(embedding, at(ANGLES[i]), atol=1e-6)


def test_update_metadata_replaces_it_and_keeps_text_and_embedding(store: ChunkStore) -> None:
    fill(store)
    store.update_metadata(["r1", "r4", "missing"], [{"source": "AP", "chunk": 9}, {"chunk": 4}, {"source": "x"}])
    meta = store.metadata_by_id()
    assert meta["r1"] == {"source": "AP", "chunk": 9} and meta["r4"] == {"chunk": 4}  # keys left out are gone
    assert meta["r0"] == META["r0"] and "missing" not in meta and store.count() == 6  # an unknown id is ignored
    assert store.get(["r1"])[0].text == "text of r1"
    np.testing.assert_allclose(store.embeddings(["r4"])["r4"], at(ANGLES["r4"]), atol=1e-6)
    assert store.query(at(40.0)[None], 10, where={"source": "TechCrunch"}) == [
        [(i, pytest.approx(s, abs=1e-4)) for i, s in expected(40.0, ["r2", "r0"])]]  # r4 lost its source


def test_delete_and_deleting_missing_ids_is_harmless(store: ChunkStore) -> None:
    fill(store)
    store.delete(["r1", "r3"])
    assert store.ids() == {"r0", "r2", "r4", "r5"} and store.count() == 4
    store.delete(["r1", "missing"])
    store.delete([])
    assert store.ids() == {"r0", "r2", "r4", "r5"} and store.get(["r1", "r2"])[0].id == "r2"
    assert [i for i, _ in store.query(at(40.0)[None], 10)[0]] == ["r2", "r4", "r5", "r0"]


# -- the collection's own metadata
def test_record_and_recorded_survive_reopening(open_store: OpenStore) -> None:
    store = open_store()
    assert store.recorded("dimension") is None and store.recorded("embedding_model") == MODEL
    store.record(dimension=DIM, pipeline_version="p7")
    store.record(pipeline_version="p8")
    assert (store.recorded("dimension"), store.recorded("pipeline_version")) == (DIM, "p8")
    again = open_store()
    assert (again.recorded("dimension"), again.recorded("pipeline_version"), again.recorded("embedding_model")) == (
        DIM, "p8", MODEL)
    store.record(generation="g2")  # recorded by another process (a writer) after this one opened the collection
    assert again.recorded("generation") is None and again.current()["generation"] == "g2"


def test_another_embedding_model_raises_index_mismatch(open_store: OpenStore) -> None:
    fill(open_store())
    with pytest.raises(IndexMismatch, match=r"built with the embedding model 'contract-model-a'.*'contract-model-b'"):
        open_store(model="contract-model-b")
    assert isinstance(IndexMismatch("x"), StoreUnavailable)
    assert open_store().count() == 6  # the same model still opens it, nothing lost
    assert open_store(model="contract-model-b", collection=f"other-{uuid.uuid4().hex[:12]}").count() == 0


# -- batches
def test_every_call_stays_within_max_batch(store: ChunkStore, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int]] = []

    class Spy:
        def __init__(self, target: object) -> None:
            self.target = target

        def __getattr__(self, name: str) -> object:
            method = getattr(self.target, name)

            def call(*args: object, **kwargs: object) -> object:
                sent = kwargs.get("ids", kwargs.get("query_embeddings"))
                if sent is not None and name != "count":
                    calls.append((name, len(sent)))
                return method(*args, **kwargs)

            return call

    monkeypatch.setattr(ChunkStore, "max_batch", property(lambda self: 2))
    store.collection = Spy(store.collection)
    ids = list(ANGLES)[:5]
    fill(store, ids)
    upserts = [c for c in calls if c[0] == "upsert"]
    assert upserts == [("upsert", 2), ("upsert", 2), ("upsert", 1)] and all(n <= 2 for _, n in calls)
    assert store.ids() == set(ids)
    calls.clear()
    assert set(store.embeddings(ids)) == set(ids)
    assert calls == [("get", 2), ("get", 2), ("get", 1)]
    calls.clear()
    hits = store.query(np.stack([at(ANGLES[i]) for i in ids]), 1)
    assert calls == [("query", 2), ("query", 2), ("query", 1)] and [h[0][0] for h in hits] == ids
    calls.clear()
    store.update_metadata(ids, [{"chunk": 7}] * 5)
    assert [c for c in calls if c[0] == "update"] == [("update", 2), ("update", 2), ("update", 1)]
    assert all(n <= 2 for _, n in calls) and {m["chunk"] for m in store.metadata_by_id().values()} == {7}
    calls.clear()
    store.delete(ids)
    assert calls == [("delete", 2), ("delete", 2), ("delete", 1)] and store.count() == 0


def test_more_rows_than_chroma_takes_in_one_call(store: ChunkStore) -> None:
    n = 5600  # above Chroma's own limit (5461 on this version) and above one page of reads (5000)
    assert store.max_batch < n
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"b{i:05d}" for i in range(n)]
    store.upsert(ids, vectors, ids, [{"chunk": i} for i in range(n)])
    assert store.count() == n and store.ids() == set(ids)
    assert len(store.metadata_by_id()) == n and len(list(store.all_chunks())) == n
    rows = {i: emb for i, _, _, emb in store.all_rows()}
    got = store.embeddings(ids)
    assert len(rows) == len(got) == n
    np.testing.assert_allclose(np.stack([got[i] for i in ids]), vectors, atol=1e-6)
    np.testing.assert_allclose(np.stack([rows[i] for i in ids]), vectors, atol=1e-6)
    store.update_metadata(ids, [{"chunk": -i} for i in range(n)])
    assert store.metadata_by_id()[ids[-1]] == {"chunk": -(n - 1)}
    store.delete(ids)
    assert store.count() == 0


# -- query
def test_query_gives_the_exact_neighbours_best_first_with_cosine_scores(store: ChunkStore) -> None:
    fill(store)
    got = store.query(np.stack([at(40.0), at(0.0), at(70.0)]), 3)
    assert len(got) == 3
    assert [i for i, _ in got[0]] == ["r3", "r2", "r4"]  # 5, 10 and 20 degrees away
    for hits, degrees in zip(got, (40.0, 0.0, 70.0)):
        assert_hits(hits, expected(degrees, list(ANGLES))[:3])
    assert_hits(store.query(at(15.0)[None], 1)[0], [("r1", 1.0)])
    assert isinstance(got[0][0][1], float)


def test_query_accepts_float64_vectors(store: ChunkStore) -> None:
    fill(store)
    assert_hits(store.query(at(40.0)[None].astype(np.float64), 2)[0], expected(40.0, list(ANGLES))[:2])


def test_query_with_a_filter_on_a_string_field(store: ChunkStore) -> None:
    fill(store)
    (got,) = store.query(at(40.0)[None], 10, where={"source": "TechCrunch"})
    assert_hits(got, expected(40.0, ["r0", "r2", "r4"]))
    (top,) = store.query(at(40.0)[None], 2, where={"source": {"$in": ["Reuters"]}})
    assert_hits(top, expected(40.0, ["r1", "r3"]))
    assert store.query(at(40.0)[None], 10, where={"source": "nobody"}) == [[]]


def test_query_with_a_numeric_range(store: ChunkStore) -> None:
    fill(store)
    where = {"$and": [{"published_ts": {"$gte": 1.7e9}}, {"published_ts": {"$lt": 1.8e9}}]}
    (got,) = store.query(at(0.0)[None], 10, where=where)
    assert_hits(got, expected(0.0, ["r2", "r3"]))
    both = {"$and": [{"published_ts": {"$gte": 1.7e9}}, {"source": "TechCrunch"}]}
    assert_hits(store.query(at(0.0)[None], 10, where=both)[0], expected(0.0, ["r2", "r4"]))
    assert_hits(store.query(at(0.0)[None], 10, where={"chunk": {"$gt": 3}})[0], expected(0.0, ["r4", "r5"]))


def test_query_filters_on_a_field_some_rows_lack(store: ChunkStore) -> None:
    """What Chroma does with rows missing the field: an equality never matches them, but $ne and $nin do."""
    fill(store)
    assert store.query(at(0.0)[None], 10, where={"author": "someone"}) == [[]]
    assert_hits(store.query(at(0.0)[None], 10, where={"source": {"$ne": "TechCrunch"}})[0],
                expected(0.0, ["r1", "r3", "r5"]))
    assert_hits(store.query(at(0.0)[None], 10, where={"source": {"$nin": ["TechCrunch", "Reuters"]}})[0],
                expected(0.0, ["r5"]))


def test_query_k_larger_than_the_collection_returns_what_there_is(store: ChunkStore) -> None:
    fill(store)
    got = store.query(np.stack([at(40.0), at(75.0)]), 1000)
    assert_hits(got[0], expected(40.0, list(ANGLES)))
    assert_hits(got[1], expected(75.0, list(ANGLES)))
    assert_hits(store.query(at(40.0)[None], 2**40)[0], expected(40.0, list(ANGLES)))  # beyond Chroma's u32 too
    assert_hits(store.query(at(40.0)[None], 50, where={"source": "Reuters"})[0], expected(40.0, ["r1", "r3"]))


def test_query_an_empty_collection(store: ChunkStore) -> None:
    assert store.query(np.stack([at(0.0), at(30.0)]), 5) == [[], []]
    assert store.query(at(0.0)[None], 5, where={"source": "TechCrunch"}) == [[]]
    fill(store, ["r0"])
    store.delete(["r0"])
    assert store.query(np.stack([at(0.0), at(30.0)]), 5) == [[], []]
    assert store.query(np.zeros((0, DIM), dtype=np.float32), 5) == []


def test_query_refuses_bad_arguments(store: ChunkStore) -> None:
    fill(store)
    with pytest.raises(ValueError, match="k must be at least 1"):
        store.query(at(0.0)[None], 0)
    with pytest.raises(ValueError, match=r"shape \(n, dim\)"):
        store.query(at(0.0), 3)
    with pytest.raises(StoreUnavailable, match="int or a float"):
        store.query(at(0.0)[None], 3, where={"published_ts": {"$gte": "yesterday"}})


def test_query_through_the_hnsw_index(open_store: OpenStore) -> None:
    """With tiny flush thresholds the rows leave Chroma's brute-force buffer for the HNSW graph: still exact here."""
    store = open_store(hnsw={"batch_size": 4, "sync_threshold": 4})
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(60, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"h{i:02d}" for i in range(60)]
    for i in range(0, 60, 10):  # several writes, so that several flushes happen
        store.upsert(ids[i : i + 10], vectors[i : i + 10], ids[i : i + 10], [{"chunk": j} for j in range(i, i + 10)])
    queries = rng.normal(size=(5, DIM)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    sims = queries @ vectors.T
    got = store.query(queries, 5)
    for row, hits in zip(sims, got):
        best = np.argsort(-row)[:5]
        assert [i for i, _ in hits] == [ids[b] for b in best]
        np.testing.assert_allclose([s for _, s in hits], row[best], atol=1e-4)


# -- embeddings
def test_embeddings_by_id_leaving_out_missing_ones(store: ChunkStore) -> None:
    assert store.embeddings(["r0"]) == {} and store.embeddings([]) == {}
    fill(store)
    got = store.embeddings(["r4", "missing", "r1", "r4"])
    assert sorted(got) == ["r1", "r4"]
    for i, embedding in got.items():
        assert embedding.dtype == np.float32 and embedding.shape == (DIM,)
        np.testing.assert_allclose(embedding, at(ANGLES[i]), atol=1e-6)
