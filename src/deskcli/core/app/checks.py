"""What is wrong in one daily file of the embedded repository, ticket by ticket and field
by field: what `deskcli doctor` reports, and what keeps a file out of a snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from deskcli.core.base.clock import from_iso
from deskcli.core.store.storage import ACTIVE_FILE, TICKETS
from deskcli.core.calls.tickets import shape_problems
from deskcli.i18n import say, shown


@dataclass
class Finding:
    file: str
    ticket: int | None
    field: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "ticket": self.ticket, "field": self.field, "reason": self.reason}

    def __str__(self) -> str:
        where = self.file + (f", ticket #{self.ticket}" if self.ticket is not None else "")
        return f"{where}: {self.reason}"

    def text(self) -> str:
        """The finding in the session's language (its reason is kept in English for --json)."""
        if self.ticket is None:
            return f"{self.file}: {shown(self.reason)}"
        return shown(say("{file}, ticket #{number}: {reason}", file=self.file,
                         number=self.ticket, reason=self.reason))


def _json_file(path: Path) -> tuple[dict | None, list[Finding]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [Finding(path.name, None, None, say("cannot be read: {reason}",
                                                         reason=exc.strerror))]
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return None, [Finding(path.name, None, None, say("not valid JSON: {reason}", reason=str(exc)))]
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        return None, [Finding(path.name, None, None, say("not a deskcli repository file"))]
    return data, []


def clock_problems(ticket: dict) -> list[tuple[str, str]]:
    """Events recorded earlier than the one before them: the clock was set back (or ahead,
    then back) while the ticket was worked on; durations across them mean nothing."""
    found = []
    history = ticket.get("history") if isinstance(ticket, dict) else None
    if not isinstance(history, list) or shape_problems(ticket):
        return found  # a shape problem is named on its own
    for index in range(1, len(history)):
        before, at = history[index - 1]["at"], history[index]["at"]
        if from_iso(at) < from_iso(before):
            found.append((f"history[{index}].at", say(
                "history[{index}].at: {at} is earlier than the event before it ({before}): the "
                "clock went back; durations across it are left out of the indicators",
                index=index, at=at, before=before)))
    return found


def _tickets(name: str, documents: dict) -> list[Finding]:
    found = []
    for key, doc in documents.items():
        number = int(key) if str(key).isdigit() else None
        if isinstance(doc, dict) and "id" not in doc and number is not None:
            doc = dict(doc, id=number)  # TinyDB keeps the number as the document's key
        for field_name, reason in [*shape_problems(doc), *clock_problems(doc)]:
            found.append(Finding(name, number, field_name, reason))
    return found


def file_findings(path: Path) -> list[Finding]:
    """The problems of one daily file (active.json, kb.json)."""
    data, found = _json_file(path)
    if data is not None and path.name == ACTIVE_FILE:
        found += _tickets(ACTIVE_FILE, data.get(TICKETS, {}))
    return found
