"""One scenario as a practice call plays it, and how a student's words are matched against
its keywords."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from deskcli.core.base.names import name_key


@dataclass
class Scenario:
    name: str
    path: Path
    title: str
    summary: str
    kind: str  # "call", or "abandoned" for a caller who hung up
    company: str | None
    caller: dict
    replies: dict
    equipment: dict
    problem: dict
    contracts: list[dict]
    treatment: dict
    closing: list[dict]
    questions: list[dict]
    expected: dict
    why: dict
    # Minutes the story says have passed in a phase (« vous la guidez depuis douze
    # minutes »), added to the clock: reading time is not the call's time.
    story: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    variant: dict = field(default_factory=dict)  # the values drawn for this play


def matches(text: str | None, keywords: list[str]) -> bool:
    """Whether a text says every keyword: each is a word or word beginning, with `|`
    between alternatives; case and accents do not count."""
    folded = name_key(text or "")
    words = re.findall(r"\w+", folded)
    for keyword in keywords:
        options = [name_key(k) for k in keyword.split("|") if k.strip()]
        # A single word matches a word's beginning; a phrase ("hors ligne") matches as is.
        if not any(any(w.startswith(o) for w in words) if re.fullmatch(r"\w+", o)
                   else o in folded for o in options):
            return False
    return True
