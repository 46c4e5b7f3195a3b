"""Turning a file's bytes into text, refusing binaries with a clear reason."""

from __future__ import annotations


class NotTextError(ValueError):
    """The bytes are not text in any encoding we read."""


def looks_binary(data: bytes) -> bool:
    """Return True when ``data`` looks like a binary file (NUL bytes or many control bytes)."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bool(sample) and control / len(sample) > 0.05


def decode_text(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``: UTF-8 (with or without BOM, or UTF-16 with BOM), else Windows-1252/Latin-1.

    Raises NotTextError for binary data.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise NotTextError(f"starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})") from exc
    if looks_binary(data):
        raise NotTextError("is a binary file, not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"
