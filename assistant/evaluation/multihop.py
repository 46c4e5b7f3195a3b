"""The MultiHop-RAG dataset: corpus, queries and this project's splits (heldout = query number divisible by 4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import AssistantError

Split = Literal["dev", "heldout", "all"]
SPLITS: tuple[str, ...] = ("dev", "heldout", "all")
NULL_ANSWER = "Insufficient information."


class DatasetError(AssistantError):
    """The dataset folder is missing a file or holds something else."""


@dataclass(frozen=True)
class Query:
    number: int  # position in MultiHopRAG.json, from 0
    text: str
    answer: str
    type: str
    facts: tuple[str, ...]
    evidence_urls: tuple[str, ...] = ()

    @property
    def is_null(self) -> bool:
        return not self.facts


@dataclass(frozen=True)
class Dataset:
    folder: Path
    corpus: Path
    queries: tuple[Query, ...]

    @property
    def name(self) -> str:
        return self.folder.name

    def split(self, split: Split) -> list[Query]:
        """Return the queries of ``split``: heldout = numbers divisible by 4, dev = the others, all = every one."""
        if split not in SPLITS:
            raise DatasetError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        if split == "all":
            return list(self.queries)
        held = split == "heldout"
        return [q for q in self.queries if (q.number % 4 == 0) == held]


def load_dataset(folder: Path) -> Dataset:
    """Return the dataset in ``folder`` (corpus.json + MultiHopRAG.json). Raises DatasetError naming the problem."""
    corpus, queries_file = folder / "corpus.json", folder / "MultiHopRAG.json"
    for path in (corpus, queries_file):
        if not path.is_file():
            raise DatasetError(f"{path} does not exist (a MultiHop-RAG folder holds corpus.json and MultiHopRAG.json)")
    try:
        raw = json.loads(queries_file.read_text(encoding="utf-8"))
        queries = tuple(
            Query(i, q["query"], q["answer"], q["question_type"], tuple(e["fact"] for e in q["evidence_list"]),
                  tuple(e.get("url", "") for e in q["evidence_list"]))
            for i, q in enumerate(raw)
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{queries_file} is not a MultiHop-RAG query file: {exc}") from exc
    return Dataset(folder, corpus, queries)
