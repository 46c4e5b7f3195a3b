"""The HTTP API: /health and /api/* (a thin layer over the facade, assistant.assistant.Assistant).

Routes that do CPU work (asking, indexing) are plain ``def`` functions: FastAPI runs them in its thread pool, and the
facade is thread-safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, TypeAdapter, ValidationError

from ...assistant import Assistant, make_filters
from ...errors import InvalidRequest
from ...settings import Settings
from ...types import Answer, ArticleDetail, Filters, FollowedSource, IndexReport, Stats
from .auth import require_key
from .errors import ApiError, classify, documented_errors, validation_items
from .schemas import (
    ArticleBatch,
    ArticleIn,
    ArticlePage,
    AskRequest,
    Deleted,
    ErrorResponse,
    Health,
    SourceIn,
    Unfollowed,
    UploadForm,
)

ERRORS = documented_errors(ErrorResponse, _422="Something in the request is wrong; `field` names it.")
NOT_FOUND = {404: {"model": ErrorResponse, "description": "No article has this id."}}
ArticleId = Annotated[str, Path(min_length=1, max_length=200, description="The article id (from GET /api/articles).")]

_SSE_DOC = (
    "Server-sent events, in this order: `rewrite` (only for a follow-up: `{\"standalone_question\"}`), `sources` "
    "(`{\"passages\": [...]}`, the numbered passages found), `progress` (`{\"step\"}`, a step of an answer composed "
    "from checked claims), `token`s (`{\"text\"}`, the draft as it is "
    "written), then `answer` (the checked answer, the body of POST /api/ask: its text may differ from the draft "
    "when grounding trimmed or refused it). A failure after the stream started is an `error` event "
    "(`{\"error\", \"status\"}`)."
)


SSE_EVENT = {
    "type": "object", "required": ["event", "data"], "description": "One event; `data` is a JSON object.",
    "properties": {"event": {"enum": ["rewrite", "sources", "progress", "token", "answer", "error"]},
                   "data": {"type": "string"}},
}


def ask_filters(filters: Any) -> Filters | None:
    """Return retrieval Filters for the request's filters (None when absent). Raises InvalidRequest naming a field."""
    if filters is None:
        return None
    return make_filters(filters.sources, filters.published_after, filters.published_before)


def sse(event: str, data: Any) -> str:
    """Return one server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def articles_of_body(body: bytes, limit: int) -> tuple[list[dict], str]:
    """Return the article objects of a JSON request body (one article, a list, or ``{"articles": [...]}``) checked
    against the ArticleIn schema, and the name their fields go by (``article`` or ``articles``). Counts are checked
    before any item is validated, and only the first problems are reported. Raises InvalidRequest naming a field."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("body", f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise InvalidRequest("body", "nests too deeply to be an article feed") from None
    if isinstance(data, dict) and "articles" in data:
        unknown = sorted(k for k in data if k != "articles")
        if unknown:
            raise InvalidRequest(unknown[0], "is not a known field (send the articles in `articles`)")
        data, field = data["articles"], "articles"
        if not isinstance(data, list):
            raise InvalidRequest("articles", "must be a list of article objects")
    elif isinstance(data, dict):
        data, field = [data], "article"
    elif isinstance(data, list):
        field = "articles"
    else:
        raise InvalidRequest("body", "must be an article object, a list of them, or {\"articles\": [...]}")
    if not data:
        raise InvalidRequest(field, "is empty: send at least one article")
    if len(data) > limit:  # before validating any of them
        raise InvalidRequest(field, f"holds {len(data):,} items; the limit is {limit:,} per request")
    try:
        items = TypeAdapter(list[ArticleIn]).validate_python(data)
    except ValidationError as exc:
        first = validation_items(exc.errors(), "articles", located=False)[0]
        name = first["field"].replace("articles[0]", "article", 1) if field == "article" else first["field"]
        raise InvalidRequest(name, first["message"]) from None
    return [item.model_dump(exclude_none=True) for item in items], field


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


def _report(report: IndexReport) -> IndexReport:
    """Return the report; a 422 listing every failure when nothing at all could be indexed from what was sent."""
    if report.failed and not report.indexed_any:
        first = report.failed[0]
        more = f" (and {len(report.failed) - 1} more failures)" if len(report.failed) > 1 else ""
        raise ApiError(422, f"{first.path}: {first.error}{more}; nothing was indexed", first.path,
                       items=[{"field": f.path, "message": f.error} for f in report.failed])
    return report


def stream_events(events: Iterator[Any]) -> Iterator[str]:
    """Yield the SSE text of facade Events; a failure becomes a final ``error`` event."""
    try:
        for event in events:
            if event.kind == "rewrite":
                yield sse("rewrite", {"standalone_question": event.data})
            elif event.kind == "sources":
                yield sse("sources", {"passages": [p.model_dump(mode="json") for p in event.data]})
            elif event.kind == "progress":
                yield sse("progress", {"step": event.data})
            elif event.kind == "token":
                yield sse("token", {"text": event.data})
            elif event.kind == "answer":
                yield sse("answer", event.data.as_json())
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

    @api.post("/ask", tags=["ask"], response_model=Answer)
    def ask(request: AskRequest) -> Answer:
        """Answer a question from the indexed articles: the checked answer with `[n]` markers and its citations."""
        return assistant.ask(request.question, [t.model_dump() for t in request.history],
                             ask_filters(request.filters), request.backend)

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
        "/articles", tags=["articles"], response_model=IndexReport,
        responses={415: {"model": ErrorResponse, "description": "Neither JSON nor multipart/form-data."}},
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
    async def add_articles(request: Request) -> IndexReport:
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
            items, field = await run_in_threadpool(articles_of_body, body, settings.max_articles_per_request)
            report = await run_in_threadpool(assistant.add_articles, items, "api", field)
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
        total, rows = assistant.articles(q, [s for s in source if s], published_after, published_before, limit, offset)
        return {"total": total, "limit": limit, "offset": offset, "articles": rows}

    @api.get("/articles/{article_id}", tags=["articles"], response_model=ArticleDetail, responses=NOT_FOUND)
    def get_article(article_id: ArticleId) -> ArticleDetail:
        """One indexed article: its metadata and its text."""
        return assistant.article_detail(article_id)

    @api.delete("/articles/{article_id}", tags=["articles"], response_model=Deleted, responses=NOT_FOUND)
    def delete_article(article_id: ArticleId) -> dict:
        """Remove an article and its chunks from the index."""
        assistant.delete_article(article_id, missing_ok=False)
        return {"deleted": article_id}

    @api.get("/sources", tags=["sources"], response_model=list[FollowedSource])
    def list_sources() -> list[FollowedSource]:
        """The followed feeds, sitemaps and pages, with their last poll (when, new articles, errors)."""
        return assistant.followed_sources()

    @api.post("/sources", tags=["sources"], response_model=FollowedSource | IndexReport)
    def follow_source(request: SourceIn) -> FollowedSource | IndexReport:
        """Follow a feed, sitemap or page: the poller (`serve --poll`) and POST /api/sources/poll poll it. With
        `poll: true` it is polled at once and the reply is that poll's index report (failures named in `failed`)."""
        followed = assistant.follow_source(request.url)
        if request.poll:
            return assistant.index([followed.url])
        return followed

    @api.post("/sources/poll", tags=["sources"], response_model=IndexReport)
    def poll_sources() -> IndexReport:
        """Poll every followed source now (conditional GETs: what has not changed costs a 304)."""
        return assistant.poll()

    @api.delete("/sources", tags=["sources"], response_model=Unfollowed,
                responses={404: {"model": ErrorResponse, "description": "The URL is not followed."}})
    def unfollow_source(
        url: Annotated[str, Query(min_length=1, max_length=2000, description="The followed URL.")],
        delete_articles: Annotated[bool, Query(description="Also remove the articles only it brought in.")] = False,
    ) -> dict:
        """Stop following a source (its articles stay indexed unless `delete_articles=true`)."""
        report = assistant.unfollow_source(url, delete_articles=delete_articles)
        return {"unfollowed": url.strip(), "removed": report.removed}

    @api.get("/stats", tags=["meta"], response_model=Stats)
    def stats() -> Stats:
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
