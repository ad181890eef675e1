"""Text typed by people: names compared whatever their case, accents and spacing; texts
and record numbers checked the same way by every command."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import term, say


# The same names come back at every call of a batch and every organisation's directory.
@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def required_text(value: str | None, what: str) -> str:
    """A text the fact `what` must carry: stripped, not empty, no NUL byte."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(say("{option}: the text is empty", option=what), value=value)
    if "\x00" in cleaned:
        raise InvalidInput(say("{option}: the text holds a NUL character", option=what),
                           value=value)
    return cleaned


def record_number(text: str | int, prefix: str, what: str) -> int:
    """A record number as typed, bare or with its prefix: 12 or KB-12."""
    raw = str(text).strip()
    digits = raw[len(prefix) + 1:] if raw.upper().startswith(f"{prefix}-") else raw
    # "²".isdigit() is true, yet int() refuses it: only ASCII digits make a number.
    if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
        raise InvalidInput(say("{value!r} is not {what} number (12 or {prefix}-12)", value=text,
                               what=term(what), prefix=prefix))
    return int(digits)
