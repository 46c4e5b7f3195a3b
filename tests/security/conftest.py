"""The security suite's tools: a real `assistant serve` whose Gradio cache is a folder the test can search, and
Gradio events sent the way an attacker would send them (straight to the queue, any payload)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.interfaces.server.conftest import Server, start_server

KEY = "security-suite-key-0123456789"


def serve(folder: Path, env: dict[str, str] | None = None, seed: bool = True) -> Server:
    """Start `assistant serve` (extractive) with its Gradio cache in ``folder / "gradio"``."""
    cache = folder / "gradio"
    cache.mkdir(parents=True, exist_ok=True)
    base = {"GRADIO_TEMP_DIR": str(cache), "ASSISTANT_SEED_SAMPLE": "true" if seed else "false"}
    return start_server(folder / "index", env=base | (env or {}))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An open server on loopback (no key, no login) over the bundled sample article."""
    running = serve(tmp_path_factory.mktemp("served"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with ASSISTANT_API_KEY set (the key is also the web UI's password)."""
    running = serve(tmp_path_factory.mktemp("keyed"), env={"ASSISTANT_API_KEY": KEY})
    yield running
    running.stop()


def gradio_dir(server: Server) -> Path:
    return server.index_dir.parent / "gradio"


def events(url: str, cookies: httpx.Cookies | None = None) -> list[dict]:
    """Return every event the page defines: ``{"fn_index", "inputs": [component type, ...], "outputs": [...]}``."""
    config = httpx.get(f"{url}/config", cookies=cookies, timeout=30).json()
    kinds = {c["id"]: c.get("type") for c in config["components"]}
    return [{"fn_index": i, "inputs": [kinds.get(t) for t in d["inputs"]],
             "outputs": [kinds.get(t) for t in d["outputs"]]} for i, d in enumerate(config["dependencies"])]


def call_event(url: str, fn_index: int, data: list, cookies: httpx.Cookies | None = None,
               timeout: float = 60) -> dict:
    """Send one event to Gradio's queue as a client may; return the final message (``process_completed``), or
    ``{"join": status}`` when the queue refused it."""
    session = uuid.uuid4().hex[:12]
    with httpx.Client(base_url=url, timeout=timeout, cookies=cookies) as client:
        joined = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index,
                                                             "session_hash": session, "event_data": None,
                                                             "trigger_id": None})
        if joined.status_code != 200:
            return {"join": joined.status_code, "text": joined.text}
        with client.stream("GET", f"/gradio_api/queue/data?session_hash={session}") as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") in ("process_completed", "unexpected_error"):
                    return message
    return {}


def rss_mb(server: Server) -> float:
    """Return the server process's resident memory in MB."""
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def post_articles(server: Server, articles: list[dict], headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{server.url}/api/articles", json=articles, headers=headers, timeout=300)


def environ_of(pid: int) -> str:
    return Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b"\n").decode(errors="replace")


