"""Links that open a publisher's page at the quoted sentence: URL text fragments (``#:~:text=start,end``)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

_WORDS_EACH_SIDE = 4  # a long sentence is named by its first and last words (textStart,textEnd)


def _encode(text: str) -> str:
    # The fragment directive reserves "-", "," and "&": they are percent-encoded with everything else.
    return quote(text, safe="").replace("-", "%2D")


def text_fragment_link(url: str | None, sentence: str) -> str | None:
    """Return ``url`` with a text fragment matching ``sentence`` (None when there is no http(s) URL).

    Short sentences are matched whole; longer ones by their first and last few words, which browsers find even
    when the page's whitespace or markup differs inside the sentence."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    words = re.sub(r"\s+", " ", sentence).strip().rstrip(".!?").split(" ")
    if not words or not words[0]:
        return url
    if len(words) <= 2 * _WORDS_EACH_SIDE:
        directive = _encode(" ".join(words))
    else:
        directive = f"{_encode(' '.join(words[:_WORDS_EACH_SIDE]))},{_encode(' '.join(words[-_WORDS_EACH_SIDE:]))}"
    parts = urlsplit(url)
    fragment = parts.fragment.split(":~:", 1)[0]  # keep the page's own fragment, replace any old directive
    return urlunsplit(parts._replace(fragment=f"{fragment}:~:text={directive}"))
