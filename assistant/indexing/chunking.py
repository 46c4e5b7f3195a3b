"""Article -> chunks of whole sentences, each with its character offsets and a content-addressed id."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..text.sentences import sentence_spans

# Bump when normalisation, sentence splitting or chunk packing change: every id changes with it.
CHUNKER_VERSION = "c2"

_WORD = re.compile(r"\S+")

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class ChunkingConfig:
    """How articles are cut. Part of the pipeline version, hence of every id.

    ``pack=False`` (the default) stores one sentence per chunk (a sentence longer than ``max_tokens`` is cut at
    spaces); retrieval then builds its units, windows of whole sentences, at query time. ``pack=True`` packs
    sentences into chunks of up to ``max_tokens`` with ``overlap_tokens`` of whole sentences repeated.
    """

    max_tokens: int = 120
    overlap_tokens: int = 0
    pack: bool = False

    @property
    def pipeline_version(self) -> str:
        mode = "p" if self.pack else "s"
        return f"{CHUNKER_VERSION}-{mode}-t{self.max_tokens}-o{self.overlap_tokens}"


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article: ``text == article_body[start:end]``."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    tokens: int = 0  # in the embedding model's tokenizer, without [CLS]/[SEP]
    sep: str = ""  # the whitespace between the previous chunk's end and this one's start


def article_id(body: str, pipeline_version: str) -> str:
    """Return the content-addressed id of an article: a hash of its normalised body and the pipeline version."""
    return hashlib.sha256(f"{pipeline_version}\n{body}".encode()).hexdigest()[:32]


def chunk_id(article: str, index: int) -> str:
    """Return the id of chunk ``index`` of article ``article`` (so an article's chunk ids follow from its id)."""
    return f"{article}-{index:04d}"


def words_token_counter(texts: Sequence[str]) -> list[int]:
    """A tokenizer-free estimate (used only when no tokenizer file is available): ~1.35 tokens a word."""
    return [int(len(t.split()) * 1.35) + 1 for t in texts]


class TokenizerCounter:
    """Counts tokens with the embedding model's own tokenizer (``tokenizer.json``), without loading the model."""

    def __init__(self, model_dir: Path) -> None:
        self._path = model_dir / "tokenizer.json"

    @cached_property
    def _tokenizer(self):  # noqa: ANN202 - tokenizers.Tokenizer
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._path))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def __call__(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        # Minus [CLS] and [SEP]: we count the text's own tokens.
        return [len(e.ids) - 2 for e in self._tokenizer.encode_batch(list(texts))]


def make_token_counter(model_dir: Path | None) -> TokenCounter:
    """Return a counter using ``model_dir``'s tokenizer, or the word-based estimate when it has none."""
    if model_dir is not None and (model_dir / "tokenizer.json").is_file():
        return TokenizerCounter(model_dir)
    return words_token_counter


class Chunker:
    """Packs whole sentences into chunks of at most ``max_tokens`` tokens (a longer sentence is cut at spaces)."""

    def __init__(self, config: ChunkingConfig, count_tokens: TokenCounter) -> None:
        self.config = config
        self.count_tokens = count_tokens

    def _pieces(self, body: str) -> list[tuple[int, int, int]]:
        """Return ``(start, end, tokens)`` units: sentences, with over-long ones cut at word boundaries."""
        spans = sentence_spans(body)
        counts = self.count_tokens([body[s:e] for s, e in spans])
        units: list[tuple[int, int, int]] = []
        limit = self.config.max_tokens
        for (start, end), count in zip(spans, counts):
            if count <= limit:
                units.append((start, end, count))
                continue
            words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(body[start:end])]
            word_counts = self.count_tokens([body[s:e] for s, e in words])
            piece_start, piece_end, tokens = words[0][0], words[0][0], 0
            for (ws, we), wc in zip(words, word_counts):
                if tokens and tokens + wc > limit:
                    units.append((piece_start, piece_end, tokens))
                    piece_start, tokens = ws, 0
                piece_end, tokens = we, tokens + wc
            units.append((piece_start, piece_end, tokens))
        return units

    def chunk(self, body: str, pipeline_article_id: str) -> list[Chunk]:
        """Return the chunks of ``body`` in order. Deterministic: the same body gives the same chunks and ids."""
        units = self._pieces(body)
        if not self.config.pack:
            return [Chunk(chunk_id(pipeline_article_id, i), pipeline_article_id, i, s, e, body[s:e], t,
                          body[units[i - 1][1]:s] if i else "")
                    for i, (s, e, t) in enumerate(units)]
        chunks: list[Chunk] = []
        i = 0
        while i < len(units):
            j, tokens = i, 0
            while j < len(units) and (j == i or tokens + units[j][2] <= self.config.max_tokens):
                tokens += units[j][2]
                j += 1
            start, end = units[i][0], units[j - 1][1]
            chunks.append(
                Chunk(chunk_id(pipeline_article_id, len(chunks)), pipeline_article_id, len(chunks), start, end,
                      body[start:end], tokens)
            )
            if j >= len(units):
                break
            # Overlap: start the next chunk with the trailing sentences that fit in overlap_tokens.
            back, kept = j, 0
            while back - 1 > i and kept + units[back - 1][2] <= self.config.overlap_tokens:
                back -= 1
                kept += units[back][2]
            i = back
        return chunks

