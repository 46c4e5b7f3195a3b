"""Sentences quoted after a model's refusal must hold most of the question's own terms, or words that say them
otherwise (answering/chain.py ``_focus_coverage``), with the real embedding model on the sample article's index."""

import pytest

from assistant.answering.chain import QUOTE_COVERAGE
from assistant.assistant import Assistant
from assistant.types import Answer, Passage


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


def test_a_name_or_number_of_the_question_is_never_said_otherwise(answerer) -> None:  # noqa: ANN001
    question = "Who scored the goal in Bayern's 1-0 win over Manchester United at Old Trafford?"
    other = "It was Galatasaray, who won at Old Trafford and scored six goals over 180 minutes against United."
    right = "Kingsley Coman scored the only goal as Bayern won 1-0 against Manchester United at Old Trafford."
    wrong_team, named = answerer._focus_coverage(question, other), answerer._focus_coverage(question, right)
    assert wrong_team < QUOTE_COVERAGE  # "Galatasaray" is no "Bayern", "six" no "1-0"
    assert named == 1.0


def _named(text: str, passage: str) -> Answer:
    cited = Passage(n=1, span_id="a-0001..0003", article_id="a", title="Rugby", text=passage, start=0,
                    end=len(passage), score=1.0)
    return Answer(text=f"{text} [1].", short_answer=text, citations=[cited.citation(1)], refused=False)


def test_a_bare_name_answers_only_when_a_cited_sentence_naming_it_is_about_the_question(answerer) -> None:  # noqa: ANN001
    question = "Which team beat the All Blacks in their first match of the 2023 Rugby World Cup?"
    listing = ("Where to watch England vs South Africa: live stream and TV channel. The semi-final kicks off at "
               "8pm on Saturday.")
    unfit = answerer._unfit_fragment(question, _named("England vs South Africa", listing))
    assert unfit and "England vs South Africa" in unfit
    result = ("France beat the All Blacks 27-13 in the first match of the 2023 Rugby World Cup in Paris. New "
              "Zealand had never lost a pool match before.")
    assert answerer._unfit_fragment(question, _named("France", result)) is None
    # A sentence is not needed to name it: the claim check tests those.
    assert answerer._unfit_fragment(question, _named("England played South Africa in Paris", listing)) is None
