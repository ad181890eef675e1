"""Notices: whoever takes a call over tells its opener (procedure §6)."""

from __future__ import annotations

from datetime import datetime

from deskcli.core.base.clock import to_iso
from deskcli.core.store.repository import Changes, Desk
from deskcli.core.base.names import name_key
from deskcli.i18n import Text

NOTICES = "notices"


def leave(store: Changes, ticket: dict, *, to: str | None, by: str, now: datetime, text: str) -> None:
    """A notice for `to`, unless it would be a note to oneself."""
    if not to or name_key(to) == name_key(by):
        return
    # The English text for scripts; the message itself, to be shown in each reader's language.
    message = text.record() if isinstance(text, Text) else None
    store.insert_record(NOTICES, {
        "to": to, "ticket": ticket["id"], "by": by, "at": to_iso(now), "text": str(text),
        "read": False, **({"message": message} if message else {}),
    })


def inbox(desk: Desk, *, include_read: bool = False, mark_read: bool = True) -> list[dict]:
    """The current technician's notices, oldest first; unread ones are marked read."""
    me = name_key(desk.technician)
    if not mark_read:
        with desk.repo.reading() as store:
            mine = [n for n in store.records(NOTICES) if name_key(n["to"]) == me]
    else:
        with desk.repo.writing() as store:
            mine = [n for n in store.records(NOTICES) if name_key(n["to"]) == me]
            for notice in mine:
                if not notice["read"]:
                    store.update_record(NOTICES, dict(notice, read=True))
    shown = mine if include_read else [n for n in mine if not n["read"]]
    return sorted(shown, key=lambda n: (n["at"], n["id"]))
