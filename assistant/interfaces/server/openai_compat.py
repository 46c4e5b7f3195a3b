"""An OpenAI-compatible chat endpoint over the articles: POST /v1/chat/completions (plain and streamed), GET /v1/models.

The last user message is the question and the earlier user/assistant messages are the history; system messages are
ignored (the grounded prompt is the server's own). The reply's content is the checked answer with its ``[n]``
markers, and the structured citations travel with it: ``choices[0].message.citations`` in a plain reply, and
``citations`` on the last chunk (top level and in its ``delta``) of a stream. A stream sends the checked answer:
grounding may trim the model's draft or re-point its markers, so draft tokens are never sent where a client could
not take them back.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ...assistant import Assistant, validate_question
from ...errors import InvalidRequest
from ...settings import BACKENDS, Settings
from ...types import Citation
from .auth import require_key
from .errors import ApiError, classify, documented_errors
from .http_api import ask_filters
from .schemas import MAX_HISTORY_TURNS, MAX_TURN_CHARS, AskFilters

MODEL = "news-assistant"
CREATED = 1_767_225_600  # 2026-01-01: a fixed "created" for the listed models


CHUNK_EVENT = {"type": "object", "required": ["data"], "properties": {"data": {"type": "string"}},
               "description": "`data` is a chat.completion.chunk as JSON, an `{\"error\"}` object, or `[DONE]`."}


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    error: OpenAIErrorBody


ERRORS = documented_errors(OpenAIError, _400="Invalid request; `error.param` names the field.",
                           _422="Not sent: invalid requests are answered 400, as OpenAI does.")


def model_ids() -> list[str]:
    """Return the model ids this server answers to: ``news-assistant`` (the default backend) and one per backend."""
    return [MODEL, *(f"{MODEL}-{b}" for b in BACKENDS)]


MAX_CONTENT_PARTS = 64


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(max_length=50)
    text: str | None = Field(None, max_length=MAX_TURN_CHARS)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(max_length=MAX_TURN_CHARS)] | Annotated[
        list[TextPart], Field(max_length=MAX_CONTENT_PARTS)] | None = None
    name: str | None = None


class ChatRequest(BaseModel):
    """OpenAI's chat request; fields this server does not use (temperature, tools...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(max_length=200, examples=[MODEL], json_schema_extra={"enum": model_ids()},
                       description="`news-assistant` (the server's default backend) or `news-assistant-BACKEND`.")
    messages: list[ChatMessage] = Field(min_length=1, max_length=2 * MAX_HISTORY_TURNS + 1)
    stream: bool | None = False
    filters: AskFilters | None = Field(None, description="Extension: restrict the articles searched (outlets, dates).")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class UrlCitation(BaseModel):
    url: str
    title: str
    start_index: int = Field(description="Where the cited sentence starts in `content`.")
    end_index: int = Field(description="Where it ends (after its `[n]` marker).")


class Annotation(BaseModel):
    type: Literal["url_citation"]
    url_citation: UrlCitation


class AnswerMessage(BaseModel):
    role: Literal["assistant"]
    content: str
    annotations: list[Annotation] = Field(description="OpenAI's url_citation annotations of `content`.")
    short_answer: str = Field(description="The direct answer alone (Yes / No / a name / \"The articles don't say.\").")
    citations: list[Citation] = Field(description="The sources of the `[n]` markers in `content`.")
    refused: bool = Field(description="True when the articles do not support an answer.")


class Choice(BaseModel):
    index: int
    message: AnswerMessage
    finish_reason: Literal["stop"]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    usage: dict[str, int] | None = None


def backend_of(model: str) -> str | None:
    """Return the backend a model id asks for (None: the server's default). Raises ApiError 404 for other ids."""
    if model == MODEL:
        return None
    for backend in BACKENDS:
        if model == f"{MODEL}-{backend}":
            return backend
    raise ApiError(404, f"the model {model!r} does not exist; use one of {', '.join(model_ids())}", "model",
                   code="model_not_found")


def _text(message: ChatMessage, field: str) -> str:
    if message.content is None:
        return ""
    if isinstance(message.content, str):
        return message.content
    texts = []
    for i, part in enumerate(message.content):
        if part.type != "text" or part.text is None:
            raise InvalidRequest(f"{field}.content[{i}]", f"is a {part.type!r} part; only text parts are supported")
        texts.append(part.text)
    return "\n".join(texts)


def conversation(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """Return ``(question, history)``: the last message (a user's) and the user/assistant turns before it.

    Raises InvalidRequest naming the message at fault."""
    last = len(messages) - 1
    if messages[last].role != "user":
        raise InvalidRequest(f"messages[{last}].role", "the last message must be the user's question")
    question = validate_question(_text(messages[last], f"messages[{last}]"))
    history = []
    for i, message in enumerate(messages[:last]):
        if message.role in ("user", "assistant"):
            content = _text(message, f"messages[{i}]")
            if content.strip():
                history.append({"role": message.role, "content": content})
    return question, history[-MAX_HISTORY_TURNS:]


_MARKER = re.compile(r"\[(\d{1,3})\]")


def annotations(text: str, citations: list[Citation]) -> list[dict[str, Any]]:
    """Return OpenAI's ``url_citation`` annotations of an answer: one per ``[n]`` marker, spanning the sentence it
    ends (indices into ``text``), pointing at the cited article (at the quoted sentence when it has a URL)."""
    by_n = {c.n: c for c in citations}
    found = []
    for match in _MARKER.finditer(text):
        citation = by_n.get(int(match.group(1)))
        if citation is None or not (citation.link or citation.url):
            continue
        head = text[:match.start()].rstrip()
        while head.endswith("]") and _MARKER.search(head[-5:]):  # "[1][2]": the same sentence as [1]
            head = head[:head.rfind("[")].rstrip()
        boundaries = [m.end() for m in re.finditer(r"[.!?][\"”’)]?\s+(?=[A-Z\"“‘(])", head)]  # a sentence starts
        found.append({"type": "url_citation", "url_citation": {
            "url": citation.link or citation.url, "title": citation.title,
            "start_index": boundaries[-1] if boundaries else 0, "end_index": match.end()}})
    return found


def _chunk(completion_id: str, model: str, delta: dict, finish: str | None = None, **extra: Any) -> str:
    body = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _pieces(text: str, size: int = 24) -> Iterator[str]:
    """Yield ``text`` in pieces of about ``size`` characters, cut after spaces."""
    start = 0
    while start < len(text):
        end = text.find(" ", start + size)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def openai_router(assistant: Assistant, settings: Settings) -> APIRouter:
    """Return the /v1 routes (behind the API key when one is set)."""
    router = APIRouter(prefix="/v1", tags=["openai"], dependencies=require_key(settings), responses=ERRORS)

    @router.get("/models", response_model=ModelList)
    def models() -> dict:
        """The model ids to use: `news-assistant` answers with the server's default backend."""
        return {"object": "list",
                "data": [{"id": m, "object": "model", "created": CREATED, "owned_by": "news-assistant"}
                         for m in model_ids()]}

    @router.post("/chat/completions", response_model=ChatCompletion,
                 responses={200: {"content": {"text/event-stream": {"itemSchema": CHUNK_EVENT}},
                                  "description": "A chat.completion, or with `stream: true` chat.completion.chunk "
                                                 "events ending in `data: [DONE]`; the last chunk has `citations`."},
                            404: {"model": OpenAIError, "description": "Unknown model."}})
    def chat_completions(request: ChatRequest) -> Any:
        """Answer the conversation's last user message from the articles, OpenAI-style, with citations."""
        backend = backend_of(request.model)
        question, history = conversation(request.messages)
        filters = ask_filters(request.filters)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if not request.stream:
            answer = assistant.ask(question, history, filters, backend)
            return {
                "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": request.model,
                "choices": [{"index": 0, "finish_reason": "stop", "message": {
                    "role": "assistant", "content": answer.text, "refused": answer.refused,
                    "short_answer": answer.short_answer,
                    "annotations": annotations(answer.text, answer.citations),
                    "citations": [c.model_dump(mode="json") for c in answer.citations]}}],
                "usage": None,
            }

        def events() -> Iterator[str]:
            yield _chunk(completion_id, request.model, {"role": "assistant", "content": ""})
            try:
                answer = assistant.ask(question, history, filters, backend)
            except Exception as exc:  # noqa: BLE001 - the 200 is sent: report the failure as OpenAI does in streams
                status, message, field = classify(exc)
                kind = "server_error" if status >= 500 else "invalid_request_error"
                yield f"data: {json.dumps({'error': {'message': message, 'type': kind, 'param': field, 'code': None}})}\n\n"
                return
            for piece in _pieces(answer.text):
                yield _chunk(completion_id, request.model, {"content": piece})
            citations = [c.model_dump(mode="json") for c in answer.citations]
            notes = {"citations": citations, "refused": answer.refused, "short_answer": answer.short_answer,
                     "annotations": annotations(answer.text, answer.citations)}
            yield _chunk(completion_id, request.model, notes, "stop", **notes)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return router
