"""The shared data model: what every stage produces and every interface returns (pydantic models, serialised once).

An article's metadata is declared once (``ArticleMeta``) and extended wherever an article is described: the indexed
article (``ArticleInfo``), a retrieved *passage* given to the model (``Passage``), a *citation* of the answer
(``Citation``). The HTTP API and the OpenAI-compatible API use these models directly as response models.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer, field_validator

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson")  # files the loaders read


class ArticleMeta(BaseModel):
    """Who published what, when, where: the metadata of one article (unknown values are None)."""

    model_config = ConfigDict(frozen=True)

    title: str
    source: str | None = Field(None, description="The outlet, e.g. Reuters.")
    author: str | None = None
    published_at: datetime | None = Field(None, description="Publication time (ISO 8601).")
    url: str | None = None

    @field_validator("source", "author", "url", "published_at", mode="before")
    @classmethod
    def _unknown(cls, value: object) -> object:
        return None if value == "" else value  # '' and None both mean unknown

    @field_serializer("published_at")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    @property
    def published_iso(self) -> str:
        """Return the publication time as ISO text ('' when unknown)."""
        return self.published_at.isoformat() if self.published_at else ""

    def metadata_hash(self) -> str:
        """Return a short hash of the metadata, so a metadata-only edit is noticed without re-embedding."""
        blob = json.dumps({"title": self.title, "source": self.source or "", "author": self.author or "",
                           "published_at": self.published_iso, "url": self.url or ""}, sort_keys=True,
                          ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def meta(self) -> ArticleMeta:
        """Return just the metadata part (for the models that extend this one)."""
        return ArticleMeta(title=self.title, source=self.source, author=self.author, published_at=self.published_at,
                           url=self.url)


class Article(ArticleMeta):
    """One news article as a loader produces it: normalised body text plus its metadata.

    ``key`` identifies the article inside its source (a file path, or a URL/title/position inside a feed) so that an
    edited article replaces its earlier version instead of being added beside it.
    """

    body: str
    key: str


class ArticleInfo(ArticleMeta):
    """An indexed article, as the manifest knows it."""

    id: str
    chunks: int = Field(description="Stored sentences of the article.")
    chars: int
    indexed_at: str
    meta_hash: str = Field("", exclude=True)
    syndication_group: str | None = Field(None, description="The id of the first article of its story when other "
                                          "indexed articles are copies of the same (wire) story; else None.")
    also_published_by: list[str] = Field(default_factory=list, description="Outlets of the other indexed copies of "
                                         "the same story.")


class ArticleDetail(ArticleInfo):
    text: str = Field(description="The article text, rebuilt from its stored sentences.")


class Failure(BaseModel):
    """An input that could not be read: ``path`` names it (with ``:line`` or ``item n`` inside a feed)."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="The input that failed: a file name, `articles[i]`, or a line of a feed.")
    error: str

    def __init__(self, path: str, error: str) -> None:
        super().__init__(path=path, error=error)


class Notice(BaseModel):
    """An input that was indexed, but with something fixed or ignored worth a look."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="The input the warning is about.")
    warning: str

    def __init__(self, path: str, warning: str) -> None:
        super().__init__(path=path, warning=warning)


class SourceReport(BaseModel):
    """What one indexing run did with one feed, sitemap or web page (``url``)."""

    url: str
    kind: str = Field("", description="rss, atom, rdf, json_feed, sitemap, sitemap_index, html (a page), or '' when "
                      "it could not be read.")
    listed: int = Field(0, description="Article pages the feed or sitemap lists.")
    added: int = 0
    updated: int = 0
    unchanged: int = Field(0, description="Known articles: answered 304 Not Modified, or fetched with the same text "
                           "and metadata.")
    not_modified: int = Field(0, description="Requests answered 304 Not Modified (the listing and its pages).")
    near_duplicates: int = Field(0, description="Articles read here that are copies of a story already indexed "
                                 "(grouped with it).")
    failed: list[Failure] = Field(default_factory=list)
    requests: int = 0
    bytes_received: int = 0


class FollowedSource(BaseModel):
    """A feed, sitemap or site that ``assistant index`` (no path) and the server's poller poll."""

    url: str
    added_at: str
    last_poll: str | None = Field(None, description="When it was last polled (ISO 8601), None before the first poll.")
    last_new: int = Field(0, description="Articles added or updated by the last poll.")
    last_errors: list[str] = Field(default_factory=list, description="What failed in the last poll, one line each.")
    articles: int = Field(0, description="Indexed articles read from it.")


class IndexReport(BaseModel):
    """What one indexing run did. ``failed`` lists inputs that could not be read, each with the reason."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: int = 0
    chunks_embedded: int = 0
    embeddings_reused: int = Field(0, description="Of the chunks embedded, how many took their vector from the "
                                   "embedding cache (the same text embedded before) instead of the model.")
    chunks_deleted: int = 0
    repaired: int = 0
    failed: list[Failure] = Field(default_factory=list)
    warnings: list[Notice] = Field(default_factory=list, description="Indexed, but worth a look (e.g. a "
                                   "publication date in the future).")
    near_duplicates: int = Field(0, description="Articles added that are copies of a story already indexed (the "
                                 "same wire story under another outlet): grouped, counted as one source.")
    sources: list[SourceReport] = Field(default_factory=list, description="Per feed, sitemap or web page indexed "
                                        "by URL.")
    seconds: float = 0.0

    @field_serializer("seconds")
    def _rounded(self, value: float) -> float:
        return round(value, 3)

    @property
    def indexed_any(self) -> bool:
        return bool(self.added or self.updated or self.unchanged or self.duplicates)

    def merge(self, other: IndexReport) -> IndexReport:
        """Return one report summing this one and ``other``."""
        counts = {name: getattr(self, name) + getattr(other, name) for name in
                  ("added", "updated", "unchanged", "removed", "duplicates", "chunks_embedded", "embeddings_reused", "chunks_deleted",
                   "repaired", "near_duplicates")}
        return IndexReport(**counts, failed=[*self.failed, *other.failed], warnings=[*self.warnings, *other.warnings],
                           sources=[*self.sources, *other.sources], seconds=self.seconds + other.seconds)


def span_chunk_ids(span_id: str) -> list[str]:
    """Return the stored sentence ids of a span id ("<article>-0003..0005" -> ids 0003, 0004, 0005)."""
    head, sep, last = span_id.partition("..")
    if not sep:
        return [span_id]
    article, _, first = head.rpartition("-")
    return [f"{article}-{i:04d}" for i in range(int(first), int(last) + 1)]


class Passage(ArticleMeta):
    """A numbered excerpt of one article given to the model: ``text == article_body[start:end]``."""

    model_config = ConfigDict(frozen=True)

    n: int = Field(description="The number the model cites it by.")
    span_id: str = Field(description="Which stored sentences it spans: <article id>-<first>..<last>.")
    article_id: str
    text: str
    start: int = Field(description="Offset of the passage in the article text.")
    end: int
    score: float = 0.0
    also_published_by: tuple[str, ...] = Field((), description="Outlets of the other indexed copies of "
                                               "the same (wire) story: one source, not independent confirmation.")
    group: str = Field("", exclude=True, description="The syndication group (the article id when it has no copy).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chunk_id(self) -> str:
        """The span id under its earlier name (kept for clients of the first API)."""
        return self.span_id

    def citation(self, n: int, highlight: tuple[int, int] | None = None, link: str | None = None,
                 also_published_by: tuple[str, ...] | None = None) -> Citation:
        also = self.also_published_by if also_published_by is None else also_published_by
        return Citation(n=n, span_id=self.span_id, article_id=self.article_id, text=self.text, start=self.start,
                        end=self.end, highlight=highlight, link=link, title=self.title, source=self.source,
                        author=self.author, published_at=self.published_at, url=self.url,
                        also_published_by=tuple(also))


class Citation(ArticleMeta):
    """A source of the answer: which passage of which article, with the sentence that supports the claim."""

    model_config = ConfigDict(frozen=True)

    n: int = Field(description="The [n] marker in the answer.")
    span_id: str
    article_id: str
    text: str = Field(description="The cited passage, exactly as in the article.")
    start: int = Field(description="Offset of the passage in the article text.")
    end: int
    highlight: tuple[int, int] | None = Field(None, description="(start, end) of the supporting sentence in `text`.")
    link: str | None = Field(None, description="The article's URL with a text fragment (#:~:text=...) that opens the "
                             "publisher's page at the quoted sentence.")
    also_published_by: tuple[str, ...] = Field((), description="Outlets that published copies of the "
                                               "same (wire) story: one source, cited once.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chunk_id(self) -> str:
        """The span id under its earlier name (kept for clients of the first API)."""
        return self.span_id


REFUSAL = "The articles don't say. I found nothing in the indexed articles that answers this question."


class Answer(BaseModel):
    """The checked answer. ``refused`` means the articles do not support an answer; ``trimmed`` that unsupported
    sentences were removed from the model's draft; ``notes`` say why, in plain words."""

    model_config = ConfigDict(populate_by_name=True)

    text: str = Field(serialization_alias="answer", description="The checked answer, with [n] markers; the refusal "
                      "text when refused. It opens with the direct answer.")
    short_answer: str = Field("", description="The direct answer alone: Yes / No / a name / a number / a date, or "
                              "\"The articles don't say.\"")
    citations: list[Citation]
    refused: bool = Field(description="True when the articles do not support an answer.")
    question: str = ""
    standalone_question: str = Field("", description="The question as searched (follow-ups made standalone).")
    trimmed: bool = Field(False, description="True when unsupported sentences of the draft were removed.")
    notes: list[str] = Field(default_factory=list)
    backend: str = ""
    draft: str = Field("", exclude=True)

    def as_json(self) -> dict[str, Any]:
        """Return the answer as the API sends it (the answer text under ``answer``)."""
        return self.model_dump(mode="json", by_alias=True)


class Stats(BaseModel):
    """What the index holds and the models in use."""

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


@dataclass(frozen=True)
class Filters:
    """Restrictions applied in retrieval: outlets, and a publication-date range (after inclusive, before exclusive)."""

    sources: tuple[str, ...] = ()
    published_after: datetime | None = None
    published_before: datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.sources and self.published_after is None and self.published_before is None


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: ``rewrite`` (the standalone question), ``sources`` (the passages),
    ``progress`` (a step of a composed answer, as text), ``token`` (draft text), ``answer`` (the checked Answer)."""

    kind: Literal["rewrite", "sources", "progress", "token", "answer"]
    data: Any
