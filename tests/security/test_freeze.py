"""Finding 2 (high): one request must not freeze the server.

A JSON array of 20,000 integers posted to /api/articles used to block the event loop for about 23 s (every item
validated before the count limit, errors de-duplicated in quadratic time): nothing else was served meanwhile.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from tests.interfaces.server.conftest import Server

pytestmark = [pytest.mark.security, pytest.mark.server, pytest.mark.slow]


def health_while(server: Server, body: bytes) -> tuple[httpx.Response, float, float]:
    """Post ``body`` to /api/articles while timing /health; return the response, its seconds, and the slowest
    /health answer seen meanwhile."""
    result: dict = {}

    def post() -> None:
        started = time.monotonic()
        result["response"] = httpx.post(f"{server.url}/api/articles", content=body,
                                        headers={"content-type": "application/json"}, timeout=600)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=post)
    thread.start()
    slowest = 0.0
    with httpx.Client(base_url=server.url, timeout=60) as client:
        while thread.is_alive():
            started = time.monotonic()
            assert client.get("/health").status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.05)
    thread.join()
    return result["response"], result["seconds"], slowest


@pytest.mark.parametrize("count", [20_000, 1_000_000])
def test_a_long_array_of_numbers_is_refused_at_once(served: Server, count: int) -> None:
    response, seconds, slowest = health_while(served, json.dumps(list(range(count))).encode())
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == "articles" and f"{count:,}" in body["error"] and "limit is 1,000" in body["error"]
    assert len(body["errors"]) <= 20
    assert seconds < 5, seconds
    assert slowest < 2, slowest


def test_many_bad_articles_get_a_short_report_fast(served: Server) -> None:
    """1,000 items (the limit), each wrong in several ways: validation stays linear, the error list short."""
    bad = [{"title": 5, "body": [], "source": {"x": 1}, "url": 7} for _ in range(1000)]
    response, seconds, slowest = health_while(served, json.dumps(bad).encode())
    assert response.status_code == 422 and response.json()["field"].startswith("articles[0]")
    assert len(response.json()["errors"]) <= 20
    assert seconds < 5 and slowest < 2, (seconds, slowest)
