"""News query understanding: the outlets a question names, the dates it names, and its clause-level sub-queries.

All functions are pure; the known outlets are the ``source`` values present in the index.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

# ---------------------------------------------------------------- outlets


def outlet_aliases(outlet: str) -> set[str]:
    """Lower-case surface forms under which a question may name ``outlet``.

    "The Independent - Life and Style" -> {"the independent - life and style",
    "independent - life and style", "the independent", "independent"};
    "Cnbc | World Business News Leader" -> {..., "cnbc"}; "CBSSports.com" ->
    {"cbssports.com", "cbssports", "cbs sports"}.
    """
    o = re.sub(r"\s+", " ", outlet.strip().lower())
    forms = {o}
    head = re.split(r"\s+[|\-\u2013:]\s+|:\s+", o)[0].strip()
    forms.add(head)
    for f in list(forms):
        if f.startswith("the "):
            forms.add(f[4:])
        for suf in (".com", ".net", ".org"):
            if f.endswith(suf):
                forms.add(f[: -len(suf)])
    for f in list(forms):
        m = re.fullmatch(r"([a-z]+?)(sports|news)", f)
        if m:
            forms.add(f"{m.group(1)} {m.group(2)}")
    # a bare generic word would fire everywhere
    return {f for f in forms if len(f) >= 3 and f not in {"news", "sports", "the"}}


@dataclass(frozen=True)
class OutletMention:
    start: int
    end: int
    surface: str
    outlets: tuple[str, ...]  # every known outlet this surface form may mean


def detect_outlets(query: str, known_outlets: Iterable[str]) -> list[OutletMention]:
    """Find outlet names in ``query`` (word-bounded, longest match first).

    Matching ignores case, but the matched text must contain a capital letter
    ("CNBC" and "the New York Times" match; "his fortune" does not).
    A surface form shared by several outlets ("The Independent", "FOX News")
    maps to all of them.
    """
    alias_to: dict[str, set[str]] = {}
    for o in known_outlets:
        for a in outlet_aliases(o):
            alias_to.setdefault(a, set()).add(o)
    ql = query.lower()
    taken = [False] * len(ql)
    found: list[OutletMention] = []
    for alias in sorted(alias_to, key=len, reverse=True):
        for m in re.finditer(r"(?<![\w])" + re.escape(alias) + r"(?![\w])", ql):
            s, e = m.start(), m.end()
            if any(taken[s:e]) or query[s:e] == query[s:e].lower():
                continue  # names are written with capitals: "his fortune" is no outlet
            for i in range(s, e):
                taken[i] = True
            found.append(OutletMention(s, e, query[s:e], tuple(sorted(alias_to[alias]))))
    found.sort(key=lambda m: m.start)
    return found


def mentioned_outlets(mentions: Sequence[OutletMention]) -> list[str]:
    seen: dict[str, None] = {}
    for m in mentions:
        for o in m.outlets:
            seen.setdefault(o, None)
    return list(seen)


# ---------------------------------------------------------------- dates

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
    )
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MON_RE = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_DAY_DATE = re.compile(_MON_RE + r"\s+(\d{1,2})(?!\d)(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_MONTH_ONLY = re.compile(r"\b(?:in|during|throughout|of|since|by|before|after)\s+(?:early\s+|mid-?\s*|late\s+)?" + _MON_RE + r"(?:,?\s+(\d{4}))?\b(?!\s+\d)", re.I)
_BEFORE = re.compile(r"\b(before|prior to|earlier than|until|by|preceding)\s*$", re.I)
_AFTER = re.compile(r"\b(after|since|later than|following|subsequent to)\s*$", re.I)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    first: date  # the interval the text names (one day, or a whole month)
    last: date
    relation: str  # "on" | "before" | "after" | "in"


def parse_dates(query: str, default_year: int) -> list[DateMention]:
    """Dates named in a question: "November 9, 2023", "2023-10-04T21:11:57+00:00",
    "Nov. 9th", "in October 2023", with "before"/"after"/"since"/"by" read from the
    words just in front of them."""
    out: list[DateMention] = []
    used: list[tuple[int, int]] = []

    def relation(s: int, default: str) -> str:
        before = query[max(0, s - 40): s]
        before = re.sub(r"(published|reported|released|dated|on|the|article|report|of)\s*$", "", before.strip(), flags=re.I)
        before = re.sub(r"(published|reported|released|dated|on|the|article|report|of)\s*$", "", before.strip(), flags=re.I)
        if _BEFORE.search(before):
            return "before"
        if _AFTER.search(before):
            return "after"
        return default

    for m in _ISO_DATE.finditer(query):
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
        out.append(DateMention(m.start(), m.end(), d, d, relation(m.start(), "on")))
        used.append((m.start(), m.end()))
    for m in _DAY_DATE.finditer(query):
        if any(s <= m.start() < e for s, e in used):
            continue
        mon = _MONTHS[m.group(1).lower().rstrip(".")]
        year = int(m.group(3)) if m.group(3) else default_year
        try:
            d = date(year, mon, int(m.group(2)))
        except ValueError:
            continue
        out.append(DateMention(m.start(), m.end(), d, d, relation(m.start(), "on")))
        used.append((m.start(), m.end()))
    for m in _MONTH_ONLY.finditer(query):
        ms = m.start(1)
        if any(s <= ms < e for s, e in used):
            continue
        mon = _MONTHS[m.group(1).lower().rstrip(".")]
        year = int(m.group(2)) if m.group(2) else default_year
        first = date(year, mon, 1)
        last = (date(year + (mon == 12), mon % 12 + 1, 1)) - timedelta(days=1)
        rel = relation(m.start(), "in")
        word = m.group(0).split()[0].lower()
        if word in ("before", "by"):
            rel = "before"
        elif word in ("after", "since"):
            rel = "after"
        out.append(DateMention(ms, m.end(), first, last, rel))
    out.sort(key=lambda d: d.start)
    return out


def date_match(pub: date, mention: DateMention, slack_days: int = 1) -> bool:
    """Is an article published on ``pub`` consistent with what the mention names?

    "on"/"in": inside the named interval (widened by ``slack_days`` for time zones);
    "before"/"after": only the interval itself is boosted, since a question like
    "before November 6" is usually about the article of that date vs. an earlier one.
    """
    lo = mention.first - timedelta(days=slack_days)
    hi = mention.last + timedelta(days=slack_days)
    return lo <= pub <= hi


# ---------------------------------------------------------------- sub-queries

_SPLIT = re.compile(
    r",\s*(?:and|while|whereas|but|with)\s+|\s+(?:while|whereas|compared\s+to|compared\s+with|than|versus|vs\.?)\s+|"
    r";\s*|,\s*(?:and\s+)?(?:also\s+)?(?:as\s+well\s+as)\s+|\s+and\s+(?:is|was|has|had|are|were|also|the|a|an|which|who|that)\s+|"
    r"\s+(?:and\s+)?(?:after|before|following|since)\s+(?=the\s|a\s|an\s|['\"]?[A-Z])|,\s+",
)


@dataclass
class SubQuery:
    text: str
    outlets: list[str] = field(default_factory=list)  # outlets named inside this part
    dates: list[DateMention] = field(default_factory=list)  # dates named inside this part


def split_subqueries(
    query: str,
    mentions: Sequence[OutletMention],
    dates: Sequence[DateMention],
    min_words: int = 4,
) -> list[SubQuery]:
    """Split a multi-part question into clause-level sub-queries.

    The question is cut at clause separators (", and", "while", "compared to",
    "than", "; ", "and is/was/the ...", "after/before the ...", commas); pieces
    with fewer than ``min_words`` words are glued to their neighbour.  Each
    piece keeps the outlets and dates that are named inside it.  The whole
    question is *not* included (callers search it separately).
    """
    cuts = [0]
    for m in _SPLIT.finditer(query):
        # never cut inside an outlet name or a date
        if any(x.start < m.end() and m.start() < x.end for x in mentions) or any(
            d.start < m.end() and m.start() < d.end for d in dates
        ):
            continue
        cuts.append(m.start())
        cuts.append(m.end())
    cuts.append(len(query))
    pieces: list[tuple[int, int]] = []
    for i in range(0, len(cuts), 2):
        s, e = cuts[i], cuts[i + 1]
        if e > s:
            pieces.append((s, e))
    # merge short pieces into the previous (or next) one
    merged: list[list[int]] = []
    for s, e in pieces:
        n = len(re.findall(r"\w+", query[s:e]))
        if merged and n < min_words:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    if len(merged) > 1 and len(re.findall(r"\w+", query[merged[0][0]: merged[0][1]])) < min_words:
        merged[1][0] = merged[0][0]
        merged.pop(0)
    out: list[SubQuery] = []
    for s, e in merged:
        outs: list[str] = []
        for m in mentions:
            if s <= m.start < e:
                for o in m.outlets:
                    if o not in outs:
                        outs.append(o)
        ds = [d for d in dates if s <= d.start < e]
        out.append(SubQuery(query[s:e].strip(" ,;?"), outs, ds))
    return out
