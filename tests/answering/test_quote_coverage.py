"""Sentences quoted after a model's refusal must hold most of the question's own terms, or words that say them
otherwise (answering/chain.py ``_focus_coverage``), with the real embedding model on the sample article's index."""

import pytest

from assistant.answering.chain import QUOTE_COVERAGE
from assistant.assistant import Assistant


@pytest.fixture
def answerer(sample_assistant: Assistant):  # noqa: ANN201
    return sample_assistant.components.answerer


def test_a_word_said_otherwise_counts_as_held(answerer) -> None:  # noqa: ANN001
    police = "It also directs city police to wear their official police uniforms and to identify themselves."
    assert answerer._focus_coverage("What must officers not wear?", police) == 1.0  # "police" for "officers"
    took = "That differs from Washington, a federal city whose police department Trump took over."
    assert answerer._focus_coverage("Whose police department did Trump take over?", took) == 1.0  # "took"


def test_related_sentences_that_miss_what_is_asked_do_not_count(answerer) -> None:  # noqa: ANN001
    fired = "Johnson signed the executive order on Saturday, and the police union objected to it."
    got = answerer._focus_coverage("Which company bought the executive order Johnson signed?", fired)
    assert got < QUOTE_COVERAGE  # nothing in it says "bought" or "company"
    assert answerer._focus_coverage("Who signed the executive order?", fired) == 1.0
