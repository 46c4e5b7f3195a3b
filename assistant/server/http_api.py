"""The HTTP API: /health and /api/* (a thin layer over assistant.api.Assistant).

Routes that do CPU work (asking, indexing) are plain ``def`` functions: FastAPI runs them in its thread pool, and the
facade is thread-safe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from datetime import timezone
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..api import Assistant, InvalidRequest, make_filters
from ..loading import Article, LoadError
from ..loading.normalise import http_url, normalise_field, normalise_text, parse_date
from ..loading.plaintext import fallback_title
from ..retrieval import Filters
from ..settings import Settings
from .auth import require_key
from .errors import ApiError, classify, validation_items
from .schemas import (
    MAX_ARTICLES_PER_REQUEST, MAX_UPLOAD_BYTES, ArticleBatch, ArticleDetail, ArticleIn, ArticlePage, AskRequest, AskResponse, Deleted,
    ErrorResponse, Health, IndexReportOut, Stats, UploadForm,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token (only when ASSISTANT_API_KEY is set)."},
    422: {"model": ErrorResponse, "description": "Something in the request is wrong; `field` names it."},
    503: {"model": ErrorResponse, "description": "The answering backend or the article store is unavailable."},
    413: {"model": ErrorResponse, "description": "The body is larger than the server's limit."},
    415: {"model": ErrorResponse, "description": "The body is not sent as application/json."},
    429: {"model": ErrorResponse, "description": "Too many wrong keys from this address: wait a minute."},
}
NOT_FOUND = {404: {"model": ErrorResponse, "description": "No article has this id."}}
ArticleId = Annotated[str, Path(min_length=1, max_length=200, description="The article id (from GET /api/articles).")]

_SSE_DOC = (
    "Server-sent events, in this order: `rewrite` (only for a follow-up: `{\"standalone_question\"}`), `sources` "
    "(`{\"passages\": [...]}`, the numbered passages given to the model), `token`s (`{\"text\"}`, the draft as it is "
    "written), then `answer` (the checked answer, the body of POST /api/ask: its text may differ from the draft "
    "when grounding trimmed or refused it). A failure after the stream started is an `error` event "
    "(`{\"error\", \"status\"}`)."
)


SSE_EVENT = {
    "type": "object", "required": ["event", "data"], "description": "One event; `data` is a JSON object.",
    "properties": {"event": {"enum": ["rewrite", "sources", "token", "answer", "error"]}, "data": {"type": "string"}},
}


def ask_filters(filters: Any) -> Filters | None:
    """Return retrieval Filters for the request's filters (None when absent). Raises InvalidRequest naming a field."""
    if filters is None:
        return None
    return make_filters(filters.sources, filters.published_after, filters.published_before)


def sse(event: str, data: Any) -> str:
    """Return one server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _article(item: ArticleIn, field: str) -> Article:
    """Return the Article for a posted one. Raises InvalidRequest naming ``field`` when its values are unusable."""
    body = normalise_text(item.body)
    if not body:
        raise InvalidRequest(f"{field}.body", "holds no text once control and zero-width characters are removed")
    published = None
    if item.published_at not in (None, ""):
        published = parse_date(item.published_at)
        if published is None:
            raise InvalidRequest(f"{field}.published_at", f"{item.published_at!r} is not a date (use ISO 8601)")
    url = normalise_field(item.url)
    if url and http_url(url) is None:
        raise InvalidRequest(f"{field}.url", f"{url[:80]!r} is not an http:// or https:// URL")
    key = f"api#{url}" if url else f"api#sha256:{hashlib.sha256(body.encode()).hexdigest()[:32]}"
    return Article(body=body, title=normalise_field(item.title) or fallback_title(body), key=key,
                   source=normalise_field(item.source), author=normalise_field(item.author), published_at=published,
                   url=url)


def parse_articles(data: Any) -> tuple[list[Article], list[LoadError]]:
    """Return the Articles of a JSON body (one article, a list, or ``{"articles": [...]}``) and warnings naming the
    unknown fields that were ignored.

    Raises InvalidRequest naming the first bad field (``articles[2].body``)."""
    if not isinstance(data, (list, dict)):
        raise InvalidRequest("body", "must be an article object, a list of them, or {\"articles\": [...]}")
    prefix = "articles" if isinstance(data, list) else "" if "articles" in data else "article"
    listed = data if isinstance(data, list) else data.get("articles") if "articles" in data else None
    if isinstance(listed, list) and len(listed) > MAX_ARTICLES_PER_REQUEST:  # before validating any of them
        raise InvalidRequest("articles", f"holds {len(listed):,} items; the limit is {MAX_ARTICLES_PER_REQUEST:,}"
                             " per request")
    try:
        if isinstance(data, list):
            items = TypeAdapter(list[ArticleIn]).validate_python(data)
        elif "articles" in data:
            items = ArticleBatch.model_validate(data).articles
        else:
            items = [ArticleIn.model_validate(data)]
    except ValidationError as exc:
        first = validation_items(exc.errors(), prefix, located=False)[0]
        raise InvalidRequest(first["field"], first["message"]) from None
    if not items:
        raise InvalidRequest("articles", "is empty: send at least one article")
    if len(items) > MAX_ARTICLES_PER_REQUEST:
        raise InvalidRequest("articles", f"holds {len(items):,} articles; the limit is {MAX_ARTICLES_PER_REQUEST:,}"
                             " per request")
    fields = ["article"] if prefix == "article" else [f"articles[{i}]" for i in range(len(items))]
    ignored = [LoadError(field, f"unknown fields ignored: {', '.join(sorted(item.model_extra))[:300]}")
               for field, item in zip(fields, items) if item.model_extra]
    return [_article(item, field) for field, item in zip(fields, items)], ignored


def articles_of_body(body: bytes) -> tuple[list[Article], list[LoadError]]:
    """Return the Articles of a JSON request body (see parse_articles). Raises InvalidRequest."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("body", f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise InvalidRequest("body", "nests too deeply to be an article feed") from None
    return parse_articles(data)


async def read_body(request: Request, limit: int) -> bytes:
    """Return the request body. Raises ApiError 413 as soon as it grows past ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the request body is {int(declared):,} bytes; the limit is {limit:,}", "body")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the request body is larger than the limit of {limit:,} bytes", "body")
        chunks.append(chunk)
    return b"".join(chunks)


async def uploaded_files(request: Request, body: bytes) -> list[tuple[str, bytes]]:
    """Return ``(filename, content)`` of every file in a multipart body. Raises InvalidRequest when there is none."""
    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=10_000, max_fields=100)
    except Exception as exc:  # noqa: BLE001 - starlette raises several parser errors for malformed multipart
        raise InvalidRequest("file", f"the multipart body cannot be read: {exc}") from None
    files = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            if key == "file":
                raise InvalidRequest("file", "must be an uploaded file, not a text field")
            raise InvalidRequest(key, "is not a known field (send files in the `file` field)")
        if key != "file":
            raise InvalidRequest(key, "is not a known field (send files in the `file` field)")
        files.append((value.filename or "upload.txt", await value.read()))
    if not files:
        raise InvalidRequest("file", "is required: send one or more files in the `file` field")
    return files


def _report(report: Any) -> dict:
    """Return the report as a dict; InvalidRequest when nothing at all could be indexed from what was sent."""
    data = report.as_dict()
    if report.failed and not (report.added or report.updated or report.unchanged or report.duplicates):
        first = report.failed[0]
        more = f" (and {len(report.failed) - 1} more failures)" if len(report.failed) > 1 else ""
        raise ApiError(422, f"{first.path}: {first.error}{more}; nothing was indexed", first.path,
                       items=[{"field": f.path, "message": f.error} for f in report.failed])
    return data


def _date_param(name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise InvalidRequest(name, f"{value!r} is not a date (use YYYY-MM-DD)")
    return parsed.astimezone(timezone.utc).isoformat()


def stream_events(events: Iterator[Any]) -> Iterator[str]:
    """Yield the SSE text of facade Events; a failure becomes a final ``error`` event."""
    try:
        for event in events:
            if event.kind == "rewrite":
                yield sse("rewrite", {"standalone_question": event.data})
            elif event.kind == "sources":
                yield sse("sources", {"passages": [dataclasses.asdict(p) for p in event.data]})
            elif event.kind == "token":
                yield sse("token", {"text": event.data})
            elif event.kind == "answer":
                yield sse("answer", event.data.as_dict())
    except Exception as exc:  # noqa: BLE001 - the status line is sent: report it in the stream
        status, message, _field = classify(exc)
        yield sse("error", {"error": message, "status": status})


def api_router(assistant: Assistant, settings: Settings) -> APIRouter:
    """Return /health (always open) and the /api/* routes (behind the API key when one is set)."""
    router = APIRouter()

    @router.get("/health", tags=["meta"], response_model=Health)
    def health() -> dict:
        """Liveness: 200 while the server runs (never needs the API key)."""
        return {"status": "ok"}

    api = APIRouter(prefix="/api", dependencies=require_key(settings), responses=ERRORS)

    @api.post("/ask", tags=["ask"], response_model=AskResponse)
    def ask(request: AskRequest) -> dict:
        """Answer a question from the indexed articles: the checked answer with `[n]` markers and its citations."""
        answer = assistant.ask(request.question, [t.model_dump() for t in request.history],
                               ask_filters(request.filters), request.backend)
        return answer.as_dict()

    @api.post("/ask/stream", tags=["ask"], response_class=StreamingResponse,
              responses={200: {"content": {"text/event-stream": {"itemSchema": SSE_EVENT}},
                               "description": _SSE_DOC}})
    def ask_stream(request: AskRequest) -> StreamingResponse:
        """Stream an answer as server-sent events: sources first, then tokens, then the checked answer."""
        events = assistant.stream(request.question, [t.model_dump() for t in request.history],
                                  ask_filters(request.filters), request.backend)
        first = next(events)  # retrieval (and a follow-up's rewrite) fail here, before the 200 is sent

        def chained() -> Iterator[Any]:
            yield first
            yield from events

        return StreamingResponse(stream_events(chained()), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @api.post(
        "/articles", tags=["articles"], response_model=IndexReportOut,
        responses={413: {"model": ErrorResponse, "description": "The body is larger than 100 MB."},
                   415: {"model": ErrorResponse, "description": "Neither JSON nor multipart/form-data."}},
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"anyOf": [
                {"$ref": "#/components/schemas/ArticleIn"},
                {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"}, "minItems": 1,
                 "maxItems": 1000},
                {"$ref": "#/components/schemas/ArticleBatch"},
            ]}},
            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/UploadForm"}},
        }}},
    )
    async def add_articles(request: Request) -> dict:
        """Index articles sent as JSON (one object, a list, or `{"articles": [...]}`), or uploaded files
        (multipart, field `file`, repeatable). Returns the index report; inputs that could not be read are listed
        in `failed` (a 422 when nothing could be indexed)."""
        body = await read_body(request, settings.max_upload_bytes)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            files = await uploaded_files(request, body)
            report = await run_in_threadpool(assistant.index_files, files)
        elif kind == "application/json" or kind.endswith("+json"):
            # Parsing and validating a body is CPU work: never on the event loop, which serves everyone else.
            articles, ignored = await run_in_threadpool(articles_of_body, body)
            report = await run_in_threadpool(assistant.index_articles, articles, "api")
            report.warnings[:0] = ignored
        else:
            raise ApiError(415, f"unsupported content type {kind!r}: send application/json or multipart/form-data",
                           "Content-Type")
        return _report(report)

    @api.get("/articles", tags=["articles"], response_model=ArticlePage)
    def list_articles(
        q: Annotated[str, Query(max_length=500, description="Text in the title, outlet or author.")] = "",
        source: Annotated[list[str], Query(description="Only these outlets (repeatable).")] = [],  # noqa: B006
        published_after: Annotated[str | None, Query(max_length=64, description="On or after this date.")] = None,
        published_before: Annotated[str | None, Query(max_length=64, description="Before this date.")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> dict:
        """List indexed articles, newest first, one page at a time, optionally by outlet, date and text."""
        after = _date_param("published_after", published_after)
        before = _date_param("published_before", published_before)
        total, rows = assistant.articles(q, [s for s in source if s], after, before, limit, offset)
        return {"total": total, "limit": limit, "offset": offset, "articles": [r.as_dict() for r in rows]}

    @api.get("/articles/{article_id}", tags=["articles"], response_model=ArticleDetail, responses=NOT_FOUND)
    def get_article(article_id: ArticleId) -> dict:
        """One indexed article: its metadata and its text."""
        row = assistant.article(article_id)
        text = assistant.article_text(article_id) if row else None
        if row is None or text is None:
            raise ApiError(404, f"no article has the id {article_id!r}", "article_id")
        return row.as_dict() | {"text": text}

    @api.delete("/articles/{article_id}", tags=["articles"], response_model=Deleted, responses=NOT_FOUND)
    def delete_article(article_id: ArticleId) -> dict:
        """Remove an article and its chunks from the index."""
        if not assistant.delete_article(article_id):
            raise ApiError(404, f"no article has the id {article_id!r}", "article_id")
        return {"deleted": article_id}

    @api.get("/stats", tags=["meta"], response_model=Stats)
    def stats() -> dict:
        """What the index holds and the models in use."""
        return assistant.stats()

    router.include_router(api)
    return router


def extend_openapi(app: FastAPI, models: tuple[type[BaseModel], ...] = (ArticleIn, ArticleBatch, UploadForm)) -> None:
    """Make /openapi.json also hold the schemas of bodies that routes read themselves (POST /api/articles)."""

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(found.pop("$defs", {}))
            components[model.__name__] = found
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
