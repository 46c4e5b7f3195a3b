"""Finding 8 (info, decided): only http(s) URLs and no markup in stored metadata; a request picks only a backend the
server offers; /docs loads nothing from a CDN; nothing in the index folder is executed; a Chroma server's token is
sent and never shown."""

from __future__ import annotations

import http.server
import pickle
import re
import threading
from pathlib import Path

import httpx
import pytest

from assistant.errors import StoreUnavailable
from assistant.indexing.store import make_client
from tests.security.conftest import post_articles, serve
from tests.interfaces.server.conftest import Server, free_port

pytestmark = [pytest.mark.security, pytest.mark.server, pytest.mark.slow]


def test_only_http_urls_are_stored(served: Server) -> None:
    for url in ("javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>", "/relative/path"):
        response = post_articles(served, [{"title": "Bad link", "body": "A story about a bad link.", "url": url}])
        assert response.status_code == 422 and response.json()["field"] == "articles[0].url", response.text
    feed = b'[{"title": "Feed link", "body": "A feed story with a script link.", "url": "javascript:alert(1)"}]'
    report = httpx.post(f"{served.url}/api/articles", files={"file": ("feed.json", feed)}, timeout=60).json()
    assert report["added"] == 1 and any("not an http(s) link" in w["warning"] for w in report["warnings"])
    found = httpx.get(f"{served.url}/api/articles", params={"q": "Feed link"}).json()["articles"]
    assert found[0]["url"] is None


def test_markup_in_metadata_is_stored_as_text(served: Server) -> None:
    post_articles(served, [{"title": "<b onmouseover=alert(1)>Bold</b> move <script>x()</script>",
                            "source": "<i>Outlet</i>", "body": "A story about a bold move by the council.",
                            "url": "https://x.example/bold"}])
    (row,) = httpx.get(f"{served.url}/api/articles", params={"q": "move"}).json()["articles"]
    assert row["title"] == "Bold move x()" and row["source"] == "Outlet"


def test_a_request_may_pick_only_an_offered_backend(served: Server) -> None:
    response = httpx.post(f"{served.url}/api/ask", json={"question": "What happened?", "backend": "openai"})
    assert response.status_code == 422 and response.json()["field"] == "backend"
    assert "not offered" in response.json()["error"]
    response = httpx.post(f"{served.url}/v1/chat/completions", json={
        "model": "news-assistant-openai", "messages": [{"role": "user", "content": "What happened?"}]})
    assert response.status_code == 400 and response.json()["error"]["param"] == "backend"


def test_docs_load_nothing_from_outside(served: Server) -> None:
    page = httpx.get(f"{served.url}/docs").text
    sources = re.findall(r"""(?:src|href)=["']([^"']+)""", page) + re.findall(r"url:\s*'([^']+)'", page)
    assert sources and not [s for s in sources if s.startswith(("http://", "https://", "//"))], sources
    for source in sources:
        assert httpx.get(f"{served.url}{source}").status_code == 200, source


def test_nothing_in_the_index_folder_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    index = tmp_path / "index"
    index.mkdir(parents=True)
    payload = pickle.dumps(("key", type("X", (), {"__reduce__": lambda self: (marker.write_text, ("pwned",))})()))
    for name in ("search-index.pkl", "search-index.pkl.tmp"):
        (index / name).write_bytes(payload)
    running = serve(tmp_path)
    try:
        body = httpx.post(f"{running.url}/api/ask", json={
            "question": "What did the executive order tell Chicago police to wear?"}, timeout=60).json()
        assert body["citations"]
    finally:
        running.stop()
    assert not marker.exists()


def test_the_chroma_token_is_sent_and_never_shown(tmp_path: Path) -> None:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(401)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(StoreUnavailable) as raised:
            make_client(tmp_path, f"http://127.0.0.1:{port}", "chroma-secret-token")
    finally:
        server.shutdown()
    assert "Bearer chroma-secret-token" in seen
    assert "chroma-secret-token" not in str(raised.value)
