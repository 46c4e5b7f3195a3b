"""The chat as a Gradio API endpoint: `gradio_client.Client(url).predict(message, api_name="/chat")` against a
real `assistant serve` (seeded sample, extractive backend)."""

from __future__ import annotations

import re

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.server.conftest import Server

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
    assert [p["parameter_name"] for p in info["named_endpoints"]["/chat"]["parameters"]] == ["message"]
