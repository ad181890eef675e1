"""Service targets and SLA clocks: deadlines counted in the desk's open time, pauses excluded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Iterator

from deskcli.core.base.clock import from_iso, to_iso
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, term, say

CLOCKS = ("take_charge", "resolution", "maximum")
CLOCK_LABELS = {"take_charge": N_("take-charge"), "resolution": N_("resolution"),
                "maximum": N_("maximum delay")}
IMPACTS = ("company", "department", "user")
URGENCIES = ("blocked", "degraded", "minor")
PRIORITIES = (1, 2, 3, 4)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_SHORT = {"monday": N_("Mon"), "tuesday": N_("Tue"), "wednesday": N_("Wed"),
                 "thursday": N_("Thu"), "friday": N_("Fri"), "saturday": N_("Sat"),
                 "sunday": N_("Sun")}

# How bad a clock's state is, worst last: a list shows a ticket's worst clock.
SEVERITY = {"met": 0, "ok": 1, "paused": 2, "at_risk": 3, "missed": 4, "breached": 5}

# 7d, 12h, 30m; French sessions type days as j (7j) and minutes as min.
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|m|h|d|j)\s*$")
_UNIT = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days", "j": "days"}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_duration(text: str) -> timedelta | None:
    match = _DURATION.match(text or "")
    if not match:
        return None
    return timedelta(**{_UNIT[match.group(2)]: float(match.group(1))})


def format_duration(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "",
             f"{minutes}min" if minutes else "", f"{seconds}s" if seconds and not days else ""]
    return " ".join(p for p in parts if p) or "0s"


def _parse_range(text: str) -> tuple[time, time] | None:
    match = _RANGE.match(text if isinstance(text, str) else "")
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        return None
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    start = time(h1, m1)
    return (start, end) if start < end else None


def problems(settings: dict) -> list[tuple[str, str]]:
    """Every (key, what is expected) that is wrong in the grid, targets, sla and hours tables."""
    found: list[tuple[str, str]] = []
    for urgency in URGENCIES:
        for impact in IMPACTS:
            value = settings["grid"][urgency][impact]
            if value not in PRIORITIES or isinstance(value, bool):
                found.append((f"grid.{urgency}.{impact}", term("a priority from 1 to 4")))
    targets = settings["targets"]
    for priority in PRIORITIES:
        row = targets[str(priority)]
        for clock in CLOCKS:
            if parse_duration(row[clock]) is None:
                found.append((f"targets.{priority}.{clock}", term("a duration like 90s, 10m, 2h or 5d")))
        for rate in ("take_charge_rate", "resolution_rate"):
            if not 0 <= row[rate] <= 100:
                found.append((f"targets.{priority}.{rate}", term("a percentage from 0 to 100")))
        durations = [parse_duration(row[c]) for c in CLOCKS]
        if None not in durations and not durations[0] <= durations[1] <= durations[2]:
            found.append((f"targets.{priority}", term("take_charge <= resolution <= maximum")))
    if not 0 < settings["sla"]["at_risk"] < 1:
        found.append(("sla.at_risk", term("a share between 0 and 1, such as 0.75")))
    hours = settings["hours"]
    for day in WEEKDAYS:
        for text in hours[day]:
            if _parse_range(text) is None:
                found.append((f"hours.{day}", term('ranges like "09:00-18:00" (start before end)')))
    for text in hours["holidays"]:
        try:
            date.fromisoformat(text)
        except (TypeError, ValueError):
            found.append(("hours.holidays", say("dates written YYYY-MM-DD (not {value!r})",
                                                value=text)))
    if hours["timezone"]:
        try:
            _zone(hours["timezone"])
        except (ValueError, KeyError):
            found.append(("hours.timezone", term("an IANA time zone name such as Africa/Casablanca")))
    return found


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(str(exc)) from None


def priority_for(settings: dict, impact: str, urgency: str) -> int:
    return settings["grid"][urgency][impact]


def target(settings: dict, priority: int, clock: str) -> timedelta:
    return parse_duration(settings["targets"][str(priority)][clock])


@dataclass(frozen=True)
class Calendar:
    """When the desk is open. No hours at all means always open."""

    hours: dict[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date]
    zone: tzinfo | None

    @property
    def always_open(self) -> bool:
        return not any(self.hours.values())

    def segments(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals from `start` on, in order, as aware datetimes."""
        if self.always_open:
            yield start, datetime.max.replace(tzinfo=timezone.utc)
            return
        zone = self.zone or start.astimezone().tzinfo
        day = start.astimezone(zone).date() - timedelta(days=1)
        # Ten years with no open day at all would mean a calendar of holidays only.
        for _ in range(3660):
            if day not in self.holidays:
                for opens, closes in self.hours.get(day.weekday(), ()):
                    a = datetime.combine(day, opens, tzinfo=zone)
                    b = datetime.combine(day, closes, tzinfo=zone)
                    if b > start:
                        yield max(a, start), b
            day += timedelta(days=1)


def calendar(settings: dict) -> Calendar:
    hours = settings["hours"]
    return Calendar(
        hours={i: tuple(_parse_range(r) for r in hours[d]) for i, d in enumerate(WEEKDAYS)},
        holidays=frozenset(date.fromisoformat(d) for d in hours["holidays"]),
        zone=_zone(hours["timezone"]) if hours["timezone"] else None,
    )


def _minus_pauses(a: datetime, b: datetime, pauses: list[tuple[datetime, datetime]]):
    """The parts of [a, b) outside every pause (pauses sorted, not overlapping)."""
    cursor = a
    for p_start, p_end in pauses:
        if p_end <= cursor or p_start >= b:
            continue
        if p_start > cursor:
            yield cursor, p_start
        cursor = max(cursor, p_end)
        if cursor >= b:
            return
    if cursor < b:
        yield cursor, b


def add_open_time(cal: Calendar, start: datetime, duration: timedelta,
                  pauses: list[tuple[datetime, datetime]] = ()) -> datetime:
    """The instant when `duration` of open, unpaused time has passed since `start`."""
    remaining = duration
    for seg_start, seg_end in cal.segments(start):
        for a, b in _minus_pauses(seg_start, seg_end, list(pauses)):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
    raise InvalidInput(say("the opening hours leave no open time in the next ten years"))


def open_time(cal: Calendar, start: datetime, end: datetime,
              pauses: list[tuple[datetime, datetime]] = ()) -> timedelta:
    total = timedelta(0)
    if end <= start:
        return total
    for seg_start, seg_end in cal.segments(start):
        if seg_start >= end:
            break
        for a, b in _minus_pauses(seg_start, min(seg_end, end), list(pauses)):
            total += b - a
    return total


def pauses(ticket: dict, now: datetime) -> list[tuple[datetime, datetime]]:
    """The intervals the call waited on the caller; an open pause runs until now."""
    found: list[tuple[datetime, datetime]] = []
    started: datetime | None = None
    for entry in ticket.get("history", []):
        if entry["event"] == "pending" and started is None:
            started = from_iso(entry["at"])
        elif entry["event"] == "resumed" and started is not None:
            found.append((started, from_iso(entry["at"])))
            started = None
    if started is not None:
        found.append((started, max(now, started)))
    return found


@dataclass
class ClockState:
    name: str
    target: timedelta
    deadline: datetime
    state: str
    used: float
    remaining: timedelta
    stopped_at: datetime | None

    def as_dict(self) -> dict:
        return {
            "clock": self.name,
            "target": format_duration(self.target),
            "deadline": to_iso(self.deadline),
            "state": self.state,
            "used": round(self.used, 3),
            "remaining_seconds": int(self.remaining.total_seconds()),
            "stopped_at": to_iso(self.stopped_at) if self.stopped_at else None,
        }


def _stop_time(ticket: dict, clock: str) -> datetime | None:
    key = "taken_in_charge_at" if clock == "take_charge" else "resolved_at"
    value = ticket.get(key)
    return from_iso(value) if value else None


def _frozen(ticket: dict) -> dict[str, bool]:
    """Results recorded when each clock stopped; they are not recomputed afterwards."""
    return {e["clock"]: e["met"] for e in ticket.get("history", []) if e["event"] == "sla_clock_stopped"}


def clocks(ticket: dict, settings: dict, now: datetime) -> list[ClockState]:
    """The three clocks of a qualified ticket, as they stand at `now`."""
    priority = ticket.get("priority")
    if not priority:
        return []
    cal = calendar(settings)
    opened = from_iso(ticket["opened_at"])
    paused = pauses(ticket, now)
    waiting = ticket.get("status") == "pending"
    frozen = _frozen(ticket)
    states = []
    for name in CLOCKS:
        goal = target(settings, priority, name)
        stopped = _stop_time(ticket, name)
        end = stopped or now
        deadline = add_open_time(cal, opened, goal, paused)
        elapsed = open_time(cal, opened, end, paused)
        used = elapsed / goal if goal else 1.0
        if stopped is not None:
            met = frozen.get(name, stopped <= deadline)
            state = "met" if met else "missed"
        elif now > deadline:
            state = "breached"
        elif waiting:
            state = "paused"
        elif used >= settings["sla"]["at_risk"]:
            state = "at_risk"
        else:
            state = "ok"
        states.append(ClockState(name, goal, deadline, state, used, deadline - end, stopped))
    return states


def worst(states: list[ClockState]) -> str | None:
    return max((s.state for s in states), key=SEVERITY.__getitem__, default=None)


def stop_events(ticket: dict, settings: dict, now: datetime, by: str) -> list[dict]:
    """History entries freezing the result of each clock that has stopped and is not yet frozen."""
    frozen = _frozen(ticket)
    entries = []
    for state in clocks(ticket, settings, now):
        if state.stopped_at is not None and state.name not in frozen:
            entries.append({
                "at": to_iso(now), "by": by, "event": "sla_clock_stopped", "clock": state.name,
                "met": state.state == "met", "deadline": to_iso(state.deadline),
                "stopped_at": to_iso(state.stopped_at),
            })
    return entries


def view(ticket: dict, settings: dict, now: datetime) -> dict | None:
    """The clocks as scripts and screens see them; None for a ticket not yet qualified."""
    states = clocks(ticket, settings, now)
    if not states:
        return None
    running = [s.deadline for s in states if s.stopped_at is None]
    spans = pauses(ticket, now)
    waiting = ticket.get("status") == "pending"
    return {
        "worst": worst(states),
        "next_deadline": to_iso(min(running)) if running else None,
        "clocks": [s.as_dict() for s in states],
        "pauses": [
            {"from": to_iso(a), "to": None if waiting and i == len(spans) - 1 else to_iso(b)}
            for i, (a, b) in enumerate(spans)
        ],
    }


def with_view(ticket: dict, settings: dict, now: datetime) -> dict:
    return dict(ticket, sla=view(ticket, settings, now))
