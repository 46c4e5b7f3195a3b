"""Finding 6 (medium): every body is capped before it is read, and the key is checked before the body.

Before: a 200 MB /api/ask body without a key cost 500 MB of memory before the 401; a million /v1 content parts took
12 s and 1 GB.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.security.conftest import rss_mb
from tests.interfaces.server.conftest import Server

pytestmark = [pytest.mark.security, pytest.mark.server, pytest.mark.slow]

FIFTY_MB = 50 * 2**20


def chunks(total: int, size: int = 2**20) -> Iterator[bytes]:
    """A body sent without Content-Length (chunked), as a client that hides its size would."""
    yield b'{"question": "' + b"x" * (size - 14)
    sent = size
    while sent < total:
        yield b"x" * size
        sent += size


def timed(method: str, url: str, **kwargs) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    try:
        response = httpx.request(method, url, timeout=60, **kwargs)
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError) as exc:  # the server may hang up early
        pytest.fail(f"no clean 413: {exc!r}")
    return response, time.monotonic() - started


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream", "/v1/chat/completions"])
def test_a_50_mb_body_is_refused_at_once(served: Server, path: str) -> None:
    before = rss_mb(served)
    response, seconds = timed("POST", f"{served.url}{path}", content=b"{" + b" " * FIFTY_MB + b"}",
                              headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text[:300]
    assert seconds < 5, seconds
    assert rss_mb(served) - before < 40


def test_a_chunked_body_is_cut_off_at_the_limit(served: Server) -> None:
    before = rss_mb(served)
    response, _ = timed("POST", f"{served.url}/api/ask", content=chunks(FIFTY_MB),
                        headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["field"] == "body"
    assert rss_mb(served) - before < 40


def test_the_key_is_checked_before_the_body(keyed: Server) -> None:
    before = rss_mb(keyed)
    for path in ("/api/ask", "/api/articles", "/v1/chat/completions"):
        response, seconds = timed("POST", f"{keyed.url}{path}", content=chunks(FIFTY_MB),
                                  headers={"content-type": "application/json"})
        assert response.status_code == 401, (path, response.text[:300])
        assert seconds < 5
    assert rss_mb(keyed) - before < 40


def test_a_million_content_parts_are_refused_fast(served: Server) -> None:
    parts = [{"type": "text", "text": ""}] * 1_000_000
    body = json.dumps({"model": "news-assistant", "messages": [{"role": "user", "content": parts}]}).encode()
    before = rss_mb(served)
    response, seconds = timed("POST", f"{served.url}/v1/chat/completions", content=body,
                              headers={"content-type": "application/json"})
    assert response.status_code == 413 and seconds < 5
    assert rss_mb(served) - before < 100


def test_content_parts_are_bounded_in_number_and_length(served: Server) -> None:
    many = [{"type": "text", "text": "x"}] * 65
    response = httpx.post(f"{served.url}/v1/chat/completions", timeout=60,
                          json={"model": "news-assistant", "messages": [{"role": "user", "content": many}]})
    assert response.status_code == 400 and "messages[0].content" in response.json()["error"]["param"]
    long = [{"type": "text", "text": "x" * 20_001}]
    response = httpx.post(f"{served.url}/v1/chat/completions", timeout=60,
                          json={"model": "news-assistant", "messages": [{"role": "user", "content": long}]})
    assert response.status_code == 400
