"""Request models of the HTTP API (/api/*) and the few response envelopes of its own; the answers, citations,
reports and articles it returns are the shared types (assistant/types.py). All of them are its OpenAPI schema.

Requests forbid unknown fields, so a misspelt field is an error that names it rather than being ignored; an article
object is the exception (feeds carry extra fields such as `category`): its unknown fields are ignored and named in the
index report's `warnings`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ...settings import Backend, Settings
from ...types import ArticleInfo

# Schema bounds: the defaults of the settings that enforce them (a server with other settings enforces its own).
_DEFAULTS = Settings.model_fields
MAX_QUESTION_CHARS: int = _DEFAULTS["max_question_chars"].default
MAX_HISTORY_TURNS: int = _DEFAULTS["max_history_turns"].default
MAX_TURN_CHARS: int = _DEFAULTS["max_turn_chars"].default
MAX_ARTICLE_CHARS: int = _DEFAULTS["max_article_chars"].default
MAX_ARTICLES_PER_REQUEST: int = _DEFAULTS["max_articles_per_request"].default


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors
class ErrorItem(BaseModel):
    field: str | None = Field(None, description="The request field that is wrong (dotted path), when one is.")
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx of /api/* has this body."""

    error: str = Field(description="What went wrong, in one line, naming the field.")
    field: str | None = Field(None, description="The first field that is wrong, when one is.")
    errors: list[ErrorItem] = Field(default_factory=list, description="Every problem found, one per field.")


# -- asking
class Turn(Request):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)


class AskFilters(Request):
    sources: list[str] | None = Field(None, max_length=100, description="Only these outlets (e.g. Reuters).")
    published_after: str | None = Field(None, max_length=64, description="Only articles published on or after "
                                        "this date (YYYY-MM-DD or ISO 8601).", examples=["2023-10-01"])
    published_before: str | None = Field(None, max_length=64, description="Only articles published before this date.",
                                         examples=["2024-01-01"])


class AskRequest(Request):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                          examples=["What did the executive order tell Chicago police to wear?"])
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                description="Earlier turns of the conversation, oldest first (for follow-ups).")
    filters: AskFilters | None = None
    backend: Backend | None = Field(None, description="Answering backend; unset = the server's default.")


# -- articles
class ArticleIn(BaseModel):
    # Feeds carry extra fields (category, tags, ...): they are ignored and named in the report's warnings.
    model_config = ConfigDict(extra="allow")

    title: str | None = Field(None, max_length=1000, description="Unset: the first sentence of the body.")
    body: str = Field(min_length=1, max_length=MAX_ARTICLE_CHARS, description="The article text.")
    source: str | None = Field(None, max_length=200, description="The outlet, e.g. Reuters.")
    author: str | None = Field(None, max_length=500)
    published_at: str | None = Field(None, max_length=64, description="Publication date (ISO 8601).",
                                     examples=["2023-11-20T14:00:00+00:00"])
    url: str | None = Field(None, max_length=2000, description="Posting an article with the same URL again "
                            "replaces the earlier version; without a URL, articles are told apart by their text.")


class ArticleBatch(Request):
    articles: list[ArticleIn] = Field(min_length=1, max_length=MAX_ARTICLES_PER_REQUEST)


class UploadForm(BaseModel):
    file: list[bytes] = Field(min_length=1, description="One or more files (.txt .md .html .json .jsonl), each "
                              "named by its filename; posting the same filename again replaces its articles.",
                              json_schema_extra={"items": {"type": "string", "format": "binary"}})


class ArticlePage(BaseModel):
    total: int = Field(description="Articles matching the filters (all pages).")
    limit: int
    offset: int
    articles: list[ArticleInfo]


class Deleted(BaseModel):
    deleted: str = Field(description="The id of the removed article.")


class SourceIn(Request):
    url: str = Field(min_length=1, max_length=2000, description="The http(s) URL of an RSS/Atom feed, a (news) "
                     "sitemap or an article page to follow.")
    poll: bool = Field(False, description="Poll it at once (the reply is then the index report of that poll).")


class Unfollowed(BaseModel):
    unfollowed: str = Field(description="The URL no longer followed.")
    removed: int = Field(0, description="Articles removed with it (with `delete_articles=true`).")


class Health(BaseModel):
    status: Literal["ok"]
