"""Shared fixtures: every test gets its own index folder; the real models load once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.backends import Backends
from assistant.api import Assistant
from assistant.embedding import Embedder, resolve_model
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "assistant" / "samples" / "reuters-chicago-police-executive-order.txt"
CORPUS = REPO.parent / "shared" / "eval" / "multihop-rag" / "corpus.json"
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default index at a temporary folder and drop any ASSISTANT_* setting of the caller."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_") and key != "ASSISTANT_TEST_CHROMA_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    name, folder = resolve_model(None)
    return Embedder(name, folder, batch_size=32, threads=os.cpu_count())


@pytest.fixture(scope="session")
def local_backends() -> Backends:
    """The real local LLM (llama.cpp, Qwen2.5 1.5B), loaded once for the whole session."""
    return Backends(Settings(backend="local"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", backend="extractive", seed_sample=False)


@pytest.fixture
def assistant(settings: Settings, embedder: Embedder, local_backends: Backends) -> Iterator[Assistant]:
    a = Assistant(settings, embedder=embedder, backends=local_backends)
    yield a
    a.close()


@pytest.fixture
def sample_assistant(assistant: Assistant) -> Assistant:
    report = assistant.index([SAMPLE])
    assert report.added == 1 and not report.failed
    return assistant
