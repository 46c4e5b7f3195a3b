"""The person a who-question asks for, given by name and in full.

Small models answer "Who is the Democratic mayor who signed the order?" with the article's own sentence ("The
Democratic mayor ... signed an executive order"), which leaves out the name asked for, or with a surname alone
("Ellison"). Both are repaired here from the passages, in code: the role the question names ("mayor") is looked up
where the passages attach it to a name ("Mayor Brandon Johnson", "Brandon Johnson, the mayor"), and a lone surname
gets the first name the passages put before it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..text.sentences import sentence_spans
from ..text.terms import STOPWORDS, fold, words
from ..types import Answer, Passage
from .claims import names
from .grounding import _citation
from .injection import neutralise_markers
from .plans import _NOT_NAMES, _TITLES, full_name

WHO = re.compile(r"^\s*(?:who|whom|whose|which (?:person|executive|official|founder|ceo|player|author))\b", re.I)
# A lone surname: the whole short answer ("Ellison") or its subject ("Ellison was the CEO ...").
_SURNAME = re.compile(r"([A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?:$|\s+(?=[a-z]))")
# "Who is the Democratic mayor who ...", "Who was the CEO of ...": the role is the description's last word.
_ROLE = re.compile(r"^\s*who\s+(?:is|was|are|were|'s)\s+(?:the|a|an|its|their)\s+(?:[\w.-]+\s+){0,3}?"
                   r"([A-Za-z][\w-]+)(?=\s+(?:who|that|whose|which|of|in|at|for|behind|on|to)\b|\s*\?|\s*$)", re.I)
_RUN = re.compile(r"\b[A-Z][a-z]+\s+[A-Z][a-z]+")  # two capitalised words in a row: a person's name, likely
_PERSON = r"((?:[A-Z][\w'’.-]*[\w]\s+){0,2}[A-Z][\w'’-]*[\w])"


def name_in_full(answer: Answer, question: str, passages: Sequence[Passage]) -> None:
    """Give a person asked for by a who-question in full, as the passages name them: a model's "Ellison [1]." or
    "Ellison was the CEO [1]." opens with "Caroline Ellison" (the first name the passages most often put before
    the surname)."""
    found = _SURNAME.match(answer.short_answer)
    if not WHO.match(question) or not found:
        return
    surname = found.group(1)
    full = full_name(surname, [p.text for p in passages])
    if full == surname:
        return
    answer.short_answer = full + answer.short_answer[len(surname):]
    answer.text = re.sub(rf"(?<![\w-])(?<!{re.escape(full.split()[0])} ){re.escape(surname)}(?![\w-])", full,
                         answer.text, count=1)


def role_holders(role: str, passages: Sequence[Passage]) -> Counter[tuple[str, int, int, int]]:
    """Return the names the passages give the ``role`` ("Mayor Brandon Johnson", "Brandon Johnson, the city's
    mayor"), each keyed (name, passage index, sentence start, sentence end) and counted."""
    before = re.compile(rf"\b(?i:{re.escape(role)})\s+{_PERSON}")
    after = re.compile(rf"{_PERSON},\s+(?:the\s+|a\s+|an\s+)?(?:[\w'’.-]+\s+){{0,4}}?(?i:{re.escape(role)})\b")
    found: Counter[tuple[str, int, int, int]] = Counter()
    for i, p in enumerate(passages):
        for start, end in sentence_spans(p.text):
            sentence = p.text[start:end]
            for pattern in (before, after):
                for match in pattern.finditer(sentence):
                    tokens = [t for t in match.group(1).split() if fold(t) not in _TITLES]
                    while tokens and (fold(tokens[0]) in _NOT_NAMES or fold(tokens[0]) in STOPWORDS):
                        tokens = tokens[1:]
                    if tokens:
                        found[(" ".join(tokens), i, start, end)] += 1
    return found


def name_the_role(answer: Answer, question: str, passages: Sequence[Passage]) -> None:
    """Open the answer to "Who is the <role> ...?" with the person's name when it gives none: the name the passages
    attach to that role, preferring the passages the answer already cites; the sentence that names them is quoted
    and cited."""
    role = _ROLE.match(question)
    if not role or not answer.citations:
        return
    holders = role_holders(role.group(1), passages)
    given = set(names(answer.short_answer)) - set(words(question))
    if not holders or any(fold(name.split()[-1]) in given for name, *_ in holders) or _RUN.search(
            " ".join(w for w in answer.short_answer.split()[1:] if fold(w).strip(".,") not in words(question))):
        return  # no one holds the role, or the answer already names a person
    cited = {c.span_id for c in answer.citations}
    people: Counter[str] = Counter()
    for (name, i, _, _), count in holders.items():
        people[fold(name.split()[-1])] += count * (2 if passages[i].span_id in cited else 1)
    surname, _ = people.most_common(1)[0]
    name, i, start, end = max((key for key in holders if fold(key[0].split()[-1]) == surname),
                              key=lambda key: (passages[key[1]].span_id in cited, len(key[0].split())))
    if len(name.split()) == 1:
        name = full_name(name, [p.text for p in passages])
    passage = passages[i]
    sentence = neutralise_markers(passage.text[start:end].strip()).rstrip(".")
    n = next((c.n for c in answer.citations if c.span_id == passage.span_id), 0)
    text = answer.text
    if not n:  # a new source, cited first: the others move up one
        n = 1
        text = re.sub(r"\[(\d{1,3})\]", lambda m: f"[{int(m.group(1)) + 1}]", text)
        answer.citations = [_citation(passage, 1, sentence),
                            *(c.model_copy(update={"n": c.n + 1}) for c in answer.citations)]
    answer.short_answer = name
    answer.text = f"{name}. {sentence} [{n}]. {text}"
    answer.notes = [*answer.notes, f"the {role.group(1)} is named where the passages give the role to {name}"]
