"""Example questions for the empty chat, made from the indexed articles and checked to be answerable.

Candidates come from each article's first sentences ("..., Mayor Brandon Johnson said" -> "What did Mayor Brandon
Johnson say?") and its title ("... Amazon's Cyber Monday sale" -> "What does Mashable report about Amazon's Cyber
Monday?"). Each candidate is asked with the extractive backend (fast, no LLM) and kept only when it is answered.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

from .text.sentences import sentence_spans
from .text.terms import STOPWORDS
from .types import ArticleInfo

if TYPE_CHECKING:
    from .assistant import Assistant

log = logging.getLogger(__name__)

_NAME = r"[A-Z][\w'’.\-]+(?:\s+(?:[A-Z][\w'’.\-]+|of|de|van|von))*"
_SPEAKER = re.compile(rf"(?:,|\bas)\s+({_NAME})\s+(?:said|says|told|announced|wrote)\b")
_SPEAKER_FIRST = re.compile(rf"^({_NAME})\s+(?:said|says|announced|told)\b")
_ENTITY = re.compile(r"(?<!^)(?<![.:?!]\s)\b[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)*")
_SKIP = {"The", "A", "An", "This", "That", "He", "She", "It", "They", "We", "I", "But", "And", "In", "On", "Mr", "Ms",
         "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
         "April", "May", "June", "July", "August", "September", "October", "November", "December", "Table"}


def _clean(entity: str) -> str:
    return re.sub(r"['’]s$", "", entity.strip(" .,'’-"))


def _speaker_questions(body: str) -> list[str]:
    out = []
    for start, end in sentence_spans(body[:1500])[:3]:
        sentence = body[start:end]
        for match in (*_SPEAKER.finditer(sentence), *_SPEAKER_FIRST.finditer(sentence)):
            name = _clean(match.group(1))
            if name.split()[0] not in _SKIP and len(name) > 3:
                out.append(f"What did {name} say?")
    return out


def _entities(text: str) -> list[str]:
    """Return proper-noun phrases of ``text`` (not sentence-initial words), longest first."""
    found = []
    for start, end in sentence_spans(text) or [(0, len(text))]:
        for raw in _ENTITY.findall(text[start:end]):
            entity = _clean(raw)
            words = entity.split()
            if len(entity) > 3 and words and words[0] not in _SKIP and entity.lower() not in STOPWORDS \
                    and len(words) <= 4:
                found.append(entity)
    return sorted(dict.fromkeys(found), key=lambda e: (-len(e.split()), -len(e)))


def _title_case(title: str) -> bool:
    words = [w for w in title.split() if w[:1].isalpha() and len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _topic_questions(row: ArticleInfo, body: str) -> list[str]:
    title = row.title.rstrip("…. ")
    text = body[:600] if _title_case(title) else title
    outlet = row.source if row.source and len(row.source.split()) <= 3 and "|" not in row.source else ""
    ask = f"What does {outlet} report about" if outlet else "What do the articles say about"
    return [f"{ask} {e}?" for e in _entities(text) if e != outlet][:2]


def candidate_questions(row: ArticleInfo, body: str) -> list[str]:
    """Return example question candidates for one article, best first."""
    return list(dict.fromkeys([*_speaker_questions(body), *_topic_questions(row, body)]))


class ExampleQuestions:
    """Caches a few answerable example questions; recomputed when the set of articles changes."""

    def __init__(self, assistant: Assistant, count: int = 4, scan: int = 8) -> None:
        self.assistant = assistant
        self.count = count
        self.scan = scan
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._questions: list[str] = []

    def _state_key(self) -> tuple:
        total, rows = self.assistant.articles(limit=self.scan)
        return total, tuple(r.id for r in rows)

    def get(self) -> list[str]:
        """Return up to ``count`` answerable questions (one per article, newest articles first)."""
        with self._lock:
            key = self._state_key()
            if key != self._key:
                self._questions = self._compute()
                self._key = key
            return list(self._questions)

    def warm_up(self) -> None:
        """Compute the examples in a background thread (the first page load then finds them ready)."""
        threading.Thread(target=self._safe_get, name="example-questions", daemon=True).start()

    def _safe_get(self) -> None:
        try:
            self.get()
        except Exception:  # noqa: BLE001 - examples are a convenience; a failure must not stop the server
            log.exception("could not prepare example questions")

    def _compute(self) -> list[str]:
        _, rows = self.assistant.articles(limit=self.scan)
        chosen: list[str] = []
        for row in rows:
            body = self._body(row)
            for question in candidate_questions(row, body)[:3]:
                try:
                    answer = self.assistant.ask(question, backend="extractive")
                except Exception:  # noqa: BLE001 - skip a candidate that cannot be asked
                    continue
                if not answer.refused and answer.citations:
                    chosen.append(question)
                    break
            if len(chosen) == self.count:
                break
        return chosen

    def _body(self, row: ArticleInfo) -> str:
        """Return the start of an article's text (its first stored passages)."""
        return self.assistant.article_text(row.id, max_sentences=2) or ""
