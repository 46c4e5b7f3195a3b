"""The HTTP API (/health, /api/*) of a real `assistant serve` process, called with plain HTTP (httpx).

Every route, every error path (a 4xx naming the field, never a 500), the bearer token, and the server-sent events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.interfaces.server.conftest import Server, free_port, start_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUESTION = "What did the executive order tell Chicago police to wear?"
CITATION_FIELDS = {"n", "title", "source", "author", "published_at", "url", "text", "start", "end", "article_id",
                   "chunk_id", "highlight"}
KEY = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server over the seeded sample (extractive backend); the LLM backends point at a port nothing listens on."""
    dead = f"http://127.0.0.1:{free_port()}"
    running = start_server(tmp_path_factory.mktemp("api") / "index",
                           env={"ASSISTANT_OPENAI_BASE_URL": f"{dead}/v1", "ASSISTANT_OLLAMA_URL": dead,
                                "ASSISTANT_LLM_TIMEOUT": "5",
                                "ASSISTANT_ALLOWED_BACKENDS": "extractive,local,ollama,openai"})
    with httpx.Client(base_url=running.url, timeout=60) as client:
        yield client
    running.stop()


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("keyed") / "index",
                           env={"ASSISTANT_API_KEY": KEY, "ASSISTANT_AUTH_FAILURES_PER_MINUTE": "1000"})
    yield running
    running.stop()


def events(text: str) -> list[tuple[str, dict]]:
    """Return the (event, data) pairs of a server-sent events body."""
    found = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def error_of(response: httpx.Response, status: int, field: str) -> str:
    """Assert a JSON error with ``status`` naming ``field``; return its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field, body
    assert field in body["error"] and body["errors"][0]["field"] == field
    return body["error"]


# -- asking
def test_health_is_open(api: httpx.Client) -> None:
    assert api.get("/health").json() == {"status": "ok"}


def test_ask_answers_with_citations(api: httpx.Client) -> None:
    body = api.post("/api/ask", json={"question": QUESTION}).json()
    assert body["refused"] is False and "[1]" in body["answer"]
    assert body["citations"] and all(set(c) >= CITATION_FIELDS for c in body["citations"])  # additions allowed
    cited = {c["n"] for c in body["citations"]}
    assert cited == {int(n) for n in __import__("re").findall(r"\[(\d+)\]", body["answer"])}
    assert any("uniform" in c["text"] for c in body["citations"])
    first = body["citations"][0]
    assert first["source"] == "Reuters" and first["title"].startswith("Chicago police")
    assert first["text"][first["highlight"][0]:first["highlight"][1]]  # the supporting sentence is in the passage
    assert body["backend"] == "extractive"


def test_ask_refuses_what_the_articles_do_not_say(api: httpx.Client) -> None:
    body = api.post("/api/ask", json={"question": "Who won the 1998 Tour de France cycling race?"}).json()
    assert body["refused"] is True and body["citations"] == []


def test_ask_filters_and_history(api: httpx.Client) -> None:
    other = api.post("/api/ask", json={"question": QUESTION, "filters": {"sources": ["Nobody's Gazette"]}}).json()
    assert other["refused"] is True  # the only article is Reuters'
    kept = api.post("/api/ask", json={"question": QUESTION, "filters": {"sources": ["Reuters"]}}).json()
    assert kept["refused"] is False
    follow = api.post("/api/ask", json={
        "question": "And what did it say about masks?",
        "history": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": kept["answer"]}],
    }).json()
    assert follow["standalone_question"] != follow["question"]  # made standalone from the history
    assert follow["refused"] is False and any("masks" in c["text"] for c in follow["citations"])


def test_ask_stream_sends_sources_then_tokens_then_the_checked_answer(api: httpx.Client) -> None:
    response = api.post("/api/ask/stream", json={"question": QUESTION})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    found = events(response.text)
    kinds = [k for k, _ in found]
    assert kinds[0] == "sources" and kinds[-1] == "answer" and "token" in kinds
    assert set(kinds[1:-1]) == {"token"}
    passages = found[0][1]["passages"]
    assert passages and {"n", "title", "text", "start", "end", "article_id"} <= set(passages[0])
    answer = found[-1][1]
    assert answer["refused"] is False and answer["citations"]
    assert {c["chunk_id"] for c in answer["citations"]} <= {p["chunk_id"] for p in passages}
    draft = "".join(d["text"] for k, d in found if k == "token")
    assert draft.strip()


def test_ask_stream_of_a_follow_up_starts_with_the_rewrite(api: httpx.Client) -> None:
    response = api.post("/api/ask/stream", json={"question": "And what about masks?",
                                                 "history": [{"role": "user", "content": QUESTION}]})
    kinds = [k for k, _ in events(response.text)]
    assert kinds[:2] == ["rewrite", "sources"] and kinds[-1] == "answer"


@pytest.mark.parametrize(("body", "field"), [
    ({"question": ""}, "question"),
    ({"question": "   \u200b "}, "question"),
    ({"question": "x" * 4001}, "question"),
    ({"question": 42}, "question"),
    ({}, "question"),
    ({"question": QUESTION, "backend": "gpt-99"}, "backend"),
    ({"question": QUESTION, "filters": {"published_after": "next tuesday"}}, "filters.published_after"),
    ({"question": QUESTION, "filters": {"published_after": "2024-05-01", "published_before": "2024-01-01"}}, "filters"),
    ({"question": QUESTION, "filters": {"sources": "Reuters"}}, "filters.sources"),
    ({"question": QUESTION, "history": [{"role": "system", "content": "obey"}]}, "history[0].role"),
    ({"question": QUESTION, "history": "earlier"}, "history"),
    ({"question": QUESTION, "filter": {}}, "filter"),
])
def test_ask_rejects_bad_requests_naming_the_field(api: httpx.Client, body: dict, field: str) -> None:
    for path in ("/api/ask", "/api/ask/stream"):
        error_of(api.post(path, json=body), 422, field)


def test_ask_rejects_malformed_json_and_other_content(api: httpx.Client) -> None:
    error_of(api.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"}), 422, "body")
    response = api.post("/api/ask", content=b"question=hi", headers={"content-type": "text/plain"})
    error_of(response, 415, "Content-Type")
    assert api.post("/api/ask", json=["a list"]).status_code == 422


def test_backend_down_is_503_not_500(api: httpx.Client) -> None:
    response = api.post("/api/ask", json={"question": QUESTION, "backend": "openai"})
    assert response.status_code == 503, response.text
    assert "backend is unavailable" in response.json()["error"]
    streamed = api.post("/api/ask/stream", json={"question": QUESTION, "backend": "ollama"})
    if streamed.status_code == 200:  # the failure came after the sources: an error event ends the stream
        kind, data = events(streamed.text)[-1]
        assert kind == "error" and data["status"] == 503
    else:
        assert streamed.status_code == 503


# -- articles
def test_post_one_article_then_read_list_and_delete_it(api: httpx.Client) -> None:
    article = {"title": "Harbour bridge reopens", "body": "The Harbour bridge reopened on Monday after 14 months of "
               "repairs that cost 212 million dollars, the city transport office said.", "source": "City Herald",
               "author": "Ann Lee", "published_at": "2024-03-04", "url": "https://example.org/bridge"}
    report = api.post("/api/articles", json=article).json()
    assert (report["added"], report["failed"]) == (1, []) and report["chunks_embedded"] >= 1
    again = api.post("/api/articles", json=article).json()
    assert (again["added"], again["unchanged"], again["chunks_embedded"]) == (0, 1, 0)

    page = api.get("/api/articles", params={"source": "City Herald"}).json()
    assert page["total"] == 1 and page["articles"][0]["title"] == "Harbour bridge reopens"
    article_id = page["articles"][0]["id"]
    detail = api.get(f"/api/articles/{article_id}").json()
    assert detail["url"] == "https://example.org/bridge" and "212 million" in detail["text"]
    assert detail["published_at"].startswith("2024-03-04")

    answer = api.post("/api/ask", json={"question": "How much did the Harbour bridge repairs cost?"}).json()
    assert not answer["refused"] and any(c["article_id"] == article_id for c in answer["citations"])

    assert api.delete(f"/api/articles/{article_id}").json() == {"deleted": article_id}
    error_of(api.get(f"/api/articles/{article_id}"), 404, "article_id")
    error_of(api.delete(f"/api/articles/{article_id}"), 404, "article_id")
    assert api.get("/api/articles", params={"source": "City Herald"}).json()["total"] == 0


def test_post_many_articles_as_a_list_or_an_object(api: httpx.Client) -> None:
    items = [{"title": f"Tide report {i}", "body": f"The tide at pier {i} rose {i + 2} metres on Sunday.",
              "source": "Coast Daily", "published_at": f"2023-0{i + 1}-15"} for i in range(3)]
    assert api.post("/api/articles", json=items[:2]).json()["added"] == 2
    assert api.post("/api/articles", json={"articles": items[2:]}).json()["added"] == 1
    page = api.get("/api/articles", params={"source": "Coast Daily", "limit": 2}).json()
    assert page["total"] == 3 and len(page["articles"]) == 2
    assert [a["title"] for a in page["articles"]] == ["Tide report 2", "Tide report 1"]  # newest first
    rest = api.get("/api/articles", params={"source": "Coast Daily", "limit": 2, "offset": 2}).json()
    assert [a["title"] for a in rest["articles"]] == ["Tide report 0"]
    dated = api.get("/api/articles", params={"source": "Coast Daily", "published_after": "2023-02-01",
                                             "published_before": "2023-03-01"}).json()
    assert [a["title"] for a in dated["articles"]] == ["Tide report 1"]
    assert api.get("/api/articles", params={"q": "Tide report 0"}).json()["total"] == 1


def test_unknown_article_fields_are_ignored_and_named_in_warnings(api: httpx.Client) -> None:
    # Records of feeds such as MultiHop-RAG's corpus.json carry extra fields (category): accepted, not silently.
    item = {"title": "Pier repairs", "body": "Repairs to the north pier will cost 3 million euros.",
            "source": "Coast Daily", "category": "business", "titel": "typo"}
    report = api.post("/api/articles", json=[item]).json()
    assert report["added"] == 1
    assert report["warnings"] == [{"path": "articles[0]", "warning": "unknown fields ignored: category, titel"}]


def test_upload_files_as_multipart(api: httpx.Client, tmp_path: Path) -> None:
    text = "Title: Ferry strike ends\nSource: Port News\n\nFerry crews ended their strike on Thursday after 9 days."
    feed = "\n".join(json.dumps({"title": f"Market {i}", "body": f"Stall {i} sold {i + 5} crates of apples.",
                                 "source": "Farm Weekly"}) for i in range(2))
    report = api.post("/api/articles", files=[("file", ("ferry.txt", text.encode())),
                                              ("file", ("market.jsonl", feed.encode("utf-16"))),
                                              ("file", ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00"))]).json()
    assert report["added"] == 3
    assert [f["path"] for f in report["failed"]] == ["photo.png"]
    assert api.get("/api/articles", params={"source": "Port News"}).json()["total"] == 1
    assert api.get("/api/articles", params={"source": "Farm Weekly"}).json()["total"] == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"title": "No text"}, "article.body"),
    ({"body": ""}, "article.body"),
    ({"body": "\u200b\u200b"}, "article.body"),
    ({"body": 17}, "article.body"),
    ({"body": "Some text.", "published_at": "yesterday-ish"}, "article.published_at"),
    ([{"body": "ok."}, {"title": "missing body"}], "articles[1].body"),
    ([], "articles"),
    ({"articles": []}, "articles"),
    ({"articles": [{"body": "ok."}, {"body": "ok too.", "url": 5}]}, "articles[1].url"),
    ("just a string", "body"),
])
def test_post_articles_rejects_bad_json_naming_the_field(api: httpx.Client, body: object, field: str) -> None:
    before = api.get("/api/stats").json()["articles"]
    error_of(api.post("/api/articles", json=body), 422, field)
    assert api.get("/api/stats").json()["articles"] == before  # nothing was indexed


def test_post_articles_other_errors(api: httpx.Client) -> None:
    error_of(api.post("/api/articles", content=b"{not json", headers={"content-type": "application/json"}), 422, "body")
    error_of(api.post("/api/articles", content=b"hello", headers={"content-type": "text/plain"}), 415, "Content-Type")
    error_of(api.post("/api/articles", files=[("file", ("a.exe", b"MZ\x00\x00\x01"))]), 422, "a.exe")
    error_of(api.post("/api/articles", files=[("file", ("notes.docx", b"plain words"))]), 422, "notes.docx")
    error_of(api.post("/api/articles", files=[("other", ("a.txt", b"x"))]), 422, "other")
    error_of(api.post("/api/articles", data={"file": "not a file"}, files=[("x", ("", b""))]), 422, "file")
    response = api.post("/api/articles", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 422


def test_oversize_body_is_413(api: httpx.Client) -> None:
    big = b"a" * (100 * 2**20 + 1)
    error_of(api.post("/api/articles", files=[("file", ("big.txt", big))]), 413, "body")


@pytest.mark.parametrize(("params", "field"), [
    ({"published_after": "whenever"}, "published_after"),
    ({"published_before": "13/13/13"}, "published_before"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"offset": -1}, "offset"),
])
def test_list_articles_rejects_bad_parameters(api: httpx.Client, params: dict, field: str) -> None:
    error_of(api.get("/api/articles", params=params), 422, field)


def test_stats(api: httpx.Client) -> None:
    stats = api.get("/api/stats").json()
    assert stats["articles"] >= 1 and stats["chunks"] == stats["stored_chunks"] > 0
    assert stats["embedding_model"].endswith("all-MiniLM-L6-v2") and stats["embedding_dimension"] == 384
    assert stats["backend"] == "extractive"


def test_openapi_documents_every_route(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    assert {"/health", "/api/ask", "/api/ask/stream", "/api/articles", "/api/articles/{article_id}", "/api/stats",
            "/v1/models", "/v1/chat/completions"} <= set(schema["paths"])
    body = schema["paths"]["/api/articles"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert "ArticleIn" in schema["components"]["schemas"]
    assert api.get("/docs").status_code == 200


# -- the bearer token
def test_api_key_is_required_on_every_api_route(keyed: Server) -> None:
    url = keyed.url
    calls = [("GET", "/api/stats", None), ("GET", "/api/articles", None), ("GET", "/api/articles/abc", None),
             ("DELETE", "/api/articles/abc", None), ("POST", "/api/ask", {"question": QUESTION}),
             ("POST", "/api/ask/stream", {"question": QUESTION}), ("POST", "/api/articles", {"body": "Some text."}),
             ("GET", "/v1/models", None),
             ("POST", "/v1/chat/completions", {"model": "news-assistant", "messages": [{"role": "user", "content": "hi"}]})]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer wrong-key"}, {"Authorization": f"Basic {KEY}"},
                        {"Authorization": KEY}):
            response = httpx.request(method, url + path, json=body, headers=headers, timeout=30)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            assert KEY not in response.text
    good = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{url}/api/stats", headers=good).status_code == 200
    answer = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, headers=good, timeout=60).json()
    assert answer["citations"]
    assert httpx.get(f"{url}/v1/models", headers=good).status_code == 200
    assert httpx.get(f"{url}/health").status_code == 200  # liveness stays open
    unauthorized = httpx.get(f"{url}/api/stats").json()
    assert unauthorized["field"] == "Authorization" and "Bearer" in unauthorized["error"]


def test_public_address_needs_the_api_key_even_with_a_ui_password(tmp_path: Path) -> None:
    import subprocess

    from tests.interfaces.server.conftest import EXE

    result = subprocess.run([EXE, "serve", "--host", "0.0.0.0", "--port", str(free_port())], capture_output=True,
                            text=True, timeout=120, env={"ASSISTANT_INDEX_DIR": str(tmp_path / "i"),
                                                         "ASSISTANT_UI_AUTH": "ann:pw", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "refusing to listen on 0.0.0.0" in result.stderr and "the API would be open" in result.stderr
