"""The web UI's handlers driven directly over a real Assistant (real index, real embedding model, extractive
backend): sources before the answer, per-session history, follow-ups, filters, friendly failures, the Articles tab."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from assistant.assistant import Assistant, Parts
from assistant.indexing.embedding import Embedder
from assistant.interfaces.server.ui_articles import ArticleHandlers
from assistant.interfaces.server.ui_chat import ChatHandlers, new_state
from assistant.examples import ExampleQuestions
from assistant.settings import Settings
from tests.conftest import SAMPLE

QUESTION = "What did the executive order tell Chicago police to wear?"
LEDGER = {"title": "Chicago officers march in dress uniforms at lakefront parade", "source": "Lakeside Ledger",
          "author": "Dana Whitfield", "published_at": "2024-05-12", "url": "https://ledger.example/parade",
          "body": "Chicago police officers wore their dress uniforms and white gloves at the lakefront parade on "
                  "Sunday, the department said. The parade drew about 40,000 spectators along Lake Shore Drive."}


@pytest.fixture
def ui(sample_assistant: Assistant, tmp_path: Path) -> tuple[ChatHandlers, ArticleHandlers]:
    return ChatHandlers(sample_assistant), ArticleHandlers(sample_assistant, tmp_path)


def run(chat: ChatHandlers, message: str, state: dict | None = None, outlets: list[str] | None = None,
        after: str | None = None, before: str | None = None) -> list[tuple]:
    return list(chat.respond(message, state or new_state(), outlets, after, before))


def test_sources_come_before_the_answer_and_the_answer_replaces_the_draft(ui: tuple) -> None:
    chat, _ = ui
    steps = run(chat, QUESTION)
    states = [panel.split('data-state="')[1].split('"')[0] for _, panel, _ in steps]
    assert states[0] == "searching" and "answering" in states and states[-1] == "done"
    first_with_sources = next(i for i, (_, panel, _) in enumerate(steps) if 'class="source-card' in panel)
    first_with_answer = next(i for i, (msgs, _, _) in enumerate(steps) if "uniforms" in msgs[-1]["content"])
    assert first_with_sources < first_with_answer
    messages, panel, state = steps[-1]
    assert messages[0] == {"role": "user", "content": QUESTION.replace("?", "?")}
    final = messages[-1]["content"]
    assert "uniforms" in final and '<a class="cite" href="#src-1-' in final and "▍" not in final
    assert "<mark>" in panel and "uniforms" in panel.split("<mark>", 1)[1]
    assert state["history"][-1]["role"] == "assistant" and "[" in state["history"][-1]["content"]


def test_follow_up_is_rewritten_and_the_rewrite_is_shown(ui: tuple) -> None:
    chat, _ = ui
    *_, (_, _, state) = run(chat, QUESTION)
    steps = list(chat.respond("And what did the governor say about it?", state, None, None, None))
    messages, panel, state = steps[-1]
    rewrite = [m for m in messages if m.get("metadata")]
    assert rewrite and "Chicago" in rewrite[0]["content"] and "Searched for" in rewrite[0]["metadata"]["title"]
    assert "Pritzker" in messages[-1]["content"]
    assert 'id="turn-2"' in panel and 'id="turn-1"' in panel and "Searched for:" in panel
    assert len(state["history"]) == 4


def test_sessions_do_not_share_conversations(ui: tuple) -> None:
    chat, _ = ui
    *_, (_, _, alice) = run(chat, QUESTION)
    *_, (_, panel, bob) = run(chat, "What did the White House say?")
    assert len(alice["history"]) == 2 and len(bob["history"]) == 2
    assert 'id="turn-1"' in panel and 'id="turn-2"' not in panel
    assert new_state() == {"messages": [], "history": [], "sections": []}
    assert len(alice["messages"]) == 2 and bob["messages"][0]["content"].startswith("What did the White House")


def test_unanswerable_question_is_refused_plainly(ui: tuple) -> None:
    chat, _ = ui
    messages, panel, _ = run(chat, "What is the population of Chicago?")[-1]
    assert "The articles don't say" in messages[-1]["content"]
    assert "No answer: the indexed articles do not support one" in messages[-1]["content"]
    assert "No source supports an answer" in panel


def test_bad_filter_and_empty_question_get_plain_messages(ui: tuple) -> None:
    chat, _ = ui
    messages, _, _ = run(chat, QUESTION, after="last tuesday")[-1]
    assert "published after" in messages[-1]["content"] and "is not a date" in messages[-1]["content"]
    messages, _, _ = run(chat, QUESTION, after="2025-02-01", before="2024-01-01")[-1]
    assert "earlier than" in messages[-1]["content"]
    assert run(chat, "   ") == []


def test_outlet_filter_limits_sources_and_is_named_when_nothing_matches(ui: tuple) -> None:
    chat, arts = ui
    arts.paste(LEDGER["title"], LEDGER["source"], LEDGER["author"], LEDGER["published_at"], LEDGER["url"],
               LEDGER["body"])
    for outlet in ("Lakeside Ledger", "Reuters"):
        messages, panel, _ = run(chat, "What did Chicago police officers wear?", outlets=[outlet])[-1]
        outlets = {part.split("</span>")[0] for part in panel.split('<span class="outlet">')[1:]}
        assert outlets == {outlet}, panel
    messages, _, _ = run(chat, QUESTION, outlets=["No Such Outlet"])[-1]
    assert "Filters in use: outlets No Such Outlet" in messages[-1]["content"]


def test_empty_index_says_how_to_add_articles(assistant: Assistant) -> None:
    messages, _, _ = run(ChatHandlers(assistant), QUESTION)[-1]
    assert "The index is empty" in messages[-1]["content"] and "Articles" in messages[-1]["content"]


def test_unreachable_llm_is_a_plain_message_not_a_traceback(settings: Settings, embedder: Embedder) -> None:
    slow = settings.model_copy(update={"backend": "ollama", "ollama_url": "http://127.0.0.1:9", "llm_timeout": 5})
    assistant = Assistant(slow, Parts(embedder=embedder))
    try:
        assistant.index([SAMPLE])
        steps = run(ChatHandlers(assistant), QUESTION)
        messages, panel, _ = steps[-1]
        text = messages[-1]["content"]
        assert "language model is not reachable" in text and "Traceback" not in text and "Errno" not in text
        assert 'data-state="error"' in panel and 'class="source-card' in panel  # the sources found are still shown
    finally:
        assistant.close()


def test_upload_reports_added_and_failed_files_with_reasons(ui: tuple, tmp_path: Path) -> None:
    _, arts = ui
    good = tmp_path / "whale.md"
    good.write_text("# Lighthouse keeper guides whale to sea\n\nBy Ana Ruiz\n\nThe lighthouse keeper Maria Oyelaran "
                    "guided a stranded humpback whale back to open water on Tuesday.\n")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(LEDGER) + "\n{broken json\n")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x01\x02" * 50)
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    seen: list[str] = []
    report = arts.upload([str(good), str(feed), str(binary), str(pdf)], lambda phase, done, total: seen.append(phase))
    assert "<b>2</b> added" in report and "<b>3</b> failed" in report, report
    assert "photo.txt</code>: is a binary file" in report
    assert "paper.pdf</code>: has an unsupported file type" in report
    assert "feed.jsonl:2" in report
    assert seen and any("whale.md" in s for s in seen)
    rows, ids, caption = arts.listing("lighthouse")
    assert [r[0] for r in rows] == ["Lighthouse keeper guides whale to sea"] and caption == "1 article match."
    assert arts.upload([], None).count("Choose one or more files") == 1
    assert not good.exists() and not feed.exists()  # uploads are read once, then removed from the cache


def test_upload_reads_only_files_uploaded_through_the_page(ui: tuple, tmp_path: Path) -> None:
    _, arts = ui
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text("# Secret notes\n\nThe vault code is 4711 and the server password is hunter2.\n")
    report = arts.upload([str(outside), "/etc/passwd"])
    assert "<b>0</b> added" in report and "was not uploaded through this page" in report
    assert outside.exists()  # not read, not removed
    assert arts.listing("Secret")[2] == "No article matches."


def test_paste_validates_fields_and_indexes(ui: tuple) -> None:
    _, arts = ui
    bad = html.unescape(arts.paste("", "X", "", "someday", "javascript:alert(1)", ""))
    assert "Article text" in bad and "Title" in bad and "'someday' is not a date" in bad and "not an http" in bad
    ok = arts.paste(LEDGER["title"], LEDGER["source"], "", LEDGER["published_at"], LEDGER["url"], LEDGER["body"])
    assert "<b>1</b> added" in ok
    again = arts.paste(LEDGER["title"], LEDGER["source"], "", LEDGER["published_at"], LEDGER["url"], LEDGER["body"])
    assert "<b>1</b> unchanged" in again
    rows, _, _ = arts.listing("Ledger")
    passages = len(arts.assistant.components.chunker.chunk(LEDGER["body"], "x"))
    assert passages >= 1
    assert rows == [[LEDGER["title"], "Lakeside Ledger", "", "2024-05-12", passages]]


def test_delete_removes_the_article_from_list_and_answers(ui: tuple) -> None:
    chat, arts = ui
    arts.paste(LEDGER["title"], LEDGER["source"], "", LEDGER["published_at"], "", LEDGER["body"])
    question = "How many spectators did the lakefront parade draw?"
    assert "40,000" in run(chat, question)[-1][0][-1]["content"]
    _, ids, _ = arts.listing("parade")
    described = arts.describe(ids[0])  # escaped Markdown: article metadata is untrusted
    assert described.startswith("Selected\\: “Chicago officers march in dress uniforms") and "Lakeside Ledger" in described
    assert "Deleted “Chicago officers march" in arts.delete(ids[0])
    assert arts.listing("parade")[0] == []
    assert "40,000" not in run(chat, question)[-1][0][-1]["content"]
    assert "Select an article in the list first" in arts.delete(ids[0])  # gone: nothing to select any more
    assert "Select an article" in arts.delete(None)


def test_example_questions_are_answerable(ui: tuple) -> None:
    chat, arts = ui
    arts.paste(LEDGER["title"], LEDGER["source"], "", LEDGER["published_at"], "", LEDGER["body"])
    examples = ExampleQuestions(chat.assistant).get()
    assert examples, "no example question"
    for question in examples:
        answer = chat.assistant.ask(question, backend="extractive")
        assert not answer.refused and answer.citations, question



def test_stop_request_ends_the_answer_and_discard_ends_it_silently(ui: tuple) -> None:
    chat, _ = ui
    steps = chat.respond(QUESTION, new_state(), None, None, None, stop_key="session-a")
    for messages, panel, _ in steps:
        if 'data-state="answering"' in panel:
            chat.request_stop("session-b")  # another session's stop changes nothing here
            chat.request_stop("session-a")
            break
    *_, (messages, panel, state) = list(steps)
    assert "Stopped." in messages[-1]["content"] and "uniforms" not in messages[-1]["content"]
    assert 'data-state="stopped"' in panel and state["history"] == []
    assert chat.stops.check("session-a") is None  # cleared when the answer ended
    # the next question of the session is answered normally
    messages, _, _ = list(chat.respond(QUESTION, new_state(), None, None, None, stop_key="session-a"))[-1]
    assert "uniforms" in messages[-1]["content"]
    steps = chat.respond(QUESTION, new_state(), None, None, None, stop_key="session-c")
    seen = []
    for step in steps:
        seen.append(step)
        if 'data-state="answering"' in step[1]:
            chat.request_stop("session-c", discard=True)
    assert all("uniforms" not in m[0][-1]["content"] and "Stopped." not in m[0][-1]["content"] for m in seen)
