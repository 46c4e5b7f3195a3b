"""Shared fixtures: every test gets its own index folder; the real models load once per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.backends import Backends
from assistant.assistant import Assistant, Parts
from assistant.indexing.embedding import Embedder, resolve_model
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "assistant" / "samples" / "reuters-chicago-police-executive-order.txt"
# The team's shared folder sits beside the checkout; MULTIHOP_RAG_DIR points elsewhere (a clone in another place).
MULTIHOP = Path(os.environ.get("MULTIHOP_RAG_DIR") or REPO.parent / "shared" / "eval" / "multihop-rag")
CORPUS = MULTIHOP / "corpus.json"
DATA = Path(__file__).parent / "data"
needs_multihop = pytest.mark.skipif(
    not (CORPUS.is_file() and (MULTIHOP / "MultiHopRAG.json").is_file()),
    reason=f"the MultiHop-RAG files are not in {MULTIHOP} (set MULTIHOP_RAG_DIR to their folder)")


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
    # the product's default runtime (onnxruntime), its graph in the user's cache folder as the product keeps it
    return Embedder(name, folder, batch_size=32, threads=os.cpu_count(), onnx_dir=Settings().cache_dir)


@pytest.fixture(scope="session")
def local_backends() -> Backends:
    """The real local LLM (llama.cpp, Qwen2.5 1.5B), loaded once for the whole session."""
    return Backends(Settings(backend="local"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", backend="extractive", seed_sample=False)


@pytest.fixture
def assistant(settings: Settings, embedder: Embedder, local_backends: Backends) -> Iterator[Assistant]:
    a = Assistant(settings, Parts(embedder=embedder, backends=local_backends))
    yield a
    a.close()


@pytest.fixture
def sample_assistant(assistant: Assistant) -> Assistant:
    report = assistant.index([SAMPLE])
    assert report.added == 1 and not report.failed
    return assistant


# -- store modes: the store/indexer tests run on the local folder and on a real `chroma run` server
def _chroma_alive(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real Chroma server on 127.0.0.1: ASSISTANT_TEST_CHROMA_URL when CI started one (.ci/run), else a
    `chroma run` started for this session (stopped at its end)."""
    given = os.environ.get("ASSISTANT_TEST_CHROMA_URL", "").rstrip("/")
    if given:
        if not _chroma_alive(given):
            pytest.fail(f"ASSISTANT_TEST_CHROMA_URL={given} does not answer")
        yield given
        return
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert exe, "the `chroma` command (it comes with chromadb) is not installed"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("chroma-server")
    log = folder / "chroma.log"
    with log.open("w") as sink:
        process = subprocess.Popen([exe, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port",
                                    str(port)], stdout=sink, stderr=subprocess.STDOUT,
                                   env=os.environ | {"ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _chroma_alive(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`chroma run` did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(params=["local", "chroma-server"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for the local folder, or for the Chroma server with a collection of the test's own (deleted after)."""
    if request.param == "local":
        yield Settings(index_dir=tmp_path / "index", backend="extractive", seed_sample=False)
        return
    url = request.getfixturevalue("chroma_url")
    collection = f"test-{uuid.uuid4().hex[:16]}"
    yield Settings(index_dir=tmp_path / "index", backend="extractive", seed_sample=False, chroma_url=url,
                   collection=collection)
    from assistant.indexing.store import make_client

    client = make_client(tmp_path, url)
    if collection in {getattr(c, "name", c) for c in client.list_collections()}:
        client.delete_collection(collection)
