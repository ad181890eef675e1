"""The French catalog as a French technician reads it: a count agrees with its noun (ngettext),
option values are named in French, and commands are quoted « » rather than with backticks."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from deskcli.catalogs import extracted
from deskcli.core.calls.choices import CHOICES

SOURCE = Path(__file__).resolve().parents[1]
FRENCH = SOURCE / "src" / "deskcli" / "locale" / "fr" / "LC_MESSAGES" / "deskcli.po"

# The placeholders that hold a number of things; a noun after one must agree with it.
COUNTS = ("count", "num", "n", "total", "calls", "records", "students", "imported", "refused",
          "active", "closed", "abandoned", "functional", "hierarchical", "present", "cells",
          "days", "tickets_count")
# What may follow a count without agreeing with it: abbreviations that take no plural
# (5 min, 3 h, 2 j, 4 x) and words that join two parts of a message.
INVARIANT = ("min", "s", "h", "j", "d", "x", "ms", "and", "et", "or", "ou", "for", "pour")
_COUNTED = re.compile(
    r"(?:\{(?:%(names)s)(?:[!:][^}]*)?\}|%%\((?:%(names)s)\)[sd])\s+(?!(?:%(units)s)\b)[^\W\d_]"
    % {"names": "|".join(COUNTS), "units": "|".join(INVARIANT)})


def counted_without_plural(message: str, translation: str) -> bool:
    """Whether a singular message puts a noun after a count, or writes a plural as (s)."""
    return any(_COUNTED.search(text) or "(s)" in text for text in (message, translation))


def catalog():
    with FRENCH.open("rb") as handle:
        return read_po(handle, locale="fr")


def test_the_check_finds_a_count_that_does_not_go_through_ngettext():
    assert counted_without_plural("{count} incidents from {start}", "{count} incidents du {start}")
    assert counted_without_plural("Closed {count} ticket(s).", "{count} ticket(s) clos.")
    assert counted_without_plural("%(num)d calls not closed.", "%(num)d appels non clôturés.")
    assert not counted_without_plural("{budget} min", "{budget} min")
    assert not counted_without_plural("answer with a choice from 1 to {count}",
                                      "répondez par un choix de 1 à {count}")
    assert not counted_without_plural("Backlog: {count}", "En cours : {count}")


def test_every_french_message_with_a_count_goes_through_ngettext():
    sources = {m.id: [path for path, _line in m.locations] for m in extracted(SOURCE) if m.id}
    wrong = []
    for message in catalog():
        if not message.id or not isinstance(message.id, str):
            continue  # a plural entry: ngettext chooses its form
        where = sources.get(message.id, [])
        if counted_without_plural(message.id, message.string):
            wrong.append(f"{message.id!r} -> {message.string!r} ({', '.join(where)})")
    assert not wrong, "a count outside ngettext:\n" + "\n".join(wrong)


def english_option_values() -> set[str]:
    """Option values whose English name is not also one of their French names."""
    names = set()
    for table in CHOICES.values():
        for value, (english, french) in table.items():
            folded = {name.lower() for name in french}
            names |= {name for name in (value.replace("_", "-"), *english)
                      if name.lower() not in folded}
    # French writes e-mail and web too; email is also the name of an input format.
    return names - {"e-mail", "web"}


def _prose(text: str) -> str:
    """A translation without what is not French prose: placeholders, option names, commands
    to type, field names at the start, keys as files write them, and the English aliases a help lists after « aussi »."""
    text = re.sub(r"\{[^}]*\}|%\(\w+\)[sd]", " ", text)
    text = re.sub(r"aussi [^).]*", " ", text)
    text = re.sub(r"--[\w-]+", " ", text)
    text = re.sub(r"deskcli(?: [a-z][a-z-]*){1,2}", " ", text)
    text = re.sub(r"^\w+\s:", " ", text)
    text = re.sub(r"\b\w+ = ", " ", text)  # a key as a file writes it: priority = 2
    return text


def test_the_french_catalog_names_option_values_in_french_and_quotes_with_guillemets():
    english = english_option_values()
    assert {"blocked", "network", "individual", "hierarchical"} <= english
    found = re.compile(r"(?<![\w/.@-])(%s)(?![\w-])" % "|".join(
        re.escape(name) for name in sorted(english, key=len, reverse=True)))
    wrong = []
    for message in catalog():
        if not message.id:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            if "`" in text:
                wrong.append(f"backtick: {text!r}")
            if re.search(r"\{\w+!r\}", text):
                wrong.append(f"Python quotes ('...') around a value: {text!r}")
            if "mbox" in text:
                continue  # the input formats: json, jsonl, csv, email, mbox
            for name in found.findall(_prose(text)):
                wrong.append(f"English value {name!r}: {text!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("text", ["Lancez `deskcli list`.", "valeur {value!r} refusée",
                                  "urgence blocked refusée", "transféré à network"])
def test_the_catalog_check_would_refuse(text):
    english = english_option_values()
    found = re.compile(r"(?<![\w/.@-])(%s)(?![\w-])" % "|".join(
        re.escape(name) for name in sorted(english, key=len, reverse=True)))
    assert "`" in text or re.search(r"\{\w+!r\}", text) or found.findall(_prose(text))
