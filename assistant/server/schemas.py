"""Request and response models of the HTTP API (/api/*): they are its OpenAPI schema at /openapi.json.

Requests forbid unknown fields, so a misspelt field is an error that names it rather than being ignored; an article
object is the exception (feeds carry extra fields such as `category`): its unknown fields are ignored and named in the
index report's `warnings`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..api import MAX_QUESTION_CHARS
from ..settings import Backend

MAX_HISTORY_TURNS = 50
MAX_TURN_CHARS = 20_000
MAX_ARTICLE_CHARS = 2_000_000
MAX_ARTICLES_PER_REQUEST = 1_000
MAX_UPLOAD_BYTES = 100 * 2**20


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


class CitationOut(BaseModel):
    n: int = Field(description="The [n] marker in the answer.")
    title: str
    source: str | None = Field(description="The outlet.")
    author: str | None
    published_at: str | None
    url: str | None
    text: str = Field(description="The cited passage, exactly as in the article.")
    start: int = Field(description="Offset of the passage in the article text.")
    end: int
    article_id: str
    chunk_id: str
    highlight: list[int] | None = Field(description="(start, end) of the supporting sentence inside `text`.")


class AskResponse(BaseModel):
    answer: str = Field(description="The checked answer, with [n] markers; the refusal text when refused.")
    refused: bool = Field(description="True when the articles do not support an answer.")
    citations: list[CitationOut]
    trimmed: bool = Field(description="True when unsupported sentences of the draft were removed.")
    notes: list[str]
    question: str
    standalone_question: str = Field(description="The question as searched (follow-ups made standalone).")
    backend: str


class PassageOut(BaseModel):
    n: int
    chunk_id: str
    article_id: str
    title: str
    source: str
    author: str
    published_at: str
    url: str
    text: str
    start: int
    end: int
    score: float


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


class FailedInput(BaseModel):
    path: str = Field(description="The input that failed: a file name, `articles[i]`, or a line of a feed.")
    error: str


class InputWarning(BaseModel):
    path: str = Field(description="The input the warning is about.")
    warning: str


class IndexReportOut(BaseModel):
    added: int
    updated: int
    unchanged: int
    removed: int
    duplicates: int
    chunks_embedded: int
    chunks_deleted: int
    repaired: int
    failed: list[FailedInput]
    warnings: list[InputWarning] = Field(default_factory=list, description="Indexed, but worth a look (e.g. a "
                                         "publication date in the future).")
    seconds: float


class ArticleOut(BaseModel):
    id: str
    title: str
    source: str | None
    author: str | None
    published_at: str | None
    url: str | None
    chunks: int
    chars: int
    indexed_at: str


class ArticleDetail(ArticleOut):
    text: str = Field(description="The article text, rebuilt from its stored chunks.")


class ArticlePage(BaseModel):
    total: int = Field(description="Articles matching the filters (all pages).")
    limit: int
    offset: int
    articles: list[ArticleOut]


class Deleted(BaseModel):
    deleted: str = Field(description="The id of the removed article.")


class Stats(BaseModel):
    articles: int
    chunks: int
    stored_chunks: int
    sources: int
    outlets: int
    index_dir: str
    chroma: str
    collection: str
    embedding_model: str
    embedding_dimension: int | None
    pipeline_version: str
    backend: str
    backend_description: str


class Health(BaseModel):
    status: Literal["ok"]
