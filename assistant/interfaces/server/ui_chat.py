"""The chat tab's logic: one streamed, grounded answer per question, sources first, per-session conversations.

Gradio-free except for ``gr.Error`` in the API endpoint, so the handlers can be driven directly in tests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from ...assistant import Assistant, make_filters, validate_question
from ...errors import AssistantError, BackendUnavailable, IndexBusy, InvalidRequest, StoreUnavailable
from ...types import Answer, Filters
from .ui_render import answer_message, md_text, sources_panel, streaming_message, turn_sources

log = logging.getLogger(__name__)

EMPTY_INDEX = ("The index is empty, so there is nothing to answer from yet. Add articles in the **Articles** tab "
               "(upload files or paste an article), then ask again.")

STOPPED = "\n\n<span class=\"answer-note\">Stopped.</span>"

Messages = list[dict[str, Any]]
Outputs = tuple[Messages, str, dict]


def new_state() -> dict:
    """Return a fresh conversation: the chat messages shown, the text history used for follow-ups and each turn's
    rendered sources. It lives on the server (a Gradio State): the chat shown in the browser is never read back."""
    return {"messages": [], "history": [], "sections": []}


def friendly_error(exc: BaseException, backend: str) -> str:
    """Return a plain message for a failure while answering (never a traceback)."""
    if isinstance(exc, InvalidRequest):
        field = {"filters.published_after": "The 'published after' date", "filters.published_before":
                 "The 'published before' date", "filters": "The date range", "question": "The question",
                 "filters.sources": "The outlet filter", "backend": "The backend"}.get(exc.field, exc.field)
        return f"{field} {exc.message}." if not exc.message.endswith(".") else f"{field} {exc.message}"
    if isinstance(exc, BackendUnavailable):
        return (f"The language model is not reachable right now ({backend}), so no answer could be written. "
                "Sources found for the question are shown beside the chat. Try again in a moment, or ask whoever "
                "runs this server to check the model.")
    if isinstance(exc, IndexBusy):
        return "The index is busy with another writer; try again in a moment."
    if isinstance(exc, StoreUnavailable):
        return "The article index cannot be read right now; try again in a moment, or ask whoever runs this server."
    return "Something went wrong while answering; the error was logged for whoever runs this server. Try again."


def filters_note(filters: Filters) -> str:
    """Return a short description of active filters ('' when none)."""
    bits = []
    if filters.sources:
        bits.append("outlets " + ", ".join(filters.sources))
    if filters.published_after:
        bits.append(f"published after {filters.published_after:%Y-%m-%d}")
    if filters.published_before:
        bits.append(f"published before {filters.published_before:%Y-%m-%d}")
    return "; ".join(bits)


class StopSignals:
    """Per-session requests to stop the answer being written: "stop" (say so in the chat) or "discard" (the
    conversation was cleared: end silently). The answering generator checks them between steps, in its own thread,
    so the answer stream is closed where it runs and the model is released at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flags: dict[str, str] = {}

    def begin(self, key: str | None) -> None:
        if key:
            with self._lock:
                self._flags.pop(key, None)

    def request(self, key: str | None, discard: bool = False) -> None:
        if key:
            with self._lock:
                self._flags[key] = "discard" if discard else "stop"

    def check(self, key: str | None) -> str | None:
        if not key:
            return None
        with self._lock:
            return self._flags.get(key)

    def end(self, key: str | None) -> None:
        self.begin(key)


class ChatHandlers:
    """Chat event handlers over one shared Assistant; every piece of conversation state lives in the session."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.stops = StopSignals()

    def backend_name(self) -> str:
        return self.assistant.describe_backend()

    def index_is_empty(self) -> bool:
        total, _ = self.assistant.articles(limit=1)
        return total == 0

    def respond(self, message: str, state: dict | None, outlets: Sequence[str] | None,
                after: str | None, before: str | None, stop_key: str | None = None) -> Iterator[Outputs]:
        """Yield (chat messages, sources panel, state) as the answer is built: sources first, then tokens, then
        the checked answer replacing the draft. ``stop_key`` names the session whose stop requests end it early."""
        state = dict(state or new_state())
        chat = [dict(m) for m in state.get("messages", [])]
        sections = list(state["sections"])
        message = (message or "").strip()
        if not message:
            return
        turn = len(sections) + 1
        chat.append({"role": "user", "content": md_text(message)})

        def snapshot() -> Outputs:  # copies: each yielded step stays as it was
            shown = [dict(m) for m in chat]
            return shown, sources_panel(sections), {**state, "messages": shown, "sections": list(sections)}

        def reply(text: str) -> Outputs:
            chat.append({"role": "assistant", "content": text})
            return snapshot()

        try:
            question = validate_question(message, self.assistant.settings.max_question_chars)
            filters = make_filters(list(outlets or []) or None, after or None, before or None)
        except InvalidRequest as exc:
            yield reply(md_text(friendly_error(exc, self.backend_name())))
            return
        if self.index_is_empty():
            yield reply(EMPTY_INDEX)
            return

        sections.append(turn_sources(turn, message, "", status="Searching the articles…", state="searching"))
        chat.append({"role": "assistant", "content": "*Searching the articles…*"})
        yield snapshot()

        standalone, passages, draft, answer = question, [], "", None
        self.stops.begin(stop_key)
        try:
            events = self.assistant.stream(question, history=state["history"], filters=filters)
            try:
                for event in events:
                    signal = self.stops.check(stop_key)
                    if signal == "discard":
                        return
                    if signal == "stop":
                        chat[-1]["content"] = (md_text(draft) if draft else "") + STOPPED
                        sections[-1] = turn_sources(turn, message, standalone, passages=passages,
                                                    status="Stopped before the answer was finished.",
                                                    state="stopped")
                        yield snapshot()
                        return
                    if event.kind == "rewrite":
                        standalone = event.data
                        chat.insert(len(chat) - 1, {"role": "assistant", "content": md_text(standalone),
                                                    "metadata": {"title": "Searched for (follow-up made standalone)",
                                                                 "status": "done"}})
                        sections[-1] = turn_sources(turn, message, standalone, status="Searching the articles…",
                                                    state="searching")
                    elif event.kind == "sources":
                        passages = list(event.data)
                        status = (f"{len(passages)} passages found; writing the answer…" if passages
                                  else "No passage matches the question.")
                        sections[-1] = turn_sources(turn, message, standalone, passages=passages, status=status,
                                                    state="answering")
                        chat[-1]["content"] = "*Writing the answer…*"
                    elif event.kind == "progress":
                        chat[-1]["content"] = f"*{md_text(event.data[:1].upper() + event.data[1:])}…*"
                        sections[-1] = turn_sources(turn, message, standalone, passages=passages,
                                                    status=event.data[:1].upper() + event.data[1:], state="answering")
                    elif event.kind == "token":
                        draft += event.data
                        chat[-1]["content"] = streaming_message(draft)
                    elif event.kind == "answer":
                        answer = event.data
                    yield snapshot()
            finally:  # stopped, failed or closed: close the answer stream too, releasing the model
                getattr(events, "close", lambda: None)()
                self.stops.end(stop_key)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a plain message in the chat
            if not isinstance(exc, AssistantError):
                log.exception("answering %r failed", question)
            chat[-1]["content"] = md_text(friendly_error(exc, self.backend_name()))
            status = "The answer could not be written; these passages were found." if passages else ""
            sections[-1] = turn_sources(turn, message, standalone, passages=passages, status=status, state="error")
            yield snapshot()
            return
        if answer is None:  # the stream ended without a checked answer (should not happen)
            chat[-1]["content"] = md_text(friendly_error(RuntimeError("no answer"), self.backend_name()))
            sections[-1] = turn_sources(turn, message, standalone, passages=passages, state="error")
            yield snapshot()
            return
        yield self._finish(chat, state, sections, turn, message, standalone, passages, answer, filters)

    def _finish(self, chat: Messages, state: dict, sections: list[str], turn: int, message: str, standalone: str,
                passages: list, answer: Answer, filters: Filters) -> Outputs:
        text = answer_message(answer, turn)
        if answer.refused and not filters.empty:
            text += f"\n\n<span class=\"answer-note\">Filters in use: {md_text(filters_note(filters))}.</span>"
        chat[-1]["content"] = text
        sections[-1] = turn_sources(turn, message, answer.standalone_question or standalone, passages=passages,
                                    answer=answer)
        history = [*state["history"], {"role": "user", "content": message},
                   {"role": "assistant", "content": answer.text}][-self.assistant.settings.max_history_turns:]
        return chat, sources_panel(sections), {"messages": [dict(m) for m in chat], "history": history,
                                               "sections": sections}

    def request_stop(self, stop_key: str | None, discard: bool = False) -> None:
        """Ask the session's answer in progress to stop (``discard``: end it without a word, the chat was cleared)."""
        self.stops.request(stop_key, discard)

    def api_chat(self, message: str) -> str:
        """Return the grounded answer text (with [n] markers) for one question. Raises gr.Error with a plain
        message when the question is unusable or the model unreachable."""
        import gradio as gr

        try:
            return self.assistant.ask(message).text
        except Exception as exc:  # noqa: BLE001 - the caller gets a plain message, never a traceback
            if not isinstance(exc, AssistantError):
                log.exception("API chat %r failed", message)
            raise gr.Error(friendly_error(exc, self.backend_name())) from None
