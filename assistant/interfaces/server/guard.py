"""The server's front door: one ASGI middleware that every request passes before any route reads it.

In order: the Host header must name this server (DNS rebinding); a write from another site's page is refused
(Origin / Sec-Fetch-Site); /api and /v1 need the API key, checked before the body is read, and an address that keeps
sending wrong keys or passwords is refused for a while; a body larger than its limit is a 413 before it is read
(streamed bodies are counted as they arrive); a JSON body must say so in its Content-Type and may not nest deeper
than a limit. Everything refused is answered with the route family's JSON error, never a traceback.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from urllib.parse import urlsplit

import anyio
import numpy as np
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...settings import Settings
from .auth import key_matches

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})
UPLOAD_PATHS = ("/api/articles", "/gradio_api/upload", "/upload")
LOGIN_PATHS = ("/login", "/login/", "/gradio_api/login")
KEYED_PREFIXES = ("/api/", "/v1/")
BODY_PATHS = frozenset({"/api/ask", "/api/ask/stream", "/api/articles", "/api/sources", "/v1/chat/completions"})
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_OPEN, _CLOSE = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8)


def json_depth(body: bytes) -> int:
    """Return how deeply ``body`` (JSON text) nests arrays and objects; linear time, no recursion."""
    if b"[" not in body and b"{" not in body:
        return 0
    data = np.frombuffer(_JSON_STRING.sub(b'""', body), np.uint8)
    steps = np.isin(data, _OPEN).astype(np.int32) - np.isin(data, _CLOSE).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def allowed_hosts(settings: Settings, bind_host: str) -> frozenset[str] | None:
    """Return the host names requests may carry in their Host header (None: any)."""
    names = set(LOOPBACK_NAMES) | {h.lower() for h in settings.allowed_hosts}
    if "*" in names:
        return None
    if bind_host in WILDCARD_BINDS and not settings.allowed_hosts:
        return None  # listening everywhere with no list given: the API key is what protects it
    names.add(bind_host.lower().strip("[]"))
    return frozenset(names)


def host_name(netloc: str) -> str:
    """Return the host of ``host[:port]`` (IPv6 brackets removed), lower case."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def same_origin(origin: str, host_header: str) -> bool:
    """Return True when the Origin header names this server as the request's Host header does."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    default = "443" if parts.scheme == "https" else "80"

    def normal(netloc: str) -> str:
        netloc = netloc.lower()
        return netloc if re.search(r":\d+$", netloc) else f"{netloc}:{default}"

    return normal(parts.netloc) == normal(host_header)


class FailureLimiter:
    """Counts failed keys and logins per client address; refuses an address once it has ``limit`` failures within
    ``window`` seconds. Memory is bounded: at most ``max_clients`` addresses are remembered."""

    def __init__(self, limit: int, window: float = 60.0, max_clients: int = 10_000) -> None:
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client)
        if times is None:
            return deque()
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= self.limit

    def record(self, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            times = self._recent(client, now)
            times.append(now)
            self._failures[client] = times
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)


class RequestGuard:
    """The middleware (see the module docstring); ``error_response(request, status, message, field, code=)`` makes
    the JSON error of the request's route family."""

    def __init__(self, app: ASGIApp, settings: Settings, bind_host: str,
                 error_response: Callable[..., object]) -> None:
        self.app = app
        self.settings = settings
        self.hosts = allowed_hosts(settings, bind_host)
        self.origins = frozenset(o.rstrip("/").lower() for o in settings.cors_origins)
        self.key = settings.api_key.get_secret_value() if settings.api_key else None
        self.failures = FailureLimiter(settings.auth_failures_per_minute)
        self.error_response = error_response

    async def _reply(self, scope: Scope, receive: Receive, send: Send, status: int, message: str,
                     field: str | None = None, code: str | None = None) -> None:
        response = self.error_response(Request(scope), status, message, field, code=code)
        await response(scope, receive, send)  # type: ignore[operator]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        client = (scope.get("client") or ("unknown", 0))[0]

        host = headers.get("host", "")
        if self.hosts is not None and host_name(host) not in self.hosts:
            log.warning("refused a request from %s for the host %r (not this server's name)", client, host[:100])
            await self._reply(scope, receive, send, 400, f"the Host header {host[:100]!r} does not name this "
                              "server (set ASSISTANT_ALLOWED_HOSTS to serve it under that name)", "Host")
            return
        if scope["type"] == "websocket" or method not in SAFE_METHODS:
            refusal = self._cross_site(headers, host)
            if refusal:
                field, message = refusal
                log.warning("refused a %s %s from %s: %s", method, path, client, message)
                await self._reply(scope, receive, send, 403, message, field)
                return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        keyed = path.startswith(KEYED_PREFIXES) and method != "OPTIONS"
        login = method == "POST" and path in LOGIN_PATHS
        if keyed and self.key is not None:
            problem = self._key_problem(headers)
            if problem:  # the right key always passes: only guessing is slowed down
                if self.failures.blocked(client):
                    await self._too_many(scope, receive, send)
                    return
                self.failures.record(client)
                log.warning("refused %s %s from %s: %s", method, path, client, problem.split(":")[0])
                await self._reply(scope, receive, send, 401, problem, "Authorization", code="invalid_api_key")
                return
        if login and self.failures.blocked(client):
            await self._too_many(scope, receive, send)
            return
        if method == "POST" and path in BODY_PATHS:  # other routes and methods get their 405 from the app
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            multipart_ok = path == "/api/articles" and kind == "multipart/form-data"
            if not (kind == "application/json" or kind.endswith("+json") or multipart_ok):
                allowed = "application/json" + (" or multipart/form-data" if path == "/api/articles" else "")
                await self._reply(scope, receive, send, 415, f"the Content-Type {kind or '(none)'!r} is not "
                                  f"supported here: send {allowed}", "Content-Type")
                return

        limit = self.settings.max_upload_bytes if path in UPLOAD_PATHS else self.settings.max_request_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._reply(scope, receive, send, 413, f"the request body is {int(declared):,} bytes; the limit "
                              f"is {limit:,}", "body")
            return
        if login:
            send = self._watch_login(send, client)
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if method not in SAFE_METHODS and (kind in ("application/json", "") or kind.endswith("+json")):
            await self._json_request(scope, receive, send, limit)
            return
        await self._counted_request(scope, receive, send, limit)

    async def _too_many(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._reply(scope, receive, send, 429, "too many failed attempts with a wrong Authorization key or "
                          "password from this address; wait a minute and try again", "Authorization")

    def _cross_site(self, headers: Headers, host: str) -> tuple[str, str] | None:
        """Return why a state-changing request is refused as coming from another site's page, or None."""
        origin = headers.get("origin")
        if origin is not None:
            if origin.rstrip("/").lower() in self.origins:
                return None
            if origin == "null" or not same_origin(origin, host):
                return "Origin", (f"the Origin {origin[:100]!r} is another site: its pages may not write here "
                                  "(ASSISTANT_CORS_ORIGINS lists the sites that may)")
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site in ("cross-site", "same-site") and origin is None:
            return "Sec-Fetch-Site", f"a write from another site's page (Sec-Fetch-Site: {fetch_site}) is refused"
        return None

    def _key_problem(self, headers: Headers) -> str | None:
        given = headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if not given:
            return "this server requires an API key: send the header `Authorization: Bearer <key>`"
        if scheme.lower() != "bearer" or not key_matches(token.strip(), self.key or ""):
            return "the API key in the Authorization header is not this server's key"
        return None

    def _watch_login(self, send: Send, client: str) -> Send:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                self.failures.record(client)
                log.warning("failed web UI login from %s", client)
            await send(message)
        return watched

    async def _read(self, receive: Receive, limit: int) -> bytes | None:
        """Return the whole body, or None as soon as it grows past ``limit``."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                return None
            chunks.append(body)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _json_request(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        body = await self._read(receive, limit)
        if body is None:
            await self._reply(scope, receive, send, 413, f"the request body is larger than the limit of {limit:,} "
                              "bytes", "body")
            return
        depth = await anyio.to_thread.run_sync(json_depth, body) if len(body) > 65536 else json_depth(body)
        if depth > self.settings.max_json_depth:
            await self._reply(scope, receive, send, 422, f"the JSON body nests {depth:,} levels deep; the limit "
                              f"is {self.settings.max_json_depth}", "body")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _counted_request(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the request on, counting its body as it arrives; past ``limit`` the app sees a disconnect and the
        client gets a 413 (when no response has started)."""
        size, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal size, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the app's reaction to the disconnect is replaced by the 413 below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, sending)
        if over and not started:
            await self._reply(scope, receive, send, 413, f"the request body is larger than the limit of {limit:,} "
                              "bytes", "body")
