"""The grid, the targets and the SLA clocks, with time frozen at the boundaries."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from deskcli.core.app import settings as settings_module
from deskcli.core.calls import qualify, sla, tickets
from deskcli.core.app.desk import open_desk
from deskcli.core.base.errors import InvalidInput, RuleRefused

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
OFFICE = (
    '[hours]\ntimezone = "Europe/Paris"\n'
    + "".join(f'{d} = ["09:00-18:00"]\n' for d in ("monday", "tuesday", "wednesday", "thursday", "friday"))
)

# seed 001 §2.5.2.4: urgency x impact -> priority
GRID = {
    ("blocked", "company"): 1, ("blocked", "department"): 2, ("blocked", "user"): 3,
    ("degraded", "company"): 2, ("degraded", "department"): 3, ("degraded", "user"): 4,
    ("minor", "company"): 4, ("minor", "department"): 4, ("minor", "user"): 4,
}
# priority -> take-charge, resolution, maximum delay
TARGETS = {
    1: (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1)),
    2: (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)),
    3: (timedelta(minutes=10), timedelta(hours=1), timedelta(hours=4)),
    4: (timedelta(minutes=30), timedelta(hours=24), timedelta(days=5)),
}


def write_settings(home, text):
    home.mkdir(exist_ok=True)
    (home / "settings.toml").write_text(text)
    return open_desk(home, "alice")


def open_at(desk, moment, channel="email"):
    with freeze_time(moment):
        return tickets.open_ticket(
            desk, tickets.CallFacts(caller="Karim", summary="Server down", channel=channel,
                                    billable=True), datetime.now(UTC))


def qualify_at(desk, ticket_id, moment, impact="company", urgency="blocked", reason=None):
    with freeze_time(moment):
        return qualify.qualify(desk, ticket_id, call_type="incident", impact=impact,
                               urgency=urgency, reason=reason, now=datetime.now(UTC))


def states(desk, ticket_id, moment):
    ticket = tickets.get_ticket(desk, ticket_id)
    return {c.name: c for c in sla.clocks(ticket, desk.settings, moment)}


@pytest.mark.parametrize("cell, priority", GRID.items())
def test_every_cell_of_the_grid(desk, cell, priority):
    urgency, impact = cell
    ticket = open_at(desk, "2026-03-10 09:00:00")
    done = qualify_at(desk, ticket["id"], "2026-03-10 09:00:30", impact=impact, urgency=urgency)
    assert done["priority"] == priority
    opened = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    expected = [opened + t for t in TARGETS[priority]]
    assert [done["deadlines"][c] for c in sla.CLOCKS] == [
        e.isoformat().replace("+00:00", "Z") for e in expected]


@pytest.mark.parametrize("word, impact, vip", [
    ("entreprise", "company", False), ("service", "department", False),
    ("VIP", "department", True), ("utilisateur", "user", False)])
def test_french_impacts_and_vip(desk, word, impact, vip):
    ticket = open_at(desk, "2026-03-10 09:00:00")
    done = qualify_at(desk, ticket["id"], "2026-03-10 09:01:00", impact=word)
    assert done["qualification"]["impact"] == impact and done["qualification"]["vip"] is vip


@pytest.mark.parametrize("word, urgency", [
    ("bloqué", "blocked"), ("bloque", "blocked"), ("ralenti", "degraded"),
    ("peut-vivre-avec", "minor"), ("Peut vivre avec", "minor")])
def test_french_urgencies(desk, word, urgency):
    ticket = open_at(desk, "2026-03-10 09:00:00")
    assert qualify_at(desk, ticket["id"], "2026-03-10 09:01:00", urgency=word)["qualification"]["urgency"] == urgency


def test_unknown_values_are_refused(desk):
    ticket = open_at(desk, "2026-03-10 09:00:00")
    with pytest.raises(InvalidInput, match="--urgency"):
        qualify_at(desk, ticket["id"], "2026-03-10 09:01:00", urgency="urgent")


@pytest.mark.parametrize("offset, state", [
    (timedelta(minutes=7, seconds=29), "ok"),       # just under 75 % of 10 min
    (timedelta(minutes=7, seconds=30), "at_risk"),  # 75 % used
    (timedelta(minutes=9, seconds=59), "at_risk"),  # one second before the deadline
    (timedelta(minutes=10), "at_risk"),              # at the deadline
    (timedelta(minutes=10, seconds=1), "breached"),  # one second after
])
def test_resolution_clock_at_its_boundaries(desk, offset, state):
    ticket = open_at(desk, "2026-03-10 09:00:00")
    qualify_at(desk, ticket["id"], "2026-03-10 09:00:10")
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC) + offset
    assert states(desk, ticket["id"], now)["resolution"].state == state


def test_take_charge_stop_is_frozen_in_the_history(desk):
    ticket = open_at(desk, "2026-03-10 09:00:00", channel="phone")
    done = qualify_at(desk, ticket["id"], "2026-03-10 09:03:00")
    stopped = [e for e in done["history"] if e["event"] == "sla_clock_stopped"]
    assert stopped == [{"at": "2026-03-10T09:03:00Z", "by": "alice", "event": "sla_clock_stopped",
                        "clock": "take_charge", "met": True, "deadline": "2026-03-10T09:01:00Z",
                        "stopped_at": "2026-03-10T09:00:00Z"}]
    later = datetime(2026, 3, 11, tzinfo=UTC)
    assert states(desk, ticket["id"], later)["take_charge"].state == "met"


def test_friday_evening_call_is_due_monday_on_an_office_desk(home):
    desk = write_settings(home, OFFICE + '[targets.3]\nresolution = "2h"\n')
    # Friday 2026-03-13 17:30 in Paris; a priority 3 call has 2 h to be resolved.
    ticket = open_at(desk, datetime(2026, 3, 13, 17, 30, tzinfo=PARIS))
    done = qualify_at(desk, ticket["id"], datetime(2026, 3, 13, 17, 31, tzinfo=PARIS), urgency="blocked", impact="user")
    due = datetime.fromisoformat(done["deadlines"]["resolution"].replace("Z", "+00:00"))
    assert due.astimezone(PARIS) == datetime(2026, 3, 16, 10, 30, tzinfo=PARIS)
    # Over the weekend the clock does not run.
    saturday = datetime(2026, 3, 14, 12, 0, tzinfo=PARIS)
    assert states(desk, ticket["id"], saturday)["resolution"].used == pytest.approx(0.25)


def test_a_holiday_moves_the_deadline_a_day(home):
    desk = write_settings(home, OFFICE + 'holidays = ["2026-03-16"]\n[targets.3]\nresolution = "2h"\n')
    ticket = open_at(desk, datetime(2026, 3, 13, 17, 30, tzinfo=PARIS))
    done = qualify_at(desk, ticket["id"], datetime(2026, 3, 13, 17, 31, tzinfo=PARIS), urgency="blocked", impact="user")
    due = datetime.fromisoformat(done["deadlines"]["resolution"].replace("Z", "+00:00"))
    assert due.astimezone(PARIS) == datetime(2026, 3, 17, 10, 30, tzinfo=PARIS)


def test_a_call_opened_at_night_starts_counting_at_opening_time(home):
    desk = write_settings(home, OFFICE)
    ticket = open_at(desk, datetime(2026, 3, 10, 22, 0, tzinfo=PARIS))
    done = qualify_at(desk, ticket["id"], datetime(2026, 3, 10, 22, 1, tzinfo=PARIS))
    due = datetime.fromisoformat(done["deadlines"]["take_charge"].replace("Z", "+00:00"))
    assert due.astimezone(PARIS) == datetime(2026, 3, 11, 9, 1, tzinfo=PARIS)


def test_waiting_on_the_caller_pauses_the_clocks(desk):
    ticket = open_at(desk, "2026-03-10 09:00:00")
    qualify_at(desk, ticket["id"], "2026-03-10 09:00:10")  # priority 1: 10 min to resolve
    with freeze_time("2026-03-10 09:04:00"):
        qualify.set_pending(desk, ticket["id"], reason="callback", now=datetime.now(UTC))
    paused = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    assert states(desk, ticket["id"], paused)["resolution"].state == "paused"
    with freeze_time("2026-03-10 09:34:00"):
        qualify.resume(desk, ticket["id"], now=datetime.now(UTC))
    after = states(desk, ticket["id"], datetime(2026, 3, 10, 9, 35, tzinfo=UTC))["resolution"]
    assert after.deadline == datetime(2026, 3, 10, 9, 40, tzinfo=UTC)  # 30 min of pause added
    assert after.state == "ok"


def test_a_pause_does_not_hide_a_breach(desk):
    ticket = open_at(desk, "2026-03-10 09:00:00")
    qualify_at(desk, ticket["id"], "2026-03-10 09:00:10")
    with freeze_time("2026-03-10 09:20:00"):
        qualify.set_pending(desk, ticket["id"], reason="callback", now=datetime.now(UTC))
    assert states(desk, ticket["id"], datetime(2026, 3, 10, 10, 0, tzinfo=UTC))["resolution"].state == "breached"


def test_requalification_needs_a_reason_and_counts_from_the_opening(desk):
    ticket = open_at(desk, "2026-03-10 09:00:00")
    qualify_at(desk, ticket["id"], "2026-03-10 09:05:00", impact="user", urgency="minor")
    with pytest.raises(RuleRefused, match="--reason"):
        qualify_at(desk, ticket["id"], "2026-03-10 09:10:00")
    done = qualify_at(desk, ticket["id"], "2026-03-10 09:10:00", reason="the whole server is down")
    assert done["priority"] == 1
    assert done["deadlines"]["resolution"] == "2026-03-10T09:10:00Z"
    events = [e for e in done["history"] if e["event"] in ("qualified", "requalified")]
    assert [e["priority"] for e in events] == [4, 1]
    assert events[1]["previous"] == {"type": "incident", "impact": "user", "urgency": "minor", "priority": 4}
    assert events[1]["reason"] == "the whole server is down"


def test_a_not_admissible_call_cannot_be_qualified(desk):
    with freeze_time("2026-03-10 09:00:00"):
        ticket = tickets.open_ticket(desk, tickets.CallFacts(caller="K", summary="S"), datetime.now(UTC))
    with pytest.raises(RuleRefused, match="not_admissible.*purchase order"):
        qualify_at(desk, ticket["id"], "2026-03-10 09:01:00")


def test_an_override_changes_grid_and_targets(home):
    desk = write_settings(home, '[grid.degraded]\nuser = 3\n[targets.3]\nresolution = "45m"\n')
    assert sla.priority_for(desk.settings, "user", "degraded") == 3
    assert sla.target(desk.settings, 3, "resolution") == timedelta(minutes=45)
    ticket = open_at(desk, "2026-03-10 09:00:00")
    done = qualify_at(desk, ticket["id"], "2026-03-10 09:01:00", impact="user", urgency="degraded")
    assert done["priority"] == 3 and done["deadlines"]["resolution"] == "2026-03-10T09:45:00Z"


@pytest.mark.parametrize("text, key", [
    ("[grid.blocked]\ncompany = 7\n", "grid.blocked.company must be a priority from 1 to 4"),
    ('[targets.2]\nresolution = "soon"\n', "targets.2.resolution must be a duration"),
    ('[targets.2]\ntake_charge = "3h"\n', "targets.2 must be take_charge <= resolution <= maximum"),
    ("[targets.1]\nresolution_rate = 120.0\n", "targets.1.resolution_rate must be a percentage"),
    ('[hours]\nmonday = ["18:00-09:00"]\n', "hours.monday must be ranges"),
    ('[hours]\nholidays = ["25/12/2026"]\n', "hours.holidays must be dates"),
    ('[hours]\ntimezone = "Mars/Olympus"\n', "hours.timezone must be an IANA"),
    ("[sla]\nat_risk = 1.5\n", "sla.at_risk must be a share"),
    ("[targets.2]\nresolution = 30\n", "targets.2.resolution must be a text in quotes"),
])
def test_invalid_overrides_are_refused_at_load(home, text, key):
    home.mkdir()
    (home / "settings.toml").write_text(text)
    with pytest.raises(InvalidInput) as caught:
        settings_module.load(home)
    assert key in str(caught.value) and str(home / "settings.toml") in str(caught.value)


def test_durations():
    assert sla.parse_duration("90s") == timedelta(seconds=90)
    assert sla.parse_duration("5d") == timedelta(days=5)
    assert sla.parse_duration("1.5h") == timedelta(minutes=90)
    assert sla.parse_duration("5 weeks") is None
