"""Streaming and the Stop button in a real browser, with the real local LLM (llama.cpp, Qwen2.5 1.5B) behind a real
`assistant serve`: the answer grows token by token, the checked answer replaces the draft, Stop interrupts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
playwright = pytest.importorskip("playwright.sync_api", reason="the browser tests drive Chromium with Playwright")
Page, expect, sync_playwright = playwright.Page, playwright.expect, playwright.sync_playwright

from tests.interfaces.server.conftest import Server, start_server
from tests.interfaces.server.test_ui_browser import QUESTION, TIMEOUT, launch

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.server, pytest.mark.llm]


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("llm-ui") / "index", backend="local")
    yield server
    server.stop()


@pytest.fixture
def page(llm_server: Server) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(TIMEOUT * 3)
        pg.goto(llm_server.url + "/")
        pg.locator("#question textarea").wait_for()
        yield pg
        browser.close()


def submit(page: Page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")


def test_answer_streams_then_the_checked_answer_replaces_it(page: Page) -> None:
    submit(page, QUESTION)
    turn = page.locator("#sources-panel #turn-1")
    partials: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = turn.get_attribute("data-state") if turn.count() else None
        texts = page.locator("[data-testid=bot]").all_inner_texts()
        if texts and "▍" in texts[-1] and texts[-1] not in partials:
            partials.append(texts[-1])
            if len(partials) == 1:  # sources are on screen before the first token
                assert page.locator("#turn-1 .source-card").count() >= 1
        if state in ("done", "error"):
            break
        time.sleep(0.05)
    assert turn.get_attribute("data-state") == "done"
    assert len(partials) >= 2, partials  # the answer grew on screen, token by token
    final = page.locator("[data-testid=bot]").all_inner_texts()[-1]
    assert "▍" not in final and "uniforms" in final and "[1]" in final, final


def test_stop_interrupts_the_answer(page: Page) -> None:
    submit(page, "What did the White House say about the mayor's order?")
    stop = page.locator("#stop")
    expect(stop).to_be_visible()
    expect(page.locator("#sources-panel #turn-1")).to_have_attribute("data-state", "answering")
    stop.click()  # while the model reads the prompt or writes: either way the answer ends at its next step
    expect(page.locator("#sources-panel #turn-1")).to_have_attribute("data-state", "stopped")
    expect(page.locator("[data-testid=bot]").last).to_contain_text("Stopped.")
    expect(page.locator("#send")).to_be_visible()
    expect(stop).to_be_hidden()
    # the session (and the model, released by the stopped answer) still works
    submit(page, QUESTION)
    expect(page.locator("#sources-panel #turn-2")).to_have_attribute("data-state", "done", timeout=TIMEOUT * 4)
    assert "uniforms" in page.locator("[data-testid=bot]").last.inner_text()
