"""Time as deskcli stores it (ISO 8601 UTC) and reads it from people (local dates)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from functools import lru_cache

from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import say


def now() -> datetime:
    return datetime.now(timezone.utc)


@lru_cache(maxsize=256)  # a batch stamps thousands of events with the same instant
def to_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local(text_or_moment: str | datetime) -> datetime:
    moment = from_iso(text_or_moment) if isinstance(text_or_moment, str) else text_or_moment
    return moment.astimezone()


# A date as a French session shows it: 03/12/2026 (day first), and a time after it.
_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2})[:h](\d{2}))?$")


def _day_first(text: str) -> tuple[date, tuple[int, int] | None] | None:
    """A date (and time) typed as the session shows them, JJ/MM/AAAA [HH:MM] in French;
    None when the text is not written so, or the session writes dates otherwise."""
    from deskcli.i18n import language

    match = _DAY_FIRST.match(text.strip())
    if match is None or language() != "fr":
        return None
    day, month, year, hour, minute = match.groups()
    try:
        typed = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return typed, (int(hour), int(minute)) if hour is not None else None


def typed_date(text: str) -> date | None:
    """A calendar day typed by a person, as ISO or as the session shows dates; else None."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        found = _day_first(text or "")
        return found[0] if found and found[1] is None else None


def parse_date(text: str, what: str) -> date:
    """A calendar date typed by a person: YYYY-MM-DD, or as the session shows dates."""
    day = typed_date(text) if isinstance(text, str) else None
    if day is None:
        raise InvalidInput(say("{option}: {value!r} is not a date; write it as YYYY-MM-DD",
                               option=what, value=text))
    return day


def local_date(moment: datetime) -> date:
    return moment.astimezone().date()


def parse_datetime(text: str, what: str) -> datetime:
    """A moment typed by a person: YYYY-MM-DD HH:MM, or as the session shows it (local time
    unless an offset is given)."""
    moment = None
    found = _day_first(text or "")
    if found is not None and found[1] is not None:
        try:
            moment = datetime.combine(found[0], time(*found[1]))
        except ValueError:
            moment = None
    if moment is None:
        try:
            moment = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(say(
                "{option}: {value!r} is not a date and time; write it as YYYY-MM-DD HH:MM",
                option=what, value=text)) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a person's time is the machine's local time
    return moment.astimezone(timezone.utc)
