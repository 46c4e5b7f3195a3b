"""Character-level similarity of two texts: 2·LCS / (|a| + |b|) (difflib's ratio with an exact LCS; the same
figure as rapidfuzz's ``fuzz.ratio`` / 100), computed with the bit-parallel LCS of Allison-Dix/Hyyrö on Python
integers, so 15,000-character articles take milliseconds instead of difflib's seconds."""

from __future__ import annotations


def lcs_length(a: str, b: str) -> int:
    """Return the length of the longest common subsequence of ``a`` and ``b``."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def similarity(a: str, b: str) -> float:
    """Return 2·LCS(a, b) / (|a| + |b|), 1.0 for two empty texts."""
    if not a and not b:
        return 1.0
    return 2 * lcs_length(a, b) / (len(a) + len(b))


def squash(text: str) -> str:
    """Return ``text`` with every run of whitespace made one space (paragraph breaks are formatting here)."""
    return " ".join(text.split())
