"""Crash safety of indexing: a Hypothesis state machine adds, edits and deletes articles, re-indexes, and crashes at
a random write (injected); after every step the store holds exactly the chunks of the current articles."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from assistant.assistant import Assistant, Parts
from assistant.indexing.chunking import article_id, chunk_id
from assistant.loading import load_source
from assistant.settings import Settings
from assistant.indexing.store import ChunkStore, make_client

SENTENCES = [
    "The council approved the new budget on Tuesday.",
    "Officials said the vote was closer than expected.",
    "The mayor promised to repair roads before winter.",
    "Critics argued the plan ignored public transport.",
    "A storm knocked out power to thousands of homes.",
    "Engineers restored service within six hours.",
    "The company reported record profits this quarter.",
    "Shares rose four percent in early trading.",
    "The team won its third straight game on Sunday.",
    "The coach praised the defence after the match.",
]


class SimulatedCrash(Exception):
    """Raised by an injected fault at a write."""


class CrashInjector:
    """Counts writes to the store and the manifest; raises SimulatedCrash at write number ``at`` (before or after)."""

    def __init__(self, assistant: Assistant, at: int, after: bool) -> None:
        self.remaining, self.after = at, after
        for obj, name in ((assistant.components.store, "upsert"), (assistant.components.store, "update_metadata"),
                          (assistant.components.store, "delete"), (assistant.components.manifest, "commit")):
            setattr(obj, name, self._wrap(getattr(obj, name)))

    def _wrap(self, method):  # noqa: ANN001, ANN202
        def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            self.remaining -= 1
            if self.remaining == 0 and not self.after:
                raise SimulatedCrash
            result = method(*args, **kwargs)
            if self.remaining == 0 and self.after:
                raise SimulatedCrash
            return result
        return wrapped


class IndexingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="crash-"))
        self.folder = self.root / "news"
        self.folder.mkdir()
        self.settings = Settings(index_dir=self.root / "index", seed_sample=False)
        self.files: dict[str, str] = {}
        self.counter = 0
        self.assistant = self._open()

    def _open(self) -> Assistant:
        # Tiny HNSW flush threshold so that flushes happen inside the runs.
        store = ChunkStore(make_client(self.settings.chroma_dir, None), self.settings.collection, EMBEDDER.name,
                           hnsw={"sync_threshold": 8, "batch_size": 8})
        return Assistant(self.settings, Parts(embedder=EMBEDDER, store=store))

    def _reopen(self) -> None:
        self.assistant.close()
        self.assistant = self._open()

    def _expected_ids(self) -> set[str]:
        version = self.assistant.components.chunker.config.pipeline_version
        expected = set()
        for article in load_source(self.folder).articles if self.files else []:
            aid = article_id(article.body, version)
            expected |= {c.id for c in self.assistant.components.chunker.chunk(article.body, aid)}
        return expected

    @rule(sentences=st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=12))
    def add_article(self, sentences: list[str]) -> None:
        self.counter += 1
        name = f"a{self.counter}.txt"
        text = f"Story {self.counter}\n\n" + " ".join(sentences)
        (self.folder / name).write_text(text)
        self.files[name] = text

    @precondition(lambda self: self.files)
    @rule(data=st.data(), sentence=st.sampled_from(SENTENCES))
    def edit_article(self, data: st.DataObject, sentence: str) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)))
        self.files[name] += " " + sentence
        (self.folder / name).write_text(self.files[name])

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete_article(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)))
        (self.folder / name).unlink()
        del self.files[name]

    @rule()
    def reindex(self) -> None:
        if self.files:
            report = self.assistant.index([self.folder])
            assert not report.failed
            self._check_converged()

    @rule(at=st.integers(1, 6), after=st.booleans())
    def crash_while_indexing(self, at: int, after: bool) -> None:
        if not self.files:
            return
        CrashInjector(self.assistant, at, after)
        try:
            self.assistant.index([self.folder])
        except SimulatedCrash:
            pass
        self._reopen()  # as a new process would: fresh store and manifest objects
        report = self.assistant.index([self.folder])  # the next run repairs
        assert not report.failed
        self._check_converged()

    def _check_converged(self) -> None:
        stored = self.assistant.components.store.ids()
        assert stored == self._expected_ids(), "store must hold exactly the chunks of the current articles"
        manifest = {chunk_id(r.id, i) for r in self.assistant.components.manifest.articles().values() for i in range(r.chunks)}
        assert manifest == stored, "bookkeeping must agree with the store"
        assert self.assistant.components.store.count() == len(stored), "no duplicates"
        again = self.assistant.index([self.folder])
        assert again.chunks_embedded == 0 and again.chunks_deleted == 0, "a second re-index writes nothing"

    @invariant()
    def lock_is_free(self) -> None:
        assert self.assistant.components.lock._depth == 0

    def teardown(self) -> None:
        self.assistant.close()
        shutil.rmtree(self.root, ignore_errors=True)


EMBEDDER = None


@pytest.mark.slow
def test_indexing_survives_crashes_at_any_write(embedder) -> None:  # noqa: ANN001
    global EMBEDDER
    EMBEDDER = embedder
    IndexingMachine.TestCase.settings = settings(
        max_examples=40, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    IndexingMachine.TestCase().runTest()
