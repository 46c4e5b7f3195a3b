"""A person asked for by a who-question is named, in full, as the passages name them (answering/names.py,
answering/plans.py ``full_name``)."""

import pytest

from assistant.answering.grounding import check_answer
from assistant.answering.names import name_in_full, name_the_role
from assistant.answering.plans import full_name
from assistant.types import Answer, Passage

pytestmark = pytest.mark.unit

TEXT = ("Caroline Ellison, the former CEO of Alameda Research, testified on Tuesday. Ellison said she lied to "
        "lenders. Prosecutor Danielle Sassoon asked Ellison about the balance sheets.")


def _passages(text: str = TEXT) -> list[Passage]:
    return [Passage(n=1, span_id="a-0001..0003", article_id="a", title="Trial", text=text, start=0, end=len(text),
                    score=1.0)]


def _answer(text: str, short: str) -> Answer:
    return Answer(text=text, short_answer=short, citations=[], refused=False)


def test_full_name_takes_the_first_name_the_texts_put_before_the_surname() -> None:
    assert full_name("Ellison", [TEXT]) == "Caroline Ellison"
    assert full_name("Sassoon", [TEXT]) == "Danielle Sassoon"  # "Prosecutor" is a title, not a first name
    assert full_name("Wang", [TEXT]) == "Wang"  # not in the texts: unchanged
    assert full_name("Ellison", ["Larry Ellison sold shares.", "Caroline Ellison testified. Caroline Ellison "
                                 "said so."]) == "Caroline Ellison"  # the most frequent


def test_a_surname_answer_to_a_who_question_is_given_in_full() -> None:
    answer = _answer("Ellison [1].", "Ellison")
    name_in_full(answer, "Who was the CEO of Alameda Research?", _passages())
    assert (answer.text, answer.short_answer) == ("Caroline Ellison [1].", "Caroline Ellison")


def test_a_surname_as_the_subject_of_the_answer_is_given_in_full() -> None:
    answer = _answer("Ellison was the CEO of Alameda Research [1].", "Ellison was the CEO of Alameda Research")
    name_in_full(answer, "Who was the CEO of Alameda Research?", _passages())
    assert answer.text == "Caroline Ellison was the CEO of Alameda Research [1]."
    assert answer.short_answer == "Caroline Ellison was the CEO of Alameda Research"
    named = _answer("Alameda Research was run by Ellison [1].", "Alameda Research was run by Ellison")
    name_in_full(named, "Who ran Alameda Research?", _passages())  # not a lone surname first: unchanged
    assert named.text == "Alameda Research was run by Ellison [1]."


def test_only_who_questions_and_one_word_names_are_changed() -> None:
    what = _answer("Ellison [1].", "Ellison")
    name_in_full(what, "What did the witness say?", _passages())
    assert what.text == "Ellison [1]."
    full = _answer("Caroline Ellison [1].", "Caroline Ellison")
    name_in_full(full, "Who was the CEO of Alameda Research?", _passages())
    assert full.text == "Caroline Ellison [1]."
    unknown = _answer("Wang [1].", "Wang")
    name_in_full(unknown, "Who co-founded FTX?", _passages())
    assert (unknown.text, unknown.short_answer) == ("Wang [1].", "Wang")


CHICAGO = ("Chicago police will not collaborate with federal agents, Mayor Brandon Johnson said on Saturday. The "
           "Democratic mayor, surrounded by other city leaders, signed an executive order aimed at preparing Chicago. "
           "Illinois Governor J.B. Pritzker has said the president lacks the authority to deploy troops.")


def _checked(draft: str, question: str, text: str = CHICAGO) -> Answer:
    answer = check_answer(draft, _passages(text), question)
    assert not answer.refused, answer.notes
    answer.short_answer = answer.text.split(" [")[0]
    return answer


def test_a_who_answer_without_a_name_is_opened_with_the_name_the_passages_give_the_role() -> None:
    question = "Who is the Democratic mayor who signed the order?"
    answer = _checked("The Democratic mayor, surrounded by other city leaders, signed an executive order aimed at "
                      "preparing Chicago [1].", question)
    name_the_role(answer, question, _passages(CHICAGO))
    assert answer.short_answer == "Brandon Johnson"
    assert answer.text.startswith("Brandon Johnson. Chicago police will not collaborate with federal agents, Mayor "
                                  "Brandon Johnson said on Saturday [1]. The Democratic mayor")
    assert [c.n for c in answer.citations] == [1]  # the naming sentence is in the passage already cited


def test_the_role_after_a_name_counts_and_an_answer_that_names_someone_is_kept() -> None:
    text = ("Caroline Ellison, the former CEO of Alameda Research, testified on Tuesday. The chief executive said "
            "the fund borrowed from FTX.")
    question = "Who was the CEO of Alameda Research?"
    unnamed = _checked("The chief executive said the fund borrowed from FTX [1].", question, text)
    name_the_role(unnamed, question, _passages(text))
    assert unnamed.short_answer == "Caroline Ellison"
    named = _checked("Caroline Ellison testified on Tuesday [1].", question, text)
    name_the_role(named, question, _passages(text))
    assert named.short_answer == "Caroline Ellison testified on Tuesday"  # already named: unchanged


def test_no_name_is_given_when_the_passages_attach_the_role_to_no_one() -> None:
    question = "Who is the police superintendent who signed the order?"
    answer = _checked("The Democratic mayor, surrounded by other city leaders, signed an executive order aimed at "
                      "preparing Chicago [1].", question)
    before = answer.model_copy(deep=True)
    name_the_role(answer, question, _passages(CHICAGO))
    assert answer == before
    what = _checked("The Democratic mayor, surrounded by other city leaders, signed an executive order aimed at "
                    "preparing Chicago [1].", "What did the mayor sign?")
    name_the_role(what, "What did the mayor sign?", _passages(CHICAGO))
    assert not what.text.startswith("Brandon")


def test_a_naming_sentence_from_outside_the_cited_passages_is_cited_first() -> None:
    question = "Who is the Democratic mayor who signed the order?"
    lead, rest = CHICAGO.split(" The Democratic", 1)
    later = Passage(n=1, span_id="a-0001..0002", article_id="a", title="Trial", text="The Democratic" + rest,
                    start=len(lead) + 1, end=len(CHICAGO), score=1.0)
    answer = check_answer("The Democratic mayor, surrounded by other city leaders, signed an executive order aimed at "
                          "preparing Chicago [1].", [later], question)
    answer.short_answer = answer.text.split(" [")[0]
    before = Passage(n=2, span_id="a-0000..0000", article_id="a", title="Trial", text=lead, start=0, end=len(lead))
    name_the_role(answer, question, [later, before])
    assert answer.short_answer == "Brandon Johnson"
    assert answer.text.startswith("Brandon Johnson. Chicago police will not collaborate with federal agents, Mayor "
                                  "Brandon Johnson said on Saturday [1]. The Democratic mayor")
    assert answer.text.endswith("preparing Chicago [2].")
    assert [(c.n, c.span_id) for c in answer.citations] == [(1, "a-0000..0000"), (2, "a-0001..0002")]
