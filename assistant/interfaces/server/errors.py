"""Errors of the HTTP API as JSON: what a client sent wrong is a 4xx naming the field, never a 500.

/api/* errors have the ErrorResponse body (``{"error", "field", "errors"}``); /v1/* errors have OpenAI's shape
(``{"error": {"message", "type", "param", "code"}}``) so that OpenAI clients raise their usual exceptions.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ...errors import AssistantError, BackendUnavailable, IndexBusy, InvalidRequest, NotFound, StoreUnavailable
from .auth import Unauthorized

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered with ``status``; ``field`` names the request field at fault, when one is."""

    def __init__(self, status: int, message: str, field: str | None = None, code: str | None = None,
                 items: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code
        self.items = items


COMMON_ERRORS = {
    401: "Missing or wrong bearer token (only when ASSISTANT_API_KEY is set).",
    413: "The body is larger than the server's limit.",
    415: "The body is not sent as application/json.",
    429: "Too many wrong keys from this address: wait a minute.",
    503: "The answering backend or the article store is unavailable.",
}


def documented_errors(model: type, **more: str) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI ``responses`` of the errors every route of a family can give, with ``model`` as body."""
    described = COMMON_ERRORS | {int(k.lstrip("_")): v for k, v in more.items()}
    return {status: {"model": model, "description": text} for status, text in sorted(described.items())}


MAX_ERROR_ITEMS = 20  # problems listed in one error body (the first ones)


def field_path(loc: tuple | list, located: bool = True) -> str:
    """Return a readable dotted path for a pydantic error location; ``located``: it starts with FastAPI's
    body/query/path/header, which is dropped."""
    parts = list(loc[1:] if located and loc and loc[0] in ("body", "query", "path", "header") else loc)
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def validation_items(errors: list[dict[str, Any]], prefix: str = "", located: bool = True) -> list[dict[str, str]]:
    """Return ``[{"field", "message"}]`` for pydantic errors (union branches and their noise removed); field names
    start with ``prefix``; ``located`` as in field_path."""
    items: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for e in errors:
        if len(items) >= MAX_ERROR_ITEMS:
            break
        loc = [p for p in e.get("loc", ()) if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
        name = "" if e.get("type") == "json_invalid" else field_path(loc, located)
        if prefix and name:
            name = f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"
        name = name or prefix or "body"
        message = str(e.get("msg", "is invalid"))
        if e.get("type") == "extra_forbidden":
            message = "is not a known field"
        elif e.get("type") == "missing":
            message = "is required"
        elif e.get("type") == "json_invalid":
            message = f"is not valid JSON ({e.get('ctx', {}).get('error', 'syntax error')})"
        if (name, message) not in seen:
            seen.add((name, message))
            items.append({"field": name, "message": message})
    return items


def _api_body(message: str, field: str | None = None, items: list[dict[str, str]] | None = None) -> dict:
    return {"error": message, "field": field, "errors": items or ([{"field": field, "message": message}] if field else [])}


def _openai_body(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "invalid_request_error",
                 405: "invalid_request_error", 415: "invalid_request_error",
                 413: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error", 403: "permission_error",
                 503: "server_error", 500: "server_error"}


def error_response(request: Request, status: int, message: str, field: str | None = None,
                   items: list[dict[str, str]] | None = None, code: str | None = None) -> JSONResponse:
    """Return the JSON error for ``request``'s family of routes (/v1: OpenAI's shape; else ErrorResponse)."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if request.url.path.startswith("/v1/"):
        status = 400 if status == 422 else status  # OpenAI answers invalid requests with 400
        body = _openai_body(message, _OPENAI_TYPES.get(status, "invalid_request_error"), field, code)
    else:
        body = _api_body(message, field, items)
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure of the API routes with JSON: 4xx for what the client sent, 503 for a backend down."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = validation_items(list(exc.errors()))
        first = items[0] if items else {"field": "body", "message": "is invalid"}
        message = "; ".join(f"{i['field']}: {i['message']}" for i in items[:5])
        return error_response(request, 422, message, first["field"], items)

    @app.exception_handler(InvalidRequest)
    async def _bad(request: Request, exc: InvalidRequest) -> JSONResponse:
        status, message, field = classify(exc)
        return error_response(request, status, message, field, [{"field": exc.field, "message": exc.message}])

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        message = f"{exc.field}: {exc.message}" if exc.field and not exc.message.startswith(exc.field) else exc.message
        items = exc.items or ([{"field": exc.field, "message": exc.message}] if exc.field else [])
        return error_response(request, exc.status, message, exc.field, items, code=exc.code)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return error_response(request, 401, exc.reason, "Authorization", code="invalid_api_key")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not parse the body (bad encoding, broken form)
            return error_response(request, 422, f"body: {exc.detail}", "body")
        return error_response(request, exc.status_code, str(exc.detail))

    async def _service(request: Request, exc: Exception) -> JSONResponse:
        return unexpected_response(request, exc)

    app.add_exception_handler(AssistantError, _service)  # the core's errors: mapped by status_of
    app.add_exception_handler(Exception, _service)  # a bug: logged, answered 500 in the same JSON shape


def classify(exc: BaseException) -> tuple[int, str, str | None]:
    """Return ``(status, message, field)`` for an exception raised while serving a request: the one mapping of the
    core's errors to HTTP statuses."""
    if isinstance(exc, NotFound):
        return 404, str(exc), exc.field
    if isinstance(exc, InvalidRequest):
        return 422, str(exc), exc.field
    if isinstance(exc, ApiError):
        return exc.status, exc.message, exc.field
    if isinstance(exc, BackendUnavailable):
        return 503, f"the answering backend is unavailable: {exc}", None
    if isinstance(exc, StoreUnavailable):
        return 503, f"the article store is unavailable: {exc}", None
    if isinstance(exc, (IndexBusy, AssistantError)):
        return 503, str(exc), None
    log.exception("unexpected error while serving a request", exc_info=exc)
    return 500, "internal error (see the server log)", None


def unexpected_response(request: Request, exc: BaseException) -> JSONResponse:
    """Return the JSON response for an exception no handler above took (backend down: 503; a bug: 500)."""
    status, message, field = classify(exc)
    return error_response(request, status, message, field)


class MethodGuard:
    """ASGI middleware: a method an API path does not take is answered 405 with ``Allow`` (not passed on to the UI
    mounted at ``/``, which would answer 404)."""

    def __init__(self, app: ASGIApp, api_app: FastAPI) -> None:
        self.app = app
        self.api_app = api_app
        self._routes: list[tuple[re.Pattern[str], set[str]]] | None = None

    def routes(self) -> list[tuple[re.Pattern[str], set[str]]]:
        """Return (path regex, methods) of every documented route (read from the OpenAPI schema once)."""
        if self._routes is None:
            self._routes = [
                (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"),
                 {m.upper() for m in operations})
                for path, operations in self.api_app.openapi()["paths"].items()
            ]
        return self._routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            allowed = set().union(*(m for regex, m in self.routes() if regex.match(scope["path"])))
            if allowed and scope["method"] not in allowed:
                request = Request(scope)
                response = error_response(request, 405, f"{scope['method']} is not allowed on {scope['path']}; use "
                                          f"{', '.join(sorted(allowed))}")
                response.headers["Allow"] = ", ".join(sorted(allowed))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
