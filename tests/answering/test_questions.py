"""Question analysis: shapes, claims per outlet, relations, options, what an entity question asks for."""

import pytest

from assistant.answering.questions import analyse

pytestmark = pytest.mark.unit

OUTLETS = ["TechCrunch", "The Verge", "Fortune", "Sporting News", "The Age", "The Independent - Life and Style"]


def test_comparison_gives_one_claim_per_outlet() -> None:
    plan = analyse("Does the TechCrunch article suggest that Sam Bankman-Fried's motivation was personal gain, while "
                   "the Fortune article focuses on the jury's role in the trial?", OUTLETS, 2023)
    assert plan.shape == "yesno" and plan.relation == "claims"
    assert [c.outlets for c in plan.claims] == [("TechCrunch",), ("Fortune",)]
    assert plan.claims[0].text == "Sam Bankman-Fried's motivation was personal gain"
    assert plan.claims[1].text.startswith("Jury's role in the trial")


def test_a_negated_claim_is_marked() -> None:
    plan = analyse("Does the Fortune article fail to mention the jury's role in the trial?", OUTLETS, 2023)
    (claim,) = plan.claims
    assert claim.negated and claim.text == "Mention the jury's role in the trial"


def test_consistency_between_dated_reports_is_a_relation_with_a_topic() -> None:
    plan = analyse("Between the TechCrunch report on Epic Games' antitrust battle with Google published on November 6, "
                   "2023, and the TechCrunch report on a class action suit against Google published on December 15, "
                   "2023, was there consistency in the portrayal of Google's anticompetitive practices?", OUTLETS, 2023)
    assert plan.relation == "same" and plan.expects_same
    assert [c.dates[0].first.isoformat() for c in plan.claims] == ["2023-11-06", "2023-12-15"]
    assert plan.claims[0].text == "Epic Games' antitrust battle with Google"
    assert plan.topic == "the portrayal of Google's anticompetitive practices"


@pytest.mark.parametrize("wording,same", [("was there a change in", False), ("was there no change in", True),
                                          ("was there inconsistency in", False), ("did they agree on", True)])
def test_what_yes_means_follows_the_wording(wording: str, same: bool) -> None:
    plan = analyse(f"After the TechCrunch report on October 2, 2023, and the Fortune report on October 7, 2023, "
                   f"{wording} the portrayal of FTX?", OUTLETS, 2023)
    assert plan.relation in ("same", "different") and plan.expects_same is same


def test_a_choice_keeps_its_options() -> None:
    plan = analyse("After The Age reported on October 22, 2023, that Google manipulates Search, did TechCrunch's "
                   "report on December 15, 2023, show agreement or disagreement?", OUTLETS, 2023)
    assert plan.shape == "choice" and plan.options == ("agreement", "disagreement")


def test_which_report_came_first_is_an_order_question() -> None:
    plan = analyse("Was the Fortune report on the jury verdict in the fraud trial published before the TechCrunch "
                   "report on the sentencing of the founder?",
                   OUTLETS, 2023)
    assert plan.relation == "order" and plan.order == "before" and len(plan.claims) == 2


@pytest.mark.parametrize("question,asks", [
    ("Who is the individual facing trial, as reported by TechCrunch?", "person"),
    ("Which company, discussed by The Verge, faces an antitrust suit?", "organization"),
    ("Which team did Sporting News report won the final?", "organization"),
    ("What did the mayor sign?", "thing"),
])
def test_entity_questions_say_what_they_ask_for(question: str, asks: str) -> None:
    plan = analyse(question, OUTLETS, 2023)
    assert plan.asks == asks and plan.shape in ("entity", "other")
