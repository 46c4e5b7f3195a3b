"""Finding 1 (critical): no Gradio event may read a file of the server's that the client names.

The attack: a ``{"path": ..., "meta": {"_type": "gradio.FileData"}}`` placed in any event input (the chat's history,
the Articles tab's file list, any other input) used to be copied into Gradio's cache and served back, or opened and
indexed. Here a canary file outside Gradio's upload folder is offered, in every shape a file input takes, to every
event of the running server; afterwards the canary's secret is nowhere in the cache, the index or a reply.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import call_event, events, gradio_dir
from tests.interfaces.server.conftest import Server

pytestmark = [pytest.mark.security, pytest.mark.server, pytest.mark.slow]


def file_data(path: Path) -> dict:
    return {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def payloads(path: Path) -> list[object]:
    """The shapes in which a client can name a file: bare, in a list (File with several files), as a chat message
    attachment (Chatbot history), as an image-like dict."""
    data = file_data(path)
    return [data, [data], [{"role": "user", "content": [{"type": "file", "file": data}]}],
            [{"role": "user", "content": {"path": str(path)}}], {"path": str(path)}]


@pytest.fixture
def canary(tmp_path: Path) -> tuple[Path, str]:
    secret = f"canary-{uuid.uuid4().hex}"
    path = tmp_path / "canary.md"  # a supported suffix: the upload handler would index it
    path.write_text(f"# Canary report {secret}\n\nThe canary {secret} was read by the server, which it must not be.\n")
    return path, secret


def cache_holds(folder: Path, secret: str) -> list[Path]:
    return [f for f in folder.rglob("*") if f.is_file() and secret.encode() in f.read_bytes()]


def test_no_event_copies_or_indexes_a_server_file(served: Server, canary: tuple[Path, str]) -> None:
    path, secret = canary
    replies: list[str] = []
    found = events(served.url)
    assert len(found) > 10  # chat, upload, paste, delete, search...
    for event in found:
        for payload in payloads(path):
            data = [payload] * max(1, len(event["inputs"]))
            replies.append(json.dumps(call_event(served.url, event["fn_index"], data)))
    assert not any(secret in r for r in replies)
    assert cache_holds(gradio_dir(served), secret) == []
    listed = httpx.get(f"{served.url}/api/articles", params={"q": "Canary"}, timeout=30).json()
    assert listed["total"] == 0, listed
    answer = httpx.post(f"{served.url}/api/ask", json={"question": f"What was the canary {secret}?"}, timeout=60).json()
    assert secret not in json.dumps(answer["citations"])


def test_system_files_are_not_served_through_the_chat_history(served: Server) -> None:
    """The probe's own examples: the password database and the process's environment (which holds the API key)."""
    answer_events = [e for e in events(served.url) if e["outputs"] == ["chatbot", "html", "state"]]
    assert len(answer_events) == 3  # asked by Enter, by the button, by an example
    for target in (Path("/etc/passwd"), Path("/proc/self/environ")):
        for event in answer_events:
            history = [{"role": "user", "content": [{"type": "file", "file": file_data(target)}]}]
            reply = call_event(served.url, event["fn_index"], [history] * len(event["inputs"]))
            assert "root:" not in json.dumps(reply)
    names = [f.name for f in gradio_dir(served).rglob("*") if f.is_file()]
    assert "passwd" not in names and "environ" not in names


def test_a_real_upload_still_indexes(served: Server, tmp_path: Path) -> None:
    """The fix keeps the feature: a file uploaded through Gradio's upload route is indexed, then removed."""
    story = tmp_path / "tide.md"
    story.write_text("# Harbour tide gauge replaced\n\nThe harbour's tide gauge, installed in 1931, was replaced "
                     "on Monday by a radar sensor, the port authority said.\n")
    with story.open("rb") as f:
        uploaded = httpx.post(f"{served.url}/gradio_api/upload", files={"files": (story.name, f)}, timeout=60)
    assert uploaded.status_code == 200, uploaded.text
    (cached,) = uploaded.json()
    assert Path(cached).is_relative_to(gradio_dir(served))
    upload_event = next(e for e in events(served.url) if e["inputs"] == ["file"])
    reply = call_event(served.url, upload_event["fn_index"], [[file_data(Path(cached))]])
    assert reply.get("success") and "<b>1</b> added" in reply["output"]["data"][0], reply
    assert not Path(cached).exists()  # read once, then removed from the cache
    assert httpx.get(f"{served.url}/api/articles", params={"q": "tide gauge"}, timeout=30).json()["total"] == 1
