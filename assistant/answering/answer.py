"""What answering returns: passages shown to the model, citations, and the checked answer."""

from __future__ import annotations

from dataclasses import dataclass, field


def span_chunk_ids(span_id: str) -> list[str]:
    """Return the stored chunk ids of a passage or window id ("<article>-0003..0005" -> ids 0003, 0004, 0005)."""
    head, sep, last = span_id.partition("..")
    if not sep:
        return [span_id]
    article, _, first = head.rpartition("-")
    return [f"{article}-{i:04d}" for i in range(int(first), int(last) + 1)]


@dataclass(frozen=True)
class Passage:
    """A numbered excerpt of one article given to the model: ``text == article_body[start:end]``."""

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
    score: float = 0.0

    def citation(self, n: int, highlight: tuple[int, int] | None = None) -> Citation:
        return Citation(
            n=n, chunk_id=self.chunk_id, article_id=self.article_id, title=self.title, source=self.source or None,
            author=self.author or None, published_at=self.published_at or None, url=self.url or None, text=self.text,
            start=self.start, end=self.end, highlight=highlight,
        )


@dataclass(frozen=True)
class Citation:
    """A source of the answer: which passage of which article, with the sentence that supports the claim.

    ``highlight`` is the (start, end) of the supporting sentence inside ``text``.
    """

    n: int
    chunk_id: str
    article_id: str
    title: str
    source: str | None
    author: str | None
    published_at: str | None
    url: str | None
    text: str
    start: int
    end: int
    highlight: tuple[int, int] | None = None

    def as_dict(self) -> dict:
        return {
            "n": self.n, "title": self.title, "source": self.source, "author": self.author,
            "published_at": self.published_at, "url": self.url, "text": self.text, "start": self.start,
            "end": self.end, "article_id": self.article_id, "chunk_id": self.chunk_id,
            "highlight": list(self.highlight) if self.highlight else None,
        }


REFUSAL = "The articles don't say. I found nothing in the indexed articles that answers this question."


@dataclass
class Answer:
    """The checked answer. ``refused`` means the articles do not support an answer; ``trimmed`` that unsupported
    sentences were removed from the model's draft; ``notes`` say why, in plain words."""

    text: str
    citations: list[Citation]
    refused: bool
    question: str = ""
    standalone_question: str = ""
    trimmed: bool = False
    notes: list[str] = field(default_factory=list)
    draft: str = ""
    backend: str = ""

    def as_dict(self) -> dict:
        return {
            "answer": self.text, "refused": self.refused, "citations": [c.as_dict() for c in self.citations],
            "trimmed": self.trimmed, "notes": self.notes, "question": self.question,
            "standalone_question": self.standalone_question, "backend": self.backend,
        }
