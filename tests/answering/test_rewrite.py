"""Unit tests of follow-up rewriting (assistant/answering/rewrite.py); the LLM is LangChain's GenericFakeChatModel."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage

from assistant.answering.rewrite import llm_rewrite, needs_context, normalise_history, rule_rewrite

pytestmark = pytest.mark.unit

REWRITE_TEMPLATE = (Path(__file__).resolve().parents[2] / "prompts" / "rewrite.txt").read_text(encoding="utf-8")
HISTORY = [
    {"role": "user", "content": "What did the executive order tell Chicago police to wear?"},
    {"role": "assistant", "content": "To wear their official police uniforms [1]."},
]
FOLLOW_UP = "And what did the governor say?"
RULE = "And what did the governor say? (Chicago)"


class RecordingChatModel(GenericFakeChatModel):
    """GenericFakeChatModel that also keeps the messages it was sent."""

    seen: list = []  # noqa: RUF012 - a pydantic field (each instance gets its own copy)

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        self.seen.append(messages)
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def _model(*replies: str) -> RecordingChatModel:
    return RecordingChatModel(messages=iter([AIMessage(content=r) for r in replies]), seen=[])


# ---------------------------------------------------------------- needs_context


@pytest.mark.parametrize("question", [
    "What did he say?",
    "Where did it happen?",
    "Why did they resign?",
    "What happened there",
    "Did those numbers change?",
    "What did the governor say about the ruling?",
    "And the budget of the school district?",
    "what about Reuters coverage of the strike in Chicago?",
    "How about the coverage of the strike in Chicago?",
    "Tell me more",
    "Why?",
])
def test_needs_context(question: str) -> None:
    assert needs_context(question) is True


@pytest.mark.parametrize("question", [
    "What did the executive order tell Chicago police to wear?",
    "Who won the 2023 World Series?",
    "Which outlet reported the OpenAI board decision first?",
    "Android phones sold well",  # three content words, no pronoun
])
def test_standalone_questions_need_no_context(question: str) -> None:
    assert needs_context(question) is False


# ---------------------------------------------------------------- rule_rewrite


def test_rule_appends_the_named_subjects_of_the_previous_question() -> None:
    assert rule_rewrite(FOLLOW_UP, HISTORY) == RULE


def test_rule_keeps_every_named_subject_once_in_order() -> None:
    history = [{"role": "user", "content": "What did the Chicago mayor and the Illinois governor say about Chicago?"}]
    assert rule_rewrite("And what about the budget?", history) == "And what about the budget? (Chicago, Illinois)"
    history = [{"role": "user", "content": "What did the Bank of England decide on rates?"}]
    assert rule_rewrite("Why?", history) == "Why? (Bank of England)"


def test_rule_without_names_appends_content_words() -> None:
    history = [{"role": "user", "content": "what did the executive order tell police officers to wear?"}]
    assert rule_rewrite("And the governor?  ", history) == "And the governor? (executive order tell police officers wear)"
    many = [{"role": "user", "content": "when were unions, teachers, nurses, drivers, pilots, bakers, cooks, "
                                        "miners and farmers striking?"}]
    # at most eight content words
    assert rule_rewrite("Why?", many) == "Why? (unions teachers nurses drivers pilots bakers cooks miners)"


def test_rule_uses_the_latest_user_turn_only() -> None:
    history = [
        {"role": "user", "content": "What did Microsoft announce?"},
        {"role": "assistant", "content": "A deal with OpenAI [1]."},
        {"role": "user", "content": "What did the Illinois governor sign?"},
        {"role": "assistant", "content": "An order about Chicago [2]."},
    ]
    assert rule_rewrite("And when?", history) == "And when? (Illinois)"


def test_rule_without_a_previous_question_changes_nothing() -> None:
    assert rule_rewrite(FOLLOW_UP, []) == FOLLOW_UP
    assert rule_rewrite(FOLLOW_UP, [{"role": "assistant", "content": "Hello There, Chicago"}]) == FOLLOW_UP
    assert rule_rewrite(FOLLOW_UP, [{"role": "user", "content": "what is it?"}]) == FOLLOW_UP  # nothing to add


@pytest.mark.parametrize(("previous", "expected"), [
    ("Did Sam Altman return to OpenAI?", "And what did he say? (Sam Altman, OpenAI)"),
    ("Is OpenAI still working with Microsoft?", "And what did he say? (OpenAI, Microsoft)"),
])
def test_rule_subjects_leave_out_the_question_word(previous: str, expected: str) -> None:
    assert rule_rewrite("And what did he say?", [{"role": "user", "content": previous}]) == expected


# ---------------------------------------------------------------- normalise_history


def test_normalise_history_message_dicts() -> None:
    history = [
        {"role": "user", "content": "Hello"},
        {"role": "system", "content": "You are a helper"},  # not a conversation turn
        {"role": "assistant", "content": ""},  # empty
        {"role": "assistant", "content": "Hi [1]."},
        {"content": "no role"},
        {"role": "user", "content": 42},
    ]
    assert normalise_history(history) == [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi [1]."},
        {"role": "user", "content": "42"},
    ]


def test_normalise_history_gradio_content_lists() -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "What did"}, {"type": "text", "text": "Reuters say?"}]},
        {"role": "assistant", "content": ["plain part", {"type": "text", "text": "and a dict part"}]},
        {"role": "user", "content": [{"type": "image"}]},  # no text part: nothing to keep
        {"role": "user", "content": []},  # nothing at all
    ]
    assert normalise_history(history) == [
        {"role": "user", "content": "What did Reuters say?"},
        {"role": "assistant", "content": "plain part and a dict part"},
    ]


def test_normalise_history_pairs() -> None:
    history = [("q1", "a1"), ["q2", None], (None, "a3"), ("", ""), ("a", "b", "c"), "stray text"]
    assert normalise_history(history) == [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "a3"},
    ]


def test_normalise_history_nothing() -> None:
    assert normalise_history(None) == []
    assert normalise_history([]) == []


# ---------------------------------------------------------------- llm_rewrite


def test_llm_rewrite_returns_the_models_question() -> None:
    good = "What did the Illinois governor say about the Chicago police uniform order?"
    model = _model(good)
    assert llm_rewrite(FOLLOW_UP, HISTORY, model, REWRITE_TEMPLATE) == good
    (messages,) = model.seen
    prompt = messages[0].content
    assert prompt == REWRITE_TEMPLATE.format(
        history="User: What did the executive order tell Chicago police to wear?\n"
                "Assistant: To wear their official police uniforms [1].",
        question=FOLLOW_UP)


def test_llm_rewrite_keeps_the_first_line_without_quotes() -> None:
    model = _model('  "What did the Illinois governor say about the order?"\nI kept the names from the conversation.')
    assert llm_rewrite(FOLLOW_UP, HISTORY, model, REWRITE_TEMPLATE) == (
        "What did the Illinois governor say about the order?")
    # blank lines before the question are not its first line
    model = _model("\n\nWhat did the Illinois governor say?\n")
    assert llm_rewrite(FOLLOW_UP, HISTORY, model, REWRITE_TEMPLATE) == "What did the Illinois governor say?"


def test_llm_rewrite_truncates_long_turns_in_the_prompt() -> None:
    model = _model("What did the governor say about the order?")
    history = [{"role": "user", "content": "x" * 1000}]
    llm_rewrite(FOLLOW_UP, history, model, "{history}|{question}")
    assert model.seen[0][0].content == "User: " + "x" * 400 + "|" + FOLLOW_UP


@pytest.mark.parametrize("reply", ["", "   ", "\n \n", '""'])
def test_llm_rewrite_empty_reply_falls_back_to_the_rule(reply: str) -> None:
    assert llm_rewrite(FOLLOW_UP, HISTORY, _model(reply), REWRITE_TEMPLATE) == RULE


def test_llm_rewrite_over_long_reply_falls_back_to_the_rule() -> None:
    limit = 3 * len(FOLLOW_UP) + 200
    at_limit = "W" * (limit - 1) + "?"
    assert llm_rewrite(FOLLOW_UP, HISTORY, _model(at_limit), REWRITE_TEMPLATE) == at_limit
    assert llm_rewrite(FOLLOW_UP, HISTORY, _model(at_limit + "?"), REWRITE_TEMPLATE) == RULE


@pytest.mark.parametrize("reply", ["NOT_IN_ARTICLES", "not_in_articles.", "NOT_IN the conversation"])
def test_llm_rewrite_refusal_falls_back_to_the_rule(reply: str) -> None:
    assert llm_rewrite(FOLLOW_UP, HISTORY, _model(reply), REWRITE_TEMPLATE) == RULE


def test_llm_rewrite_without_history_falls_back_to_the_question() -> None:
    assert llm_rewrite(FOLLOW_UP, [], _model(""), REWRITE_TEMPLATE) == FOLLOW_UP
