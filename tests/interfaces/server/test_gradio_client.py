"""The chat as a Gradio API endpoint: `gradio_client.Client(url).predict(message, api_name="/chat")` against a
real `assistant serve` (seeded sample, extractive backend)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.interfaces.server.conftest import Server, start_server

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture(scope="module")
def client(server: Server) -> Client:
    return Client(server.url, verbose=False, download_files=False)


def test_chat_returns_a_grounded_answer_with_markers(client: Client) -> None:
    answer = client.predict("What did the executive order tell Chicago police to wear?", api_name="/chat")
    assert isinstance(answer, str)
    assert "uniforms" in answer and "[1]" in answer
    assert all(1 <= int(n) <= 4 for n in re.findall(r"\[(\d+)\]", answer))


def test_unanswerable_question_is_refused(client: Client) -> None:
    answer = client.predict("What is the population of Chicago?", api_name="/chat")
    assert answer.startswith("The articles don't say.") and "[" not in answer


def test_bad_question_is_a_plain_error(client: Client) -> None:
    with pytest.raises(AppError) as info:
        client.predict("   ", api_name="/chat")
    assert "question is empty" in str(info.value) and "Traceback" not in str(info.value)
    with pytest.raises(AppError) as info:
        client.predict("x" * 5000, api_name="/chat")
    assert "limit is 4,000" in str(info.value)


def test_only_the_chat_endpoint_is_public(server: Server) -> None:
    info = httpx.get(f"{server.url}/gradio_api/info", timeout=30).json()
    assert list(info["named_endpoints"]) == ["/chat"] and not info["unnamed_endpoints"]
    chat = info["named_endpoints"]["/chat"]
    assert [p["parameter_name"] for p in chat["parameters"]] == ["message"]
    assert chat["parameters"][0]["python_type"]["type"] == "str" and chat["returns"][0]["python_type"]["type"] == "str"


def test_ui_login_protects_the_chat_endpoint(tmp_path: Path) -> None:
    locked = start_server(tmp_path / "index", env={"ASSISTANT_UI_AUTH": "ann:s3cret-pw"})
    try:
        with pytest.raises(Exception) as info:  # noqa: PT011 - gradio_client raises different errors by version
            Client(locked.url, verbose=False).predict("What did the executive order tell Chicago police to wear?",
                                                      api_name="/chat")
        assert "s3cret-pw" not in str(info.value)
        with pytest.raises(Exception):  # noqa: PT011
            Client(locked.url, auth=("ann", "wrong"), verbose=False)
        answer = Client(locked.url, auth=("ann", "s3cret-pw"), verbose=False).predict(
            "What did the executive order tell Chicago police to wear?", api_name="/chat")
        assert "uniforms" in answer and "[1]" in answer
        assert "s3cret-pw" not in locked.log.read_text()
    finally:
        locked.stop()
