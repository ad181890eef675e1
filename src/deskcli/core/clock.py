"""Time as deskcli stores it (ISO 8601 UTC) and reads it from people (local dates)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache

from deskcli.core.errors import InvalidInput
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


def parse_date(text: str, option: str) -> date:
    """A calendar date typed by a person: YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(say("{option}: {value!r} is not a date; write it as YYYY-MM-DD",
                               option=option, value=text)) from None


def local_date(moment: datetime) -> date:
    return moment.astimezone().date()


def parse_datetime(text: str, option: str) -> datetime:
    """A moment typed by a person: YYYY-MM-DD HH:MM (local time unless an offset is given)."""
    try:
        moment = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(say(
            "{option}: {value!r} is not a date and time; write it as YYYY-MM-DD HH:MM",
            option=option, value=text)) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a person's time is the machine's local time
    return moment.astimezone(timezone.utc)
