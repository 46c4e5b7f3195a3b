"""The web UI's HTML: article text is escaped, the cited sentence is highlighted, [n] markers link to their cards."""

from __future__ import annotations
import pytest


from assistant.types import Answer, Citation, Failure, IndexReport, Passage
from assistant.interfaces.server.ui_render import (
    answer_message, linked_answer, md_text, report_html, safe_url, source_card, sources_panel, stats_html,
    turn_sources,
)

pytestmark = pytest.mark.unit

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def citation(n: int = 1, text: str = "First sentence. The cited sentence here. Last one.",
             highlight: tuple[int, int] | None = (16, 40), **over: object) -> Citation:
    values: dict = dict(n=n, span_id="a-0001", article_id="a", title="A title", source="Reuters",
                        author="Susan Heavey", published_at="2025-08-30T00:00:00", url="https://example.com/a",
                        text=text, start=100, end=100 + len(text), highlight=highlight)
    values.update(over)
    return Citation(**values)


def test_card_shows_metadata_link_and_highlighted_sentence() -> None:
    card = source_card(citation(), turn=3, highlight=(16, 40))
    assert 'id="src-3-1"' in card
    assert "A title" in card and "Reuters" in card and "Susan Heavey" in card and "2025-08-30" in card
    assert 'href="https://example.com/a"' in card and 'rel="noopener noreferrer nofollow"' in card
    assert "<mark>The cited sentence here.</mark>" in card
    assert card.index("First sentence.") < card.index("<mark>") < card.index("Last one.")


def test_card_escapes_untrusted_article_text_and_metadata() -> None:
    hostile = citation(text=f"Before {HOSTILE} after.", highlight=(0, 6), title=HOSTILE, source=HOSTILE,
                       author=HOSTILE, url="javascript:alert(3)")
    card = source_card(hostile, turn=1, highlight=hostile.highlight)
    assert "<script" not in card and "<img" not in card
    assert "&lt;script&gt;" in card and "onerror=&quot;" in card
    assert "javascript:" not in card  # a non-http link is dropped, not rendered


def test_safe_url_accepts_only_http_links() -> None:
    assert safe_url("https://www.reuters.com/x") == "https://www.reuters.com/x"
    assert safe_url("http://a.b/c") == "http://a.b/c"
    for bad in ("javascript:alert(1)", "data:text/html,x", "/relative", "ftp://x/y", "", None, "https://"):
        assert safe_url(bad) is None


def test_markers_link_to_cards_and_text_is_escaped_markdown() -> None:
    text = "Police wear uniforms [1]. Not masks *ever* <b>x</b> [2]. Bogus [7]."
    out = linked_answer(text, turn=2, valid=[1, 2])
    assert '<a class="cite" href="#src-2-1"' in out and '<a class="cite" href="#src-2-2"' in out
    assert "#src-2-7" not in out and "\\[7\\]" in out  # no card for [7]: shown as plain text
    assert "\\*ever\\*" in out and "\\<b\\>" in out  # Markdown and HTML in the answer are shown, not applied


def test_refused_and_trimmed_answers_say_so_plainly() -> None:
    refused = Answer(text="The articles don't say.", citations=[], refused=True, notes=["no indexed article mentions 'population'"])
    message = answer_message(refused, 1)
    assert "No answer: the indexed articles do not support one" in message and "population" in message
    trimmed = Answer(text="Police wear uniforms [1].", citations=[citation()], refused=False, trimmed=True,
                     notes=["1 unsupported sentence removed"])
    message = answer_message(trimmed, 1)
    assert "Trimmed" in message and "unsupported sentence removed" in message and "#src-1-1" in message
    plain = answer_message(Answer(text="Police wear uniforms [1].", citations=[citation()], refused=False), 1)
    assert "Trimmed" not in plain and "No answer" not in plain


def test_turn_sources_show_retrieved_passages_then_cited_ones() -> None:
    passage = Passage(n=1, span_id="a-0001", article_id="a", title="T", source="Reuters", author="", published_at="",
                      url="", text="Retrieved passage.", start=0, end=18)
    searching = turn_sources(1, "q?", "q?", passages=[passage], status="writing", state="answering")
    assert 'data-state="answering"' in searching and "Retrieved passage." in searching and "writing" in searching
    answer = Answer(text="x [1].", citations=[citation()], refused=False)
    done = turn_sources(1, "And the governor?", "And the governor? (Chicago)", passages=[passage], answer=answer)
    assert 'data-state="done"' in done and "<mark>" in done and "Searched for" in done and "(Chicago)" in done
    refused = turn_sources(1, "q?", "q?", passages=[passage], answer=Answer(text="No.", citations=[], refused=True))
    assert "No source supports an answer" in refused and "Passages searched (1)" in refused
    panel = sources_panel([searching, done])
    assert panel.index('data-state="done"') < panel.index('data-state="answering"')  # newest first


def test_report_lists_failures_with_escaped_reasons() -> None:
    report = IndexReport(added=2, unchanged=1, chunks_embedded=9, seconds=1.25,
                         failed=[Failure("<b>bad</b>.pdf", "has an unsupported file type '.pdf'")])
    html = report_html(report, "indexed 3 files")
    assert "<b>2</b> added" in html and "<b>1</b> unchanged" in html and "<b>1</b> failed" in html
    assert "&lt;b&gt;bad&lt;/b&gt;.pdf" in html and "unsupported file type" in html and "Done, with problems" in html
    assert "9 passages embedded" in html


def test_md_text_and_stats() -> None:
    assert md_text("a_b *c* [1](x) <i>") == "a\\_b \\*c\\* \\[1\\]\\(x\\) \\<i\\>"
    table = stats_html({"articles": 609, "chunks": 8000, "outlets": 49, "backend_description": "extractive <x>",
                        "embedding_model": "all-MiniLM-L6-v2", "embedding_dimension": 384})
    assert "<th>Articles</th><td>609</td>" in table and "384 dimensions" in table and "extractive &lt;x&gt;" in table
