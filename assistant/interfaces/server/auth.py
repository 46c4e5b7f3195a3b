"""The optional bearer token of the API (ASSISTANT_API_KEY): checked in constant time on every /api and /v1 route."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ...settings import Settings

_bearer = HTTPBearer(auto_error=False, description="The server's ASSISTANT_API_KEY, as `Authorization: Bearer KEY`.")


class Unauthorized(Exception):
    """The request lacks the right bearer token. ``reason`` says which (never the expected key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def key_matches(given: str, expected: str) -> bool:
    """Return True when ``given`` is ``expected``, compared in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def require_key(settings: Settings) -> list[Callable]:
    """Return the route dependencies that enforce the API key: none when no key is configured.

    The dependency raises Unauthorized (answered with 401) when the header is missing or holds another key.
    """
    if not settings.api_key:
        return []
    expected = settings.api_key.get_secret_value()

    def check(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
        if credentials is None:
            raise Unauthorized("this server requires an API key: send the header `Authorization: Bearer <key>`")
        if not key_matches(credentials.credentials, expected):
            raise Unauthorized("the API key in the Authorization header is not this server's key")

    return [Depends(check)]
