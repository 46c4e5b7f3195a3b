"""Grounded, cited question answering over news articles.

Importing the package is cheap: nothing is loaded until an ``Assistant`` is built and used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Filters", "IndexReport", "Parts", "Passage",
           "Settings", "make_filters"]

if TYPE_CHECKING:
    from .assistant import Assistant, Parts, make_filters
    from .errors import AssistantError
    from .settings import Settings
    from .types import Answer, Citation, Filters, IndexReport, Passage

_WHERE = {
    "Answer": ".types", "Citation": ".types", "Filters": ".types", "IndexReport": ".types", "Passage": ".types",
    "Assistant": ".assistant", "Parts": ".assistant", "make_filters": ".assistant", "AssistantError": ".errors",
    "Settings": ".settings",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(name)
