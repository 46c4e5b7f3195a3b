"""The HTTP API: /health and /api/* (a thin layer over assistant.api.Assistant)."""

from __future__ import annotations

from fastapi import APIRouter

from ..api import Assistant
from ..settings import Settings


def api_router(assistant: Assistant, settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.get("/health", tags=["meta"])
    def health() -> dict:
        return {"status": "ok"}

    return router
