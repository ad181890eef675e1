"""Text and JSON that come from outside (arguments, environment, piped records), checked
before anything is stored: bytes that are not UTF-8 and absurd nesting are refused,
naming where they are, instead of failing later half-way through a write."""

from __future__ import annotations

import re
from typing import Any

from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import say

# Deeper than any ticket or record deskcli writes (about 5 levels): a document nested
# 100,000 deep is an attack on the parser, not a call.
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def first_undecodable(text: str) -> int | None:
    """Where `text` holds a lone surrogate: an undecodable byte kept by Python's
    surrogateescape (argv, environment), or a "\\ud800" escape read from JSON."""
    found = _SURROGATE.search(text)
    return found.start() if found else None


def describe(char: str) -> str:
    code = ord(char)
    return f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def check_text(text: str, what: str) -> str:
    """`text` itself, or InvalidInput (exit 2) naming `what` when it is not valid UTF-8 text."""
    index = first_undecodable(text)
    if index is not None:
        raise InvalidInput(say("{what} is not valid UTF-8 text ({char} at character {index}); "
                               "give it in UTF-8", what=what, char=describe(text[index]),
                               index=index + 1))
    return text


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def possible_problems(source: str) -> tuple[bool, bool]:
    """Whether a value parsed from the JSON text `source` may hold a lone surrogate, and
    whether it may nest deeper than MAX_DEPTH (it takes that many brackets): string
    methods in C answer for a whole record at once, where walking the parsed value costs
    a call per text."""
    return (_may_hold_surrogate(source), source.count("{") + source.count("[") > MAX_DEPTH)


def _may_hold_surrogate(source: str) -> bool:
    # A lone surrogate in a parsed value comes from a \uD800-\uDFFF escape, or from the
    # character itself in the text (which UTF-8 cannot encode).
    if "\\u" in source and _SURROGATE_ESCAPE.search(source):
        return True
    if source.isascii():
        return False
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_problem(value: Any, *, texts: bool = True, nesting: bool = True) -> tuple[str, str] | None:
    """(field, reason) for the first part of a parsed JSON value that cannot be stored:
    a text with a lone surrogate, or nesting deeper than MAX_DEPTH; None when sound.
    `texts` and `nesting` False skip what `possible_problems` ruled out."""
    if not texts and not nesting:
        return None
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            return where or "record", say("nested more than {depth} levels deep", depth=MAX_DEPTH)
        if isinstance(item, str):
            if not texts:
                continue
            index = first_undecodable(item)
            if index is not None:
                return where or "record", say("{char} at character {index} is not valid UTF-8 "
                                              "text", char=describe(item[index]), index=index + 1)
        elif isinstance(item, dict):
            for key, inner in item.items():
                if texts and first_undecodable(key) is not None:
                    return where or "record", say("a field name is not valid UTF-8 text")
                stack.append((inner, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item))
    return None
