"""Grounded, cited question answering over news articles.

Importing the package is cheap: nothing is loaded until an ``Assistant`` is built and used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Answer", "Assistant", "Citation", "Filters", "IndexReport", "Settings", "make_filters"]

if TYPE_CHECKING:
    from .answering.answer import Answer, Citation
    from .api import Assistant, make_filters
    from .indexer import IndexReport
    from .retrieval import Filters
    from .settings import Settings

_WHERE = {
    "Answer": ".answering.answer", "Citation": ".answering.answer", "Assistant": ".api", "make_filters": ".api",
    "IndexReport": ".indexer", "Filters": ".retrieval", "Settings": ".settings",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(name)
