"""Answers composed in code: the verdict from the narrow steps, dates compared in code, names found in full. The
narrow steps are a fake judge here (the real model is tested in test_answers_llm.py); LangChain's
GenericFakeChatModel stands in for a remote model's one-word replies."""

from datetime import datetime, timezone

from types import SimpleNamespace

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answering.judge import Judge
from assistant.answering.plans import Evidence, Planner
from assistant.answering.questions import Claim, analyse
from assistant.types import Passage
from tests.fakes import FakeEmbedder

pytestmark = pytest.mark.unit


def passage(n: int, text: str, source: str, day: int) -> Passage:
    return Passage(n=n, span_id=f"a{n}-0000..0000", article_id=f"a{n}", title=f"Story {n}", source=source, text=text,
                   start=0, end=len(text), published_at=datetime(2023, 10, day, tzinfo=timezone.utc))


class FakeJudge:
    """Scores a claim by whether the passage holds a keyword the test names."""

    def __init__(self, stated: dict[str, str], agree: float = 0.9) -> None:
        self.stated, self.agreement, self.calls = stated, agree, []

    def supports(self, claim: str, text: str, source: str = "") -> float:
        self.calls.append(claim)
        return 0.95 if any(k in claim.lower() and v in text for k, v in self.stated.items()) else 0.05

    def agree(self, topic: str, first: str, second: str, *args: str) -> float:
        return self.agreement

    def best(self, statement: str, sentences: list[str]) -> int:
        return 0


A = passage(1, "Prosecutors said Bankman-Fried committed fraud for personal gain.", "TechCrunch", 2)
B = passage(2, "The jury will decide whether Sam Bankman-Fried told the truth.", "Fortune", 5)
C = passage(3, "Caroline Ellison testified that Sam Bankman-Fried directed her to commit crimes.", "The Verge", 7)


def planner(judge: FakeJudge) -> Planner:
    return Planner(retriever=None, judge=judge, passage_tokens=50)  # type: ignore[arg-type]


def run(steps) -> object:  # noqa: ANN001
    items = list(steps)
    return items[-1], [s for s in items if isinstance(s, str)]


def test_yes_when_every_claim_is_stated_with_quotes_cited() -> None:
    judge = FakeJudge({"personal gain": "personal gain", "jury": "jury"})
    plan = analyse("Does the TechCrunch article suggest that Bankman-Fried committed fraud for personal gain, while the "
                   "Fortune article says the jury will decide the case?", ["TechCrunch", "Fortune"], 2023)
    found = [Evidence(plan.claims[0], [A]), Evidence(plan.claims[1], [B])]
    composed, steps = run(planner(judge).yes_no(plan, found))
    assert composed.short == "Yes" and composed.text.startswith("Yes. TechCrunch, 2023-10-02: “Prosecutors said")
    assert "[1]" in composed.text and "[2]" in composed.text and composed.passages == [A, B]
    assert len(steps) == 2 and steps[0].startswith("checking claim 1 of 2")


def test_no_when_one_claim_is_not_stated() -> None:
    judge = FakeJudge({"personal gain": "personal gain"})
    plan = analyse("Does the TechCrunch article suggest that Bankman-Fried committed fraud for personal gain, while the "
                   "Fortune article says the jury acquitted him?", ["TechCrunch", "Fortune"], 2023)
    composed, _ = run(planner(judge).yes_no(plan, [Evidence(plan.claims[0], [A]), Evidence(plan.claims[1], [B])]))
    assert composed.short == "No" and composed.text.startswith("No.")
    assert any("not stated" in n for n in composed.notes)


def test_a_claim_no_passage_states_is_shown_with_the_passage_closest_to_it() -> None:
    class Closest(FakeJudge):
        def supports(self, claim: str, text: str, source: str = "") -> float:
            return 0.2 if "weather" in text else 0.05  # the least unlikely passage is an unrelated one

        def best(self, statement: str, sentences: list[str]) -> int:
            return next(i for i, s in enumerate(sentences) if "jury" in s)

    plan = analyse("Does the Fortune article say the jury acquitted Bankman-Fried?", ["Fortune"], 2023)
    weather = passage(4, "The weather in New York was cold on the day of the verdict.", "Fortune", 5)
    composed, _ = run(planner(Closest({})).yes_no(plan, [Evidence(plan.claims[0], [weather, B])]))
    assert composed.short == "No"
    assert composed.passages == [B] and "jury will decide" in composed.text and "weather" not in composed.text


def test_a_negated_claim_flips_the_verdict() -> None:
    judge = FakeJudge({"jury": "jury"})
    negated = Claim("Mention the jury's role", ("Fortune",), (), negated=True)
    plan = analyse("Does the Fortune article fail to mention the jury's role?", ["Fortune"], 2023)
    composed, _ = run(planner(judge).yes_no(plan, [Evidence(negated, [B])]))
    assert composed.short == "No"  # it does mention it


def test_an_outlet_with_no_article_found_makes_it_no() -> None:
    plan = analyse("Does the TechCrunch article suggest fraud for personal gain, while the Fortune article says the "
                   "jury will decide?", ["TechCrunch", "Fortune"], 2023)
    judge = FakeJudge({"personal gain": "personal gain", "jury": "jury"})
    composed, _ = run(planner(judge).yes_no(plan, [Evidence(plan.claims[0], [A]), Evidence(plan.claims[1], [])]))
    assert composed.short == "No" and "No article from Fortune was found" in composed.text


def test_which_came_first_is_decided_by_the_dates_in_code() -> None:
    plan = analyse("Was the TechCrunch report on the fraud charges published before the Fortune report on the jury's "
                   "decision?", ["TechCrunch", "Fortune"], 2023)
    found = [Evidence(plan.claims[0], [A]), Evidence(plan.claims[1], [B])]
    composed = list(planner(FakeJudge({})).yes_no(plan, found))[-1]
    assert composed.short == "Yes" and "2023-10-02" in composed.text and "2023-10-05" in composed.text
    later = [Evidence(plan.claims[0], [B]), Evidence(plan.claims[1], [A])]
    assert list(planner(FakeJudge({})).yes_no(plan, later))[-1].short == "No"


@pytest.mark.parametrize("agreement,wording,short", [(0.9, "was there consistency in", "Yes"),
                                                     (0.9, "was there a change in", "No"),
                                                     (0.1, "was there a change in", "Yes")])
def test_agreement_questions(agreement: float, wording: str, short: str) -> None:
    plan = analyse(f"Between the TechCrunch report on the fraud charges published on October 2, 2023, and the Fortune "
                   f"report on the jury published on October 5, 2023, {wording} the portrayal of Bankman-Fried?",
                   ["TechCrunch", "Fortune"], 2023)
    found = [Evidence(plan.claims[0], [A]), Evidence(plan.claims[1], [B])]
    composed = list(planner(FakeJudge({}, agree=agreement)).yes_no(plan, found))[-1]
    assert composed.short == short


def test_the_name_most_parts_of_the_question_point_to_is_given_in_full() -> None:
    plan = analyse("Who is the individual accused of fraud, as reported by TechCrunch, The Verge and Fortune?",
                   ["TechCrunch", "Fortune", "The Verge"], 2023)
    found = [Evidence(Claim("accused of fraud", ("TechCrunch",)), [A]), Evidence(Claim("jury", ("Fortune",)), [B]),
             Evidence(Claim("testimony", ("The Verge",)), [C])]
    composed = list(planner(FakeJudge({})).entity(plan, found, []))[-1]
    assert composed.short == "Sam Bankman-Fried"  # "Bankman-Fried" in one passage, the full name in two
    assert composed.text.startswith("Sam Bankman-Fried.") and len(composed.passages) == 3


class FakeRetriever:
    """Returns fixed windows for any query (the articles the full name is looked up in)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts, self.queries = texts, []

    def retrieve(self, query: str, k: int = 10, filters: object = None) -> object:
        self.queries.append(query)
        return SimpleNamespace(windows=[SimpleNamespace(text=t) for t in self.texts])


def test_a_surname_the_passages_use_alone_is_a_person_given_in_full() -> None:
    plan = analyse("Who is the individual accused of fraud, as reported by TechCrunch and Fortune?",
                   ["TechCrunch", "Fortune"], 2023)
    a = passage(1, "Prosecutors say Bankman-Fried committed fraud, and his lawyers deny it.", "TechCrunch", 2)
    b = passage(2, "The jury heard that Bankman-Fried told FTX staff to hide losses.", "Fortune", 5)
    found = [Evidence(Claim("accused of fraud", ("TechCrunch",)), [a]), Evidence(Claim("jury", ("Fortune",)), [b])]
    retriever = FakeRetriever(["FTX founder Sam Bankman-Fried went on trial in October."])
    composed = list(Planner(retriever, FakeJudge({}), 50).entity(plan, found, []))[-1]  # type: ignore[arg-type]
    assert composed.short == "Sam Bankman-Fried" and retriever.queries == ["Bankman-Fried"]


def test_a_person_named_by_the_surname_alone_counts_in_every_passage_that_does() -> None:
    plan = analyse("Who is the individual accused of fraud, as reported by TechCrunch, The Verge and Fortune?",
                   ["TechCrunch", "Fortune", "The Verge"], 2023)
    a = passage(1, "Bankman-Fried hung out with Tom Brady. All of that was built on lies, prosecutor Thane Rehn said.",
                "The Verge", 2)
    b = passage(2, "Bankman-Fried stole billions, Rehn told the jury. Sam Bankman-Fried denies it.", "Fortune", 3)
    c = passage(3, "Bankman-Fried was compared to Warren Buffett before FTX collapsed.", "TechCrunch", 4)
    found = [Evidence(Claim("built on lies", ("The Verge",)), [a]), Evidence(Claim("stole", ("Fortune",)), [b]),
             Evidence(Claim("compared to Buffett", ("TechCrunch",)), [c])]
    composed = list(planner(FakeJudge({})).entity(plan, found, []))[-1]
    # "Rehn" and "Thane Rehn" are in two passages; "Bankman-Fried", at the start of its sentences, in all three.
    assert composed.short == "Sam Bankman-Fried", composed.notes
    assert composed.notes == ["named in the passages of 3 of 3 parts of the question"]


def test_a_surname_that_admits_or_denies_is_a_person() -> None:
    plan = analyse("Who is the individual accused of fraud, as reported by TechCrunch and Fortune?",
                   ["TechCrunch", "Fortune"], 2023)
    a = passage(1, "Investors said that Bankman-Fried admitted the losses to them.", "TechCrunch", 2)
    b = passage(2, "On the stand, Bankman-Fried denied any fraud.", "Fortune", 5)
    found = [Evidence(Claim("admitted", ("TechCrunch",)), [a]), Evidence(Claim("denied", ("Fortune",)), [b])]
    retriever = FakeRetriever(["FTX founder Sam Bankman-Fried went on trial in October."])
    composed = list(Planner(retriever, FakeJudge({}), 50).entity(plan, found, []))[-1]  # type: ignore[arg-type]
    assert composed.short == "Sam Bankman-Fried"


def test_a_remote_model_answers_in_words() -> None:
    model = GenericFakeChatModel(messages=iter([AIMessage("Yes."), AIMessage("no"), AIMessage("Maybe")]))
    judge = Judge(model, FakeEmbedder())
    assert judge.supports("a claim", "a passage") == 1.0
    assert judge.agree("topic", "one", "two") == 0.0
    assert judge.supports("a claim", "a passage") == 0.5


def test_whether_a_reply_gives_what_the_question_asks_for() -> None:
    model = GenericFakeChatModel(messages=iter([AIMessage("No."), AIMessage("yes")]))
    judge = Judge(model, FakeEmbedder())
    assert judge.answers("Who is the superintendent?", "The order tells police to wear uniforms.") == 0.0
    assert judge.answers("Who signed the order?", "Mayor Brandon Johnson signed it.") == 1.0
    assert Judge(None, FakeEmbedder()).answers("Who?", "Anything.") == 1.0  # no model: the code checks alone


def test_what_company_and_what_is_the_name_of_are_name_questions() -> None:
    company = analyse("What company, featured in articles from both The Verge and TechCrunch, ranks local search?",
                      ["The Verge", "TechCrunch"], 2023)
    assert (company.shape, company.asks) == ("entity", "organization")
    named = analyse("What is the name of the AI developed by OpenAI, as reported by Engadget?", ["Engadget"], 2023)
    assert (named.shape, named.asks) == ("entity", "thing")
    assert analyse("What did the order say, according to Engadget?", ["Engadget"], 2023).shape == "other"


def test_no_country_law_outlet_or_person_is_given_for_a_company_or_a_thing() -> None:
    plan = analyse("What company is responsible for ranking search results, as reported by The Verge and Fortune?",
                   ["The Verge", "Fortune"], 2023)
    a = passage(1, "The case in the U.S. invokes the Sherman Act against Google, Fortune reported.", "The Verge", 2)
    b = passage(2, "Google ranks local search results, and the U.S. says it broke the Sherman Act.", "The Verge", 3)
    found = [Evidence(Claim("ranking search results", ("The Verge",)), [a]), Evidence(Claim("ranks", ("Fortune",)),
                                                                                      [b])]
    composed = list(Planner(None, FakeJudge({}), 50, outlets=["Fortune", "The Verge"])  # type: ignore[arg-type]
                    .entity(plan, found, []))[-1]
    assert composed.short == "Google"
    thing = analyse("What is the name of the chatbot developed by OpenAI, as reported by Engadget and TechCrunch?",
                    ["Engadget", "TechCrunch"], 2023)
    c = passage(3, "OpenAI CEO Sam Altman said ChatGPT has 100 million weekly users.", "Engadget", 4)
    d = passage(4, "ChatGPT turned one this week. Sam Altman said he was proud of it.", "TechCrunch", 5)
    found = [Evidence(Claim("chatbot", ("Engadget",)), [c]), Evidence(Claim("chatbot", ("TechCrunch",)), [d])]
    composed = list(planner(FakeJudge({})).entity(thing, found, []))[-1]
    assert composed.short == "ChatGPT"  # "Sam Altman" (after the title "CEO") is a person, not a thing
