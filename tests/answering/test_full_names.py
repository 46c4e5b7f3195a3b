"""A person asked for by a who-question is given in full, as the passages name them (answering/chain.py,
answering/plans.py ``full_name``)."""

import pytest

from assistant.answering.chain import Turn, _name_in_full
from assistant.answering.plans import full_name
from assistant.types import Answer, Filters, Passage

pytestmark = pytest.mark.unit

TEXT = ("Caroline Ellison, the former CEO of Alameda Research, testified on Tuesday. Ellison said she lied to "
        "lenders. Prosecutor Danielle Sassoon asked Ellison about the balance sheets.")


def _turn(question: str, text: str = TEXT) -> Turn:
    turn = Turn(question, [], Filters(), "local")
    turn.standalone = question
    turn.passages = [Passage(n=1, span_id="a-0001..0003", article_id="a", title="Trial", text=text, start=0,
                             end=len(text), score=1.0)]
    return turn


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
    _name_in_full(answer, _turn("Who was the CEO of Alameda Research?"))
    assert (answer.text, answer.short_answer) == ("Caroline Ellison [1].", "Caroline Ellison")


def test_a_surname_as_the_subject_of_the_answer_is_given_in_full() -> None:
    answer = _answer("Ellison was the CEO of Alameda Research [1].", "Ellison was the CEO of Alameda Research")
    _name_in_full(answer, _turn("Who was the CEO of Alameda Research?"))
    assert answer.text == "Caroline Ellison was the CEO of Alameda Research [1]."
    assert answer.short_answer == "Caroline Ellison was the CEO of Alameda Research"
    named = _answer("Alameda Research was run by Ellison [1].", "Alameda Research was run by Ellison")
    _name_in_full(named, _turn("Who ran Alameda Research?"))  # not a lone surname first: unchanged
    assert named.text == "Alameda Research was run by Ellison [1]."


def test_only_who_questions_and_one_word_names_are_changed() -> None:
    what = _answer("Ellison [1].", "Ellison")
    _name_in_full(what, _turn("What did the witness say?"))
    assert what.text == "Ellison [1]."
    full = _answer("Caroline Ellison [1].", "Caroline Ellison")
    _name_in_full(full, _turn("Who was the CEO of Alameda Research?"))
    assert full.text == "Caroline Ellison [1]."
    unknown = _answer("Wang [1].", "Wang")
    _name_in_full(unknown, _turn("Who co-founded FTX?"))
    assert (unknown.text, unknown.short_answer) == ("Wang [1].", "Wang")
