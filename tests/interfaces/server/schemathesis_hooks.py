"""Schemathesis hooks for tests/interfaces/server/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The fuzzed server has no LLM: a generated request that picks an LLM backend (a valid choice the server rightly
answers 503, "backend unavailable") is pointed at the extractive backend instead, so that every 5xx is a real bug.
"""

from __future__ import annotations

from typing import Any

import schemathesis

LLM_BACKENDS = ("local", "ollama", "openai")


def _extractive(body: Any) -> None:
    if isinstance(body, dict):
        backend, model = body.get("backend"), body.get("model")
        if isinstance(backend, str) and backend in LLM_BACKENDS:
            body["backend"] = "extractive"
        if isinstance(model, str) and model.removeprefix("news-assistant-") in LLM_BACKENDS:
            body["model"] = "news-assistant-extractive"


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:  # noqa: ARG001 - the hook's signature
    """Runs before every request of every phase (map_body does not reach the coverage phase)."""
    _extractive(case.body)
