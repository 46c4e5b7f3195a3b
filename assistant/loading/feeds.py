"""JSON and JSON Lines feeds: one article per object (title/body/source/author/published_at/url, common aliases)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..types import Article, Failure
from .article import LoadResult
from .fields import FieldError, article_from_fields

_LIST_KEYS = ("articles", "items", "data", "documents", "entries", "results")


def _article(obj: object, path: str, position: str, max_chars: int) -> Article:
    try:
        return article_from_fields(obj, path, position, max_chars)
    except FieldError as exc:
        raise ValueError(f"field {exc.field!r} {exc}" if exc.field else str(exc)) from None


def _objects_of_json(data: object) -> Iterator[tuple[str, object]]:
    if isinstance(data, dict):
        for name in _LIST_KEYS:
            if isinstance(data.get(name), list):
                data = data[name]
                break
        else:
            yield "item 1", data
            return
    if not isinstance(data, list):
        raise ValueError(f"holds a JSON {type(data).__name__}; expected an article object or a list of them")
    for i, obj in enumerate(data):
        yield f"item {i + 1}", obj


def parse_json(text: str, path: str, max_chars: int) -> LoadResult:
    """Return the articles of a JSON document (one object, a list, or {"articles": [...]}) and per-item errors."""
    result = LoadResult()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.errors.append(Failure(path, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"))
        return result
    except RecursionError:
        result.errors.append(Failure(path, "nests arrays or objects too deeply to be an article feed"))
        return result
    try:
        for position, obj in _objects_of_json(data):
            try:
                result.articles.append(_article(obj, path, position, max_chars))
            except ValueError as exc:
                result.errors.append(Failure(f"{path} {position}", str(exc)))
    except ValueError as exc:
        result.errors.append(Failure(path, str(exc)))
    return result


def parse_jsonl(text: str, path: str, max_chars: int) -> LoadResult:
    """Return the articles of a JSON Lines document; a broken line is an error of its own, the others still load."""
    result = LoadResult()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.errors.append(Failure(f"{path}:{number}", f"is not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        except RecursionError:
            result.errors.append(Failure(f"{path}:{number}", "nests arrays or objects too deeply"))
            continue
        try:
            result.articles.append(_article(obj, path, f"line {number}", max_chars))
        except ValueError as exc:
            result.errors.append(Failure(f"{path}:{number}", str(exc)))
    return result
