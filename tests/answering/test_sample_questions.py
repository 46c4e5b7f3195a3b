"""The kept-aside answerable and unanswerable questions over the bundled sample article, end to end (real store,
embedding model, and the extractive and local LLM backends)."""

import json
import re
from collections.abc import Iterator

import pytest

from assistant.types import Answer
from assistant.assistant import Assistant, Parts
from assistant.loading import load_source
from assistant.settings import Settings
from tests.conftest import DATA, SAMPLE

CASES = json.loads((DATA / "sample_questions.json").read_text())
BODY = load_source(SAMPLE).articles[0].body
BACKENDS = ["extractive", pytest.param("local", marks=[pytest.mark.slow, pytest.mark.llm])]


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embedder, local_backends) -> Iterator[Assistant]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("sample") / "index", seed_sample=True)
    assistant = Assistant(settings, Parts(embedder=embedder, backends=local_backends))
    assert assistant.seed_if_empty()
    yield assistant
    assistant.close()


def _check_citations(answer: Answer) -> None:
    for c in answer.citations:
        assert BODY[c.start:c.end] == c.text, "a citation's offsets must point at its text in the article"
        assert c.source == "Reuters" and c.author == "Susan Heavey"
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert numbers and set(numbers) == {c.n for c in answer.citations}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES["answerable"], ids=lambda c: c["q"][:40])
def test_answerable(sample_index: Assistant, backend: str, case: dict) -> None:
    answer = sample_index.ask(case["q"], backend=backend)
    assert not answer.refused, (answer.notes, answer.draft)
    assert any(word.lower() in answer.text.lower() for word in case["any"]), answer.text
    _check_citations(answer)
    assert any(case["support"].lower() in c.text.lower() for c in answer.citations), answer.citations


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("question", CASES["unanswerable"], ids=lambda q: q[:40])
def test_unanswerable(sample_index: Assistant, backend: str, question: str) -> None:
    answer = sample_index.ask(question, backend=backend)
    assert answer.refused, (answer.text, answer.draft)
    assert answer.citations == []
    assert not re.search(r"\d", answer.text)
