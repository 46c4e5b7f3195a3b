"""The lexical index on disk: every stored sentence's terms in an SQLite FTS5 table inside the manifest database.

It is written in the manifest's own transaction (Manifest.commit), so it always holds exactly the sentences of the
articles the manifest names, whatever instant a run is killed at; retrieval reads term postings (which sentences
hold a term, how many times) from it instead of tokenising the whole corpus in every process.

Terms are the stemmed content words of ``text.terms``; each is stored hex-encoded, so that FTS5's tokenizer sees
one opaque token per term whatever characters the term holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

SCHEMA = """
CREATE TABLE IF NOT EXISTS sentences (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL, terms TEXT NOT NULL,
    length INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sentences_by_article ON sentences (article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS sentence_terms USING fts5(
    terms, content='sentences', content_rowid='row', tokenize='ascii');
"""
_VOCAB = ("CREATE VIRTUAL TABLE IF NOT EXISTS temp.sentence_postings USING fts5vocab(main, sentence_terms, 'instance');"
          "CREATE VIRTUAL TABLE IF NOT EXISTS temp.sentence_vocabulary USING fts5vocab(main, sentence_terms, 'row');")
_PARAMS = 500


def encode(term: str) -> str:
    """Return the token stored for ``term`` (its UTF-8 bytes in hex)."""
    return term.encode("utf-8").hex()


def create(db: sqlite3.Connection) -> None:
    """Create the tables (and this connection's postings view) when missing."""
    db.executescript(SCHEMA + _VOCAB)


def stored_articles(db: sqlite3.Connection) -> set[str]:
    """Return the ids of the articles whose sentences are in the lexical index."""
    return {r[0] for r in db.execute("SELECT DISTINCT article_id FROM sentences")}


def write(db: sqlite3.Connection, sentences: dict[str, Sequence[tuple[str, Sequence[str]]]],
          referenced: set[str]) -> None:
    """Inside the caller's transaction: drop the sentences of articles not in ``referenced``, then add
    ``sentences`` (``{article id: [(sentence id, its terms), ...]}`` in sentence order) for the articles not stored
    yet. An article's sentences get consecutive row numbers."""
    present = stored_articles(db)
    gone = sorted(present - referenced)
    for i in range(0, len(gone), _PARAMS):
        part = gone[i : i + _PARAMS]
        marks = ",".join("?" * len(part))
        db.execute("INSERT INTO sentence_terms (sentence_terms, rowid, terms) SELECT 'delete', row, terms FROM "
                   f"sentences WHERE article_id IN ({marks})", part)
        db.execute(f"DELETE FROM sentences WHERE article_id IN ({marks})", part)
    for aid in sorted(sentences):
        if aid in present or aid not in referenced:
            continue
        rows = [(sid, aid, " ".join(encode(t) for t in words), len(words)) for sid, words in sentences[aid]]
        db.executemany("INSERT INTO sentences (id, article_id, terms, length) VALUES (?, ?, ?, ?)", rows)
        first = db.execute("SELECT min(row), max(row) FROM sentences WHERE article_id = ?", (aid,)).fetchone()
        db.execute("INSERT INTO sentence_terms (rowid, terms) SELECT row, terms FROM sentences WHERE row BETWEEN ? "
                   "AND ?", first)


def rows(db: sqlite3.Connection) -> list[tuple[int, str, int]]:
    """Return ``(row, sentence id, number of terms)`` of every sentence in the lexical index."""
    return db.execute("SELECT row, id, length FROM sentences").fetchall()


def vocabulary(db: sqlite3.Connection) -> set[str]:
    """Return every term some stored sentence holds."""
    return {bytes.fromhex(r[0]).decode("utf-8") for r in db.execute("SELECT term FROM temp.sentence_vocabulary")}


def postings(db: sqlite3.Connection, terms: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """Return ``{term: [(row, count), ...]}``: the sentences holding each term and how many times (terms held by
    no sentence map to [])."""
    out: dict[str, list[tuple[int, int]]] = {}
    for term in dict.fromkeys(terms):
        out[term] = db.execute("SELECT doc, count(*) FROM temp.sentence_postings WHERE term = ? GROUP BY doc",
                               (encode(term),)).fetchall()
    return out
