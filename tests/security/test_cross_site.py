"""Finding 4 (medium): a page on another site (or another localhost port) must not be able to write, and the server
answers only to its own name.

Before: POST /api/articles took a body with no Content-Type as JSON, and multipart, from any Origin; Gradio's CORS
reflected every localhost origin with credentials; any Host header was served (DNS rebinding).
"""

from __future__ import annotations

import httpx
import pytest

from tests.interfaces.server.conftest import Server

pytestmark = [pytest.mark.security, pytest.mark.server, pytest.mark.slow]

ARTICLE = b'{"title": "Planted", "body": "A planted article says the mayor resigned on Friday.", "source": "Evil"}'
EVIL = "http://evil.example"
OTHER_PORT = "http://localhost:9999"


def total(server: Server) -> int:
    return httpx.get(f"{server.url}/api/articles", timeout=30).json()["total"]


def test_a_body_without_content_type_is_not_taken_as_json(served: Server) -> None:
    before = total(served)
    response = httpx.post(f"{served.url}/api/articles", content=ARTICLE, timeout=30)  # fetch() with a Blob body
    assert response.status_code == 415 and response.json()["field"] == "Content-Type"
    response = httpx.post(f"{served.url}/api/articles", content=ARTICLE, headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert total(served) == before


@pytest.mark.parametrize("origin", [EVIL, OTHER_PORT, "null"])
def test_writes_from_another_origin_are_refused(served: Server, origin: str) -> None:
    before = total(served)
    posted = httpx.post(f"{served.url}/api/articles", content=ARTICLE, timeout=30,
                        headers={"content-type": "application/json", "origin": origin})
    assert posted.status_code == 403 and posted.json()["field"] == "Origin", posted.text
    uploaded = httpx.post(f"{served.url}/api/articles", files={"file": ("a.json", ARTICLE)}, headers={"origin": origin})
    assert uploaded.status_code == 403
    asked = httpx.post(f"{served.url}/api/ask", json={"question": "Who resigned?"}, headers={"origin": origin})
    assert asked.status_code == 403
    gradio = httpx.post(f"{served.url}/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"},
                        headers={"origin": origin})
    assert gradio.status_code == 403
    assert total(served) == before


def test_cross_site_fetch_metadata_is_refused(served: Server) -> None:
    response = httpx.post(f"{served.url}/api/articles", content=ARTICLE,
                          headers={"content-type": "application/json", "sec-fetch-site": "cross-site"})
    assert response.status_code == 403 and response.json()["field"] == "Sec-Fetch-Site"


def test_the_page_itself_can_still_write(served: Server) -> None:
    own = served.url  # the browser sends its own origin on same-origin POSTs
    response = httpx.post(f"{served.url}/api/ask", json={"question": "What did the executive order tell Chicago "
                          "police to wear?"}, headers={"origin": own, "sec-fetch-site": "same-origin"}, timeout=60)
    assert response.status_code == 200 and response.json()["citations"]


def test_no_cors_grant_to_other_origins(served: Server) -> None:
    for origin in (EVIL, OTHER_PORT, "http://127.0.0.1:1"):
        preflight = httpx.options(f"{served.url}/api/articles", headers={
            "origin": origin, "access-control-request-method": "POST",
            "access-control-request-headers": "content-type"})
        assert "access-control-allow-origin" not in preflight.headers, preflight.headers
        for path in ("/api/stats", "/config", "/gradio_api/info"):
            got = httpx.get(f"{served.url}{path}", headers={"origin": origin})
            assert "access-control-allow-origin" not in got.headers, (path, got.headers)
            assert "access-control-allow-credentials" not in got.headers


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "attacker.localhost.evil.example"])
def test_dns_rebinding_host_is_refused(served: Server, host: str) -> None:
    for method, path in (("GET", "/api/stats"), ("GET", "/"), ("GET", "/config")):
        response = httpx.request(method, f"{served.url}{path}", headers={"host": host}, timeout=30)
        assert response.status_code == 400 and "Host" in response.text, (path, response.text)
    assert httpx.get(f"{served.url}/api/stats", headers={"host": "localhost"}).status_code == 200
