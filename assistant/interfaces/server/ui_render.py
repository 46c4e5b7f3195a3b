"""HTML and Markdown for the web UI: answers with linked [n] markers, source cards, index reports, statistics.

Everything that comes from an article or a user (titles, passages, answers, file names, error messages) is escaped
here: article text is untrusted. Pure functions, no Gradio.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlparse

from ...types import Answer, Citation, FollowedSource, IndexReport, Passage

MARKER = re.compile(r"\[(\d{1,2})\]")
# Markdown's own punctuation, and what starts an autolink (www., http://, user@host): all shown as written.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~&$.:@=-])")


def esc(text: object) -> str:
    """Return ``text`` escaped for HTML (quotes included)."""
    return html.escape(str(text or ""), quote=True)


def md_text(text: str) -> str:
    """Return ``text`` escaped for Gradio's Markdown: no markup, no HTML, shown exactly as written."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def card_id(turn: int, n: int) -> str:
    """Return the element id of source card ``n`` of conversation turn ``turn``."""
    return f"src-{turn}-{n}"


def safe_url(url: str | None) -> str | None:
    """Return ``url`` when it is an http(s) link, else None (no javascript:, data: or relative links)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def linked_answer(text: str, turn: int, valid: Sequence[int]) -> str:
    """Return answer ``text`` as escaped Markdown whose ``[n]`` markers link to their source cards.

    Markers with no card (not in ``valid``) stay plain text.
    """
    parts: list[str] = []
    last = 0
    for match in MARKER.finditer(text):
        parts.append(md_text(text[last:match.start()]))
        n = int(match.group(1))
        if n in valid:
            parts.append(f'<a class="cite" href="#{card_id(turn, n)}" title="Source {n}">[{n}]</a>')
        else:
            parts.append(md_text(match.group(0)))
        last = match.end()
    parts.append(md_text(text[last:]))
    return "".join(parts)


def answer_message(answer: Answer, turn: int) -> str:
    """Return the chat message for a checked answer: the direct answer in bold, the linked text, then a plain note
    when refused or trimmed."""
    body = linked_answer(answer.text, turn, [c.n for c in answer.citations])
    if answer.short_answer and not answer.refused:
        body = f'<p class="short-answer"><strong>{esc(answer.short_answer)}</strong></p>\n\n{body}'

    notes = [md_text(n) for n in answer.notes if n]
    if answer.refused:
        why = f" ({'; '.join(notes)})" if notes else ""
        return f"{body}\n\n<span class=\"answer-note refused\">No answer: the indexed articles do not support one{why}.</span>"
    if answer.trimmed:
        why = f" ({'; '.join(notes)})" if notes else ""
        return (f"{body}\n\n<span class=\"answer-note trimmed\">Trimmed: sentences of the draft answer that the cited "
                f"articles do not support were removed{why}.</span>")
    return body


def streaming_message(draft: str) -> str:
    """Return the chat message shown while the model writes (escaped, with a cursor)."""
    return md_text(draft) + " ▍"


def _date(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def _byline(source: str | None, author: str | None, published_at: datetime | None) -> str:
    bits = [f'<span class="outlet">{esc(source)}</span>' if source else "",
            f'<span class="author">{esc(author)}</span>' if author else "",
            f'<time>{esc(_date(published_at))}</time>' if published_at else ""]
    return " · ".join(b for b in bits if b) or '<span class="unknown">outlet and date unknown</span>'


def _passage_html(text: str, highlight: tuple[int, int] | None) -> str:
    if not highlight:
        return esc(text)
    start, end = max(0, highlight[0]), min(len(text), highlight[1])
    if start >= end:
        return esc(text)
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


def also_published(outlets: Sequence[str]) -> str:
    """Return the note of a syndicated story's other outlets ('' when it has none): one source, not several."""
    if not outlets:
        return ""
    names = ", ".join(esc(o) for o in outlets)
    return f'<div class="also">also published by {names}</div>'


def source_card(item: Citation | Passage, turn: int, highlight: tuple[int, int] | None = None,
                cited: bool = True) -> str:
    """Return one source card: number, title, outlet, byline, date, article link, passage with its highlight."""
    url = safe_url(getattr(item, "link", None) or item.url)  # a citation opens the page at its sentence
    link = (f'<a class="article-link" href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"Open the article ↗</a>") if url else ""
    classes = "source-card" + ("" if cited else " retrieved")
    return (
        f'<article class="{classes}" id="{card_id(turn, item.n)}" data-n="{item.n}">'
        f'<header><span class="num">[{item.n}]</span> <strong class="title">{esc(item.title) or "(untitled)"}</strong>'
        f'</header><div class="meta">{_byline(item.source, item.author, item.published_at)}</div>'
        f"{also_published(item.also_published_by)}"
        f'<blockquote class="passage">{_passage_html(item.text, highlight)}</blockquote>{link}</article>'
    )


def turn_sources(turn: int, question: str, standalone: str, *, passages: Sequence[Passage] = (),
                 answer: Answer | None = None, status: str = "", state: str = "") -> str:
    """Return the sources of one conversation turn: retrieved passages while answering, cited ones after.

    ``state`` (searching, answering, done, error; default: done when ``answer`` is given) is set as data-state."""
    rewritten = (f'<div class="searched">Searched for: <q>{esc(standalone)}</q></div>'
                 if standalone and standalone != question else "")
    head = f'<div class="turn-head"><span class="q">{esc(question)}</span>{rewritten}</div>'
    if answer is not None and answer.citations:
        cards = "".join(source_card(c, turn, c.highlight) for c in answer.citations)
        body = f'<div class="cards">{cards}</div>'
    elif answer is not None:
        body = '<p class="no-sources">No source supports an answer to this question.</p>'
        if passages:
            cards = "".join(source_card(p, turn, cited=False) for p in passages)
            body += (f'<details class="retrieved"><summary>Passages searched ({len(passages)})</summary>'
                     f"{cards}</details>")
    elif passages:
        cards = "".join(source_card(p, turn, cited=False) for p in passages)
        body = f'<p class="status">{esc(status)}</p><div class="cards">{cards}</div>'
    else:
        body = f'<p class="status">{esc(status)}</p>' if status else ""
    state = state or ("done" if answer is not None else "searching")
    return f'<section class="turn" id="turn-{turn}" data-state="{esc(state)}">{head}{body}</section>'


def sources_panel(sections: Sequence[str]) -> str:
    """Return the sources panel: the newest turn first."""
    if not sections:
        return ('<div class="sources-empty">Sources appear here: each answer\'s numbered passages, with the sentence '
                "that supports it highlighted.</div>")
    return '<div class="sources">' + "".join(reversed(sections)) + "</div>"


def report_html(index_report: IndexReport, what: str) -> str:
    """Return an index report as HTML."""
    report = index_report.model_dump()
    counts = [("added", report.get("added", 0)), ("updated", report.get("updated", 0)),
              ("unchanged", report.get("unchanged", 0)), ("duplicates", report.get("duplicates", 0)),
              ("failed", len(report.get("failed", [])))]
    items = "".join(f'<li class="{k}"><b>{v}</b> {k}</li>' for k, v in counts)
    failed = "".join(f"<li><code>{esc(f.get('path'))}</code>: {esc(f.get('error'))}</li>"
                     for f in report.get("failed", []))
    failed_html = f'<div class="failures"><b>Not indexed:</b><ul>{failed}</ul></div>' if failed else ""
    sources = "".join(
        f"<li><code>{esc(src.get('url'))}</code> ({esc(src.get('kind') or 'not read')}): "
        f"{esc(src.get('listed', 0))} listed, {esc(src.get('added', 0))} new, {esc(src.get('updated', 0))} updated, "
        f"{esc(src.get('unchanged', 0))} unchanged ({esc(src.get('not_modified', 0))} answered 304), "
        f"{esc(src.get('near_duplicates', 0))} copies of stories already indexed, "
        f"{esc(len(src.get('failed', [])))} failed</li>" for src in report.get("sources", []))
    if sources:
        failed_html = f'<div class="web-sources"><b>Feeds and pages:</b><ul>{sources}</ul></div>' + failed_html
    if report.get("near_duplicates"):
        items += f'<li class="near_duplicates"><b>{esc(report["near_duplicates"])}</b> copies grouped</li>'
    ok = report.get("added", 0) + report.get("updated", 0) + report.get("unchanged", 0) + report.get("duplicates", 0)
    verdict = "Done" if not failed else ("Done, with problems" if ok else "Nothing could be indexed")
    return (f'<div class="index-report"><p><b>{esc(verdict)}</b>: {esc(what)} in {report.get("seconds", 0):.1f} s, '
            f'{_plural(report.get("chunks_embedded", 0), "passage")} embedded.</p><ul class="counts">{items}</ul>'
            f"{failed_html}</div>")


def followed_html(sources: Sequence[FollowedSource]) -> str:
    """Return the followed feeds and sites as an HTML table: URL, last poll, new articles, errors (all escaped:
    a URL, and an error quoting a feed, are untrusted)."""
    if not sources:
        return ('<p class="followed-empty">No followed feeds or sites. Add the URL of an RSS or Atom feed, a news '
                "sitemap or an article page.</p>")
    rows = []
    for src in sources:
        polled = esc(src.last_poll.replace("T", " ")[:16]) if src.last_poll else "not polled yet"
        errors = "".join(f"<li>{esc(e)}</li>" for e in src.last_errors)
        errors_html = f'<ul class="errors">{errors}</ul>' if errors else "none"
        link = safe_url(src.url)
        url = (f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer nofollow">{esc(src.url)}</a>'
               if link else esc(src.url))
        rows.append(f"<tr><td>{url}</td><td>{polled}</td><td>{esc(src.last_new)}</td><td>{esc(src.articles)}</td>"
                    f"<td>{errors_html}</td></tr>")
    return ('<table class="followed"><thead><tr><th>Feed or site</th><th>Last poll</th><th>New</th>'
            "<th>Articles</th><th>Errors</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def message_html(text: str, kind: str = "error") -> str:
    """Return a short notice box (kind: error, info)."""
    return f'<div class="notice {esc(kind)}">{esc(text)}</div>'


def stats_html(stats: dict) -> str:
    """Return index statistics and the models and backend in use, as an HTML table."""
    rows = [
        ("Articles", f"{stats.get('articles', 0):,}"), ("Sentences", f"{stats.get('chunks', 0):,}"),
        ("Outlets", f"{stats.get('outlets', 0):,}"), ("Answering backend", stats.get("backend_description", "")),
        ("Embedding model", f"{stats.get('embedding_model', '')} ({stats.get('embedding_dimension') or '?'} dimensions)"),
        ("Pipeline version", stats.get("pipeline_version", "")), ("Index", stats.get("chroma", "")),
        ("Collection", stats.get("collection", "")),
    ]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="index-stats">{body}</table>'
