"""The Gradio web UI: a Chat tab (streamed, cited answers; sources beside them; filters) and an Articles tab
(upload or paste articles, follow feeds and sites, the index report, the article list, deletion, statistics).

Layout and event wiring only; the logic lives in ui_chat.py, ui_articles.py and ui_render.py.
Only one endpoint is public in Gradio's API: ``/chat`` (message -> answer text with [n] markers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from ...assistant import Assistant
from ...settings import Settings
from .ui_articles import COLUMNS, UPLOAD_TYPES, ArticleHandlers
from .ui_chat import ChatHandlers, new_state
from .ui_render import sources_panel, stats_html
from .ui_style import CSS

CHAT_CONCURRENCY = 8  # answers in progress at once (retrieval runs in parallel; the local LLM generates one at a time)
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
HEADER = """<div class="app-head"><h2 style="margin:0">News assistant</h2>
<p style="margin:0.2em 0 0;opacity:0.75">Answers come only from the indexed articles, and every sentence cites its
source. When the articles don't hold the answer, it says so.</p></div>"""
PLACEHOLDER = ("**Ask a question about the indexed news articles.**\n\nEach answer cites its sources; click a "
               "number like [1] to see the passage it rests on.")
EMPTY_PLACEHOLDER = ("**The index is empty.**\n\nAdd articles in the **Articles** tab (upload files or paste an "
                     "article), then ask about them here.")


def _progress(progress: gr.Progress) -> Callable[[str, int, int], None]:
    def report(phase: str, done: int, total: int) -> None:
        progress((done, total) if total else 0.0, desc=phase)
    return report


def build_ui(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """Return the Blocks app (not launched: app.py mounts it on FastAPI)."""
    chat = ChatHandlers(assistant)
    from gradio.utils import get_upload_folder

    arts = ArticleHandlers(assistant, Path(get_upload_folder()))
    assistant.prepare_examples()

    def outlet_choices() -> list[tuple[str, str]]:
        return [(f"{name} ({n})", name) for name, n in assistant.outlets()]

    def chat_box() -> Any:
        """Return the chat's empty-state update: example questions from the articles, or how to add some."""
        questions = assistant.example_questions()
        if chat.index_is_empty():
            return gr.Chatbot(examples=None, placeholder=EMPTY_PLACEHOLDER)
        text = PLACEHOLDER + (" Try one of these:" if questions else "")
        return gr.Chatbot(examples=[{"text": q} for q in questions] or None, placeholder=text)

    def chat_meta() -> tuple[Any, Any]:
        return chat_box(), gr.Dropdown(choices=outlet_choices())

    cache = (settings.upload_cache_seconds, settings.upload_cache_seconds)  # (how often, how old): uploads left behind
    with gr.Blocks(title="News assistant", analytics_enabled=False, delete_cache=cache) as blocks:
        conversation = gr.State(new_state())
        pending = gr.State("")
        gr.HTML(HEADER, head=CSS, js_on_load=None, elem_id="app-head")
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat", elem_id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=380):
                        chatbot = gr.Chatbot(elem_id="chatbot", show_label=False, height=560, placeholder=PLACEHOLDER,
                                             feedback_options=None, buttons=["copy"], autoscroll=True)
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(elem_id="question", show_label=False, scale=8, lines=1,
                                                  max_lines=6, max_length=4000, autofocus=True,
                                                  placeholder="Ask about the articles… (Enter to send)")
                            send = gr.Button("Ask", variant="primary", elem_id="send", scale=1, min_width=80)
                            stop = gr.Button("Stop", variant="stop", elem_id="stop", scale=1, min_width=80,
                                             visible=False)
                        new_chat = gr.Button("New conversation", size="sm", elem_id="new-chat")
                    with gr.Column(scale=2, min_width=320):
                        with gr.Accordion("Filters", open=True, elem_id="filters"):
                            outlets = gr.Dropdown(label="Outlets", multiselect=True, choices=outlet_choices(),
                                                  elem_id="outlet-filter", info="Answer only from these outlets "
                                                  "(none selected = all).")
                            with gr.Row():
                                after = gr.DateTime(label="Published on or after", include_time=False,
                                                    type="string", elem_id="date-after")
                                before = gr.DateTime(label="Published before", include_time=False, type="string",
                                                     elem_id="date-before")
                        sources = gr.HTML(sources_panel([]), label="Sources", elem_id="sources-panel",
                                          js_on_load=None)

            with gr.Tab("Articles", id="articles", elem_id="articles-tab") as articles_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=340):
                        gr.Markdown("### Add articles")
                        with gr.Tabs():
                            with gr.Tab("Upload files", id="upload"):
                                files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, type="filepath",
                                                label="Article files (.txt .md .html .json .jsonl)",
                                                elem_id="upload-files")
                                index_files = gr.Button("Index the files", variant="primary", elem_id="index-files")
                            with gr.Tab("Paste an article", id="paste"):
                                p_title = gr.Textbox(label="Title", elem_id="paste-title")
                                with gr.Row():
                                    p_outlet = gr.Textbox(label="Outlet", placeholder="e.g. Reuters",
                                                          elem_id="paste-outlet")
                                    p_author = gr.Textbox(label="Author", elem_id="paste-author")
                                with gr.Row():
                                    p_date = gr.Textbox(label="Publication date", placeholder="YYYY-MM-DD",
                                                        elem_id="paste-date")
                                    p_url = gr.Textbox(label="URL", placeholder="https://…", elem_id="paste-url")
                                p_body = gr.Textbox(label="Article text", lines=8, max_lines=20,
                                                    elem_id="paste-body")
                                index_paste = gr.Button("Index the article", variant="primary",
                                                        elem_id="index-paste")
                            with gr.Tab("Feeds and sites", id="feeds"):
                                f_url = gr.Textbox(label="Feed, sitemap or page URL", max_length=2000,
                                                   placeholder="https://example.com/rss.xml", elem_id="source-url")
                                with gr.Row():
                                    follow = gr.Button("Follow and poll", variant="primary", elem_id="follow-source")
                                    unfollow = gr.Button("Stop following", variant="stop", elem_id="unfollow-source")
                                    poll_now = gr.Button("Poll all now", elem_id="poll-sources")
                                followed = gr.HTML("", elem_id="followed-sources", js_on_load=None)
                        report = gr.HTML("", elem_id="index-report", js_on_load=None)
                        gr.Markdown("### Index")
                        stats = gr.HTML("", elem_id="index-stats", js_on_load=None)
                    with gr.Column(scale=3, min_width=420):
                        gr.Markdown("### Indexed articles")
                        search = gr.Textbox(show_label=False, placeholder="Search titles, outlets and authors",
                                            elem_id="article-search")
                        caption = gr.Markdown(elem_id="article-count")
                        table = gr.Dataframe(headers=COLUMNS, datatype=["str", "str", "str", "str", "number"],
                                             interactive=False, wrap=True, elem_id="article-table",
                                             column_widths=["46%", "16%", "16%", "12%", "10%"])
                        row_ids = gr.State([])
                        selected = gr.State(None)
                        with gr.Row(equal_height=True):
                            selected_text = gr.Markdown("Select an article in the list to delete it.",
                                                        elem_id="selected-article")
                            delete = gr.Button("Delete article", variant="stop", elem_id="delete-article",
                                               interactive=False, scale=0, min_width=170)
                        delete_notice = gr.HTML("", elem_id="delete-notice", js_on_load=None)

        # -- chat wiring
        def start(message: str) -> tuple:
            return "", message, gr.Button(visible=False), gr.Button(visible=True)

        def start_example(evt: gr.SelectData) -> tuple:
            value = evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value or "")
            return start(value)

        def done() -> tuple:
            return gr.Button(visible=True), gr.Button(visible=False, value="Stop", interactive=True)

        def answer(message: str, state: dict, outlets: list[str] | None, after: str | None,
                   before: str | None, request: gr.Request) -> Iterator[tuple]:
            yield from chat.respond(message, state, outlets, after, before, stop_key=request.session_hash)

        def stop_answer(request: gr.Request) -> Any:
            chat.request_stop(request.session_hash)
            return gr.Button(value="Stopping…", interactive=False)

        def clear(request: gr.Request) -> tuple:
            chat.request_stop(request.session_hash, discard=True)
            return [], sources_panel([]), new_state(), ""

        # Stop is a per-session flag the answering generator checks between steps (not Gradio's task cancellation:
        # a cancel landing while the model evaluates the prompt left the event pending in the browser for good).
        answer_kw: dict[str, Any] = dict(
            # The conversation comes from the server-side state, never from the chat shown in the browser: a
            # client-sent chat value could name server files as message attachments.
            fn=answer, inputs=[pending, conversation, outlets, after, before],
            outputs=[chatbot, sources, conversation], concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY,
            show_progress="hidden", **PRIVATE,
        )
        start_outputs = [question, pending, send, stop]
        for trigger in (question.submit(start, [question], start_outputs, queue=False, **PRIVATE),
                        send.click(start, [question], start_outputs, queue=False, **PRIVATE),
                        chatbot.example_select(start_example, None, start_outputs, queue=False, **PRIVATE)):
            trigger.then(**answer_kw).then(done, None, [send, stop], queue=False, **PRIVATE)
        stop.click(stop_answer, None, [stop], queue=False, **PRIVATE)
        new_chat.click(clear, None, [chatbot, sources, conversation, question], queue=False, **PRIVATE).then(
            done, None, [send, stop], queue=False, **PRIVATE)
        chatbot.clear(clear, None, [chatbot, sources, conversation, question], queue=False, **PRIVATE)

        def chat_endpoint(message):  # noqa: ANN001, ANN202 - real types set below (this module's annotations are strings)
            return chat.api_chat(message)

        chat_endpoint.__annotations__ = {"message": str, "return": str}
        gr.api(chat_endpoint, api_name="chat", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY,
               api_description="Answer one question from the indexed articles. Returns the answer text; each "
               "sentence ends with [n] markers naming its sources. A question the articles cannot answer gets "
               "\"The articles don't say. ...\".")

        # -- articles wiring
        def refresh(text: str) -> tuple:
            rows, ids, count = arts.listing(text)
            return rows, ids, count, stats_html(assistant.stats().model_dump()), gr.Dropdown(choices=outlet_choices())

        listing_outputs = [table, row_ids, caption, stats, outlets]

        def after_write(text: str) -> tuple:
            return (*refresh(text), None, arts.describe(None), gr.Button(interactive=False),
                    chat_box())

        write_outputs = [*listing_outputs, selected, selected_text, delete, chatbot]
        write_kw: dict[str, Any] = dict(concurrency_id="index", concurrency_limit=1, **PRIVATE)

        def upload(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
            return arts.upload(paths, _progress(progress)), None

        def paste(title: str, outlet: str, author: str, date: str, url: str, body: str,
                  progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
            return arts.paste(title, outlet, author, date, url, body, _progress(progress))

        index_files.click(upload, [files], [report, files], **write_kw).then(
            after_write, [search], write_outputs, **PRIVATE)
        index_paste.click(paste, [p_title, p_outlet, p_author, p_date, p_url, p_body], [report], **write_kw).then(
            after_write, [search], write_outputs, **PRIVATE)

        def follow_source(url: str, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
            return arts.follow(url, _progress(progress))

        def poll_sources(progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
            return arts.poll(_progress(progress))

        follow.click(follow_source, [f_url], [report, followed], **write_kw).then(
            after_write, [search], write_outputs, **PRIVATE)
        unfollow.click(arts.unfollow, [f_url], [report, followed], **write_kw)
        poll_now.click(poll_sources, None, [report, followed], **write_kw).then(
            after_write, [search], write_outputs, **PRIVATE)

        def choose(ids: list[str], evt: gr.SelectData) -> tuple:
            row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            article_id = ids[row] if isinstance(row, int) and 0 <= row < len(ids) else None
            return article_id, arts.describe(article_id), gr.Button(interactive=article_id is not None)

        table.select(choose, [row_ids], [selected, selected_text, delete], **PRIVATE)
        delete.click(arts.delete, [selected], [delete_notice], **write_kw).then(
            after_write, [search], write_outputs, **PRIVATE)
        search.change(lambda text: arts.listing(text), [search], [table, row_ids, caption],
                      trigger_mode="always_last", **PRIVATE)
        articles_tab.select(refresh, [search], listing_outputs, **PRIVATE)
        articles_tab.select(arts.followed, None, [followed], **PRIVATE)

        blocks.load(chat_meta, None, [chatbot, outlets], **PRIVATE)
        blocks.load(refresh, [search], listing_outputs, **PRIVATE)
    blocks.queue(default_concurrency_limit=8)
    return blocks
