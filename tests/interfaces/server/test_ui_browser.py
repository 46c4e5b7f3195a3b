"""The web chat in a real browser: Debian's chromium driven by Playwright against a real `assistant serve`
(extractive backend; the index holds the bundled Reuters sample and a second outlet's article).

Screenshots of the main screens go to artifacts/screenshots/ (kept by .ci/run).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="the browser tests drive Chromium with Playwright "
                                 "(pip install playwright; make install-test)")
Browser, Page, expect, sync_playwright = (playwright.Browser, playwright.Page, playwright.expect,
                                          playwright.sync_playwright)

from tests.conftest import REPO, SAMPLE
from tests.interfaces.server.conftest import EXE, Server, start_server

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.server]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
SHOTS = REPO / "artifacts" / "screenshots"
QUESTION = "What did the executive order tell Chicago police to wear?"
LEDGER = {"title": "Chicago officers march in dress uniforms at lakefront parade", "source": "Lakeside Ledger",
          "author": "Dana Whitfield", "published_at": "2024-05-12", "url": "https://ledger.example/parade",
          "body": "Chicago police officers wore their dress uniforms and white gloves at the lakefront parade on "
                  "Sunday, the department said. The parade drew about 40,000 spectators along Lake Shore Drive."}
WHALE = ("# Lighthouse keeper guides stranded whale to sea\n\nBy Ana Ruiz\n\nPORT ELNA (Coastal Times) - The "
         "lighthouse keeper Maria Oyelaran guided a stranded humpback whale back to open water on Tuesday, rowing "
         "ahead of it with a lantern through the harbour mouth at high tide.\n\nThe whale had been trapped in the "
         "shallow harbour for three days, harbour master Tomas Keel said.\n")
TIMEOUT = 60_000  # ms
expect.set_options(timeout=TIMEOUT)


def launch(p) -> Browser:  # noqa: ANN001 - playwright's sync API object
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make browser` or apt-get install -y chromium)")
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the sample (Reuters) plus one Lakeside Ledger article, indexed with the CLI beforehand."""
    index = tmp_path_factory.mktemp("ui") / "index"
    ledger = index.parent / "ledger.json"
    ledger.write_text(json.dumps(LEDGER))
    env = os.environ | {"ASSISTANT_INDEX_DIR": str(index)}
    subprocess.run([EXE, "index", str(SAMPLE), str(ledger)], check=True, env=env, capture_output=True, timeout=300)
    server = start_server(index)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, ui_server: Server) -> Iterator[Page]:
    """A fresh browser session (its own conversation) on the chat tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(ui_server.url + "/")
    pg.locator("#question textarea").wait_for()
    yield pg
    context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page: Page, question: str) -> str:
    """Ask in the chat, wait until the checked answer is shown; return its text."""
    turns = page.locator("#sources-panel section.turn").count()
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    turn = page.locator(f"#sources-panel #turn-{turns + 1}")
    expect(turn).to_have_attribute("data-state", re.compile("done|error"))
    expect(page.locator("#send")).to_be_visible()
    return bot_messages(page)[-1]


def bot_messages(page: Page) -> list[str]:
    return page.locator("[data-testid=bot]").all_inner_texts()


def open_articles(page: Page) -> None:
    page.get_by_role("tab", name="Articles").click()
    page.locator("#article-table").wait_for()


def table_titles(page: Page) -> str:
    return page.locator("#article-table").inner_text()


def test_ask_shows_answer_and_source_cards_with_highlight(page: Page) -> None:
    expect(page.locator("#chatbot")).to_contain_text("Ask a question about the indexed news articles")
    answer = ask(page, QUESTION)
    assert "uniforms" in answer and re.search(r"\[\d\]", answer), answer
    cards = page.locator("#turn-1 .source-card")
    assert cards.count() >= 1
    expect(cards.first.locator(".title")).to_contain_text("Chicago police")
    expect(cards.first.locator(".outlet")).to_have_text("Reuters")
    expect(cards.first.locator(".author")).to_have_text("Susan Heavey")
    marks = page.locator("#turn-1 .source-card mark").all_inner_texts()
    assert any("uniforms" in m for m in marks), marks
    shot(page, "chat-answer")


def test_citation_link_targets_its_card(page: Page) -> None:
    ask(page, QUESTION)
    links = page.locator("[data-testid=bot] a.cite")
    assert links.count() >= 2
    link = links.nth(1)
    target = link.get_attribute("href")
    assert target and target.startswith("#src-1-")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    card = page.locator(target)
    expect(card).to_be_in_viewport()
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == target[1:]
    shadow = card.evaluate("el => getComputedStyle(el).boxShadow")
    assert shadow and shadow != "none"  # the targeted card is outlined


def test_follow_up_is_rewritten_and_the_rewrite_is_visible(page: Page) -> None:
    ask(page, QUESTION)
    answer = ask(page, "And what did the governor say about it?")
    assert "Pritzker" in answer, answer
    rewrite = page.locator("#chatbot").get_by_text("Searched for (follow-up made standalone)")
    standalone = page.locator("#chatbot").get_by_text("And what did the governor say about it? (Chicago)")
    expect(rewrite).to_be_visible()
    expect(standalone).to_be_hidden()  # shown on demand
    rewrite.click()
    expect(standalone).to_be_visible()
    expect(page.locator("#turn-2 .searched")).to_contain_text("(Chicago)")
    shot(page, "chat-follow-up")


def choose_outlet(page: Page, outlet: str) -> None:
    page.locator("#outlet-filter input").click()
    page.get_by_role("option", name=re.compile(re.escape(outlet))).click()
    page.keyboard.press("Escape")
    expect(page.locator("#outlet-filter")).to_contain_text(outlet)


def test_outlet_filter_limits_the_sources(page: Page) -> None:
    for outlet in ("Lakeside Ledger", "Reuters"):
        page.locator("#new-chat").click()
        choose_outlet(page, outlet)
        answer = ask(page, "What did Chicago police officers wear?")
        assert "uniforms" in answer, answer
        outlets = set(page.locator("#turn-1 .source-card .outlet").all_inner_texts())
        assert outlets == {outlet}, (outlet, outlets)
        if outlet == "Lakeside Ledger":
            shot(page, "chat-outlet-filter")
        page.locator("#outlet-filter .token").get_by_role("button").first.click()  # remove the chosen outlet
        expect(page.locator("#outlet-filter .token")).to_have_count(0)


def test_upload_then_ask_then_delete(page: Page, tmp_path: Path) -> None:
    whale = tmp_path / "whale.md"
    whale.write_text(WHALE)
    open_articles(page)
    page.locator("#upload-files input[type=file]").set_input_files(str(whale))
    expect(page.locator("#upload-files")).to_contain_text(re.compile(r"whale\s*\.md"))  # Gradio may split stem and extension
    page.locator("#index-files").click()
    report = page.locator("#index-report .index-report")
    expect(report).to_contain_text("1 added")
    expect(report).to_contain_text("0 failed")
    expect(page.locator("#article-table")).to_contain_text("Lighthouse keeper guides stranded whale to sea")
    expect(page.locator("#index-stats")).to_contain_text("Articles")
    shot(page, "articles")

    page.get_by_role("tab", name="Chat").click()
    expect(page.locator("#outlet-filter")).to_be_visible()
    answer = ask(page, "Who guided the stranded humpback whale back to open water?")
    assert "Oyelaran" in answer, answer
    expect(page.locator("#turn-1 .source-card .outlet").first).to_have_text("Coastal Times")

    open_articles(page)
    page.locator("#article-search input, #article-search textarea").first.fill("whale")
    expect(page.locator("#article-count")).to_contain_text("1 article match")
    cell = page.locator("#article-table [data-testid='cell-0-0']")
    expect(cell).to_contain_text("Lighthouse keeper guides stranded whale to sea")
    cell.click()
    expect(page.locator("#selected-article")).to_contain_text("Lighthouse keeper guides stranded whale to sea")
    page.locator("#delete-article").click()
    expect(page.locator("#delete-notice")).to_contain_text("Deleted")
    expect(page.locator("#article-table")).not_to_contain_text("Lighthouse keeper")
    expect(page.locator("#article-count")).to_contain_text("No article matches")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Who guided the stranded humpback whale back to open water?")
    assert "Oyelaran" not in answer and "The articles don't say" in answer, answer


def test_bad_upload_is_reported_plainly(page: Page, tmp_path: Path) -> None:
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40)
    open_articles(page)
    page.locator("#upload-files input[type=file]").set_input_files(str(binary))
    expect(page.locator("#upload-files")).to_contain_text(re.compile(r"scan\s*\.txt"))  # Gradio may split stem and extension
    page.locator("#index-files").click()
    report = page.locator("#index-report")
    expect(report).to_contain_text("Nothing could be indexed")
    expect(report).to_contain_text("scan.txt: is a binary file")
    assert "Traceback" not in page.content()


def test_indexing_shows_progress_and_does_not_block_chat(browser: Browser, ui_server: Server,
                                                        tmp_path: Path) -> None:
    """While one session indexes a large upload, another session's question is answered before it ends."""
    rows = []
    for i in range(30):
        body = " ".join(f"On day {d} the harbour of Port Vale{i} took in {d * 3 + i} grain ships and {d + i} timber "
                        f"barges, the harbour office of Port Vale{i} said." for d in range(1, 40))
        rows.append(json.dumps({"title": f"Harbour traffic report {i}", "source": "Port Gazette", "body": body}))
    feed = tmp_path / "harbours.jsonl"
    feed.write_text("\n".join(rows))
    indexer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    chatter = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    for pg in (indexer, chatter):
        pg.set_default_timeout(TIMEOUT * 3)
        pg.goto(ui_server.url + "/")
        pg.locator("#question textarea").wait_for()
    open_articles(indexer)
    indexer.locator("#upload-files input[type=file]").set_input_files(str(feed))
    expect(indexer.locator("#upload-files")).to_contain_text(re.compile(r"harbours\s*\.jsonl"))  # Gradio may split stem and extension
    indexer.locator("#index-files").click()
    expect(indexer.locator("#index-report .progress-text, #index-report .progress-level").first).to_be_visible()
    started = time.monotonic()
    answer = ask(chatter, QUESTION)
    answered_after = time.monotonic() - started
    indexing_still_running = indexer.locator("#index-report .index-report").count() == 0
    assert "uniforms" in answer
    assert indexing_still_running, f"chat answered after {answered_after:.1f} s, once indexing had finished"
    expect(indexer.locator("#index-report .index-report")).to_contain_text("30 added", timeout=TIMEOUT * 5)
    for pg in (indexer, chatter):
        pg.context.close()


def test_example_question_on_the_empty_chat_is_answered(page: Page) -> None:
    example = page.locator("#chatbot button.example, #chatbot .example").first
    expect(example).to_be_visible()
    text = example.inner_text().strip()
    assert text.endswith("?"), text
    example.click()
    expect(page.locator("#sources-panel #turn-1")).to_have_attribute("data-state", "done")
    assert page.locator("#turn-1 .source-card mark").count() >= 1  # answered, with a highlighted source
    assert text in page.locator("[data-testid=user]").first.inner_text()


def test_empty_index_then_paste_an_article(browser: Browser, tmp_path: Path) -> None:
    """A fresh, empty index says how to add articles; a pasted article can then be asked about."""
    server = start_server(tmp_path / "index", env={"ASSISTANT_SEED_SAMPLE": "false"})
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        pg.goto(server.url + "/")
        expect(pg.locator("#chatbot")).to_contain_text("The index is empty")
        pg.locator("#question textarea").fill(QUESTION)
        pg.locator("#question textarea").press("Enter")
        expect(pg.locator("[data-testid=bot]").last).to_contain_text("The index is empty")
        expect(pg.locator("#send")).to_be_visible()
        assert "Traceback" not in pg.content()

        open_articles(pg)
        expect(pg.locator("#article-count")).to_contain_text("The index is empty")
        pg.get_by_role("tab", name="Paste an article").click()
        pg.locator("#paste-title textarea, #paste-title input").first.fill(LEDGER["title"])
        pg.locator("#paste-outlet textarea, #paste-outlet input").first.fill(LEDGER["source"])
        pg.locator("#paste-date textarea, #paste-date input").first.fill("12 May 2024x")
        pg.locator("#paste-body textarea").fill(LEDGER["body"])
        pg.locator("#index-paste").click()
        expect(pg.locator("#index-report")).to_contain_text("is not a date")  # a bad field is named, nothing indexed
        pg.locator("#paste-date textarea, #paste-date input").first.fill(LEDGER["published_at"])
        pg.locator("#index-paste").click()
        expect(pg.locator("#index-report")).to_contain_text("1 added")
        expect(pg.locator("#article-table")).to_contain_text("Lakeside Ledger")
        expect(pg.locator("#article-table")).to_contain_text("2024-05-12")

        pg.get_by_role("tab", name="Chat").click()
        answer = ask(pg, "How many spectators did the lakefront parade draw?")
        assert "40,000" in answer, answer
        expect(pg.locator("#turn-1 .source-card .outlet").first).to_have_text("Lakeside Ledger")
        expect(pg.locator("#turn-1 .source-card time").first).to_have_text("2024-05-12")
    finally:
        context.close()
        server.stop()
