"""Opening, finding and listing tickets as plain functions."""

from datetime import date, datetime, timezone

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from deskcli.core.calls import contracts, tickets
from deskcli.core.base.clock import from_iso
from deskcli.core.base.errors import InvalidInput, NotFound

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def facts(**overrides):
    base = dict(caller="Karim Benali", summary="Printer offline", org="Atlas SARL")
    base.update(overrides)
    return tickets.CallFacts(**base)


def with_contract(desk):
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31), signers=[], now=NOW)


def test_open_records_every_fact_and_the_history(desk):
    with_contract(desk)
    ticket = tickets.open_ticket(desk, facts(role="Assistant", contact="0600", device="HP 400",
                                             os="Windows 11", description="it blinks",
                                             reformulation="printer offline"), NOW)
    assert ticket["id"] == 1 and ticket["status"] == "open"
    assert ticket["caller"] == {"name": "Karim Benali", "role": "Assistant", "contact": "0600"}
    assert ticket["organisation"] == {"name": "Atlas SARL", "kind": "company"}
    assert ticket["equipment"]["device"] == "HP 400"
    assert ticket["contract"] == "C-1" and ticket["opener"] == "alice"
    assert [e["event"] for e in ticket["history"]] == ["opened", "taken_in_charge", "admissibility"]
    assert all(e["at"].endswith("Z") and e["by"] == "alice" for e in ticket["history"])
    assert tickets.get_ticket(desk, 1) == ticket


def test_caller_without_organisation_is_an_individual(desk):
    ticket = tickets.open_ticket(desk, facts(org=None), NOW)
    assert ticket["organisation"] == {"name": "Karim Benali", "kind": "individual"}


def test_not_admissible_call_keeps_contact_nature_and_explanation(desk):
    ticket = tickets.open_ticket(desk, facts(contact="k@atlas.ma"), NOW)
    assert ticket["status"] == "not_admissible"
    assert ticket["caller"]["contact"] == "k@atlas.ma" and ticket["summary"] == "Printer offline"
    assert "purchase order" in ticket["admissibility"]["explanation"]


def test_numbers_grow_and_are_never_reused(desk):
    ids = [tickets.open_ticket(desk, facts(), NOW)["id"] for _ in range(3)]
    assert ids == [1, 2, 3]


def test_bad_channel_and_empty_caller_are_refused_without_writing(desk):
    with pytest.raises(InvalidInput, match="--channel"):
        tickets.open_ticket(desk, facts(channel="pigeon"), NOW)
    with pytest.raises(InvalidInput, match="--caller"):
        tickets.open_ticket(desk, facts(caller="   "), NOW)
    assert tickets.list_tickets(desk) == []


def test_written_channels_wait_for_take_charge(desk):
    assert tickets.open_ticket(desk, facts(channel="email"), NOW)["assignee"] is None
    assert tickets.open_ticket(desk, facts(channel="phone"), NOW)["assignee"] == "alice"


def test_identification_time_is_recorded_and_flagged_over_the_limit(desk):
    ticket = tickets.open_ticket(desk, facts(identification_seconds=360.0), NOW)
    timed = [e for e in ticket["history"] if e["event"] == "identification_timed"]
    assert timed == [{"at": "2026-03-10T09:00:00Z", "by": "alice", "event": "identification_timed",
                      "seconds": 360, "over_limit": True}]


def test_missing_ticket_is_not_found(desk):
    with pytest.raises(NotFound, match="#7"):
        tickets.get_ticket(desk, 7)


def test_list_filters_and_sorts(desk):
    with freeze_time("2026-03-10 09:00:00"):
        tickets.open_ticket(desk, facts(), datetime.now(timezone.utc))
    with freeze_time("2026-03-10 10:00:00"):
        tickets.open_ticket(desk, facts(caller="Sara", org="Zed"), datetime.now(timezone.utc))
    assert [t["id"] for t in tickets.list_tickets(desk, sort="newest")] == [2, 1]
    assert [t["id"] for t in tickets.list_tickets(desk)] == [1, 2]  # unqualified: oldest waits longest
    assert [t["id"] for t in tickets.list_tickets(desk, sort="oldest")] == [1, 2]
    assert [t["id"] for t in tickets.list_tickets(desk, org="zed")] == [2]
    assert [t["id"] for t in tickets.list_tickets(desk, opener="bob")] == []


def _history_problems_one_by_one(history):
    """The rules for each event, checked one at a time, as the doctor states them."""
    found = []
    for index, entry in enumerate(history):
        where = f"history[{index}]"
        if not isinstance(entry, dict):
            found.append(where)
            continue
        try:
            from_iso(entry.get("at"))
        except (ValueError, TypeError, AttributeError):
            found.append(f"{where}.at")
        found += [f"{where}.{key}" for key in ("event", "by") if not isinstance(entry.get(key), str)]
    return found


_fields = st.one_of(st.none(), st.integers(), st.sampled_from(
    ["2026-03-02T09:00:00Z", "2026-03-02T09:00:00+01:00", "2026-02-30T09:00:00Z", "yesterday", "", "opened",
     "alice"]))
_events = st.one_of(st.fixed_dictionaries({}, optional={"at": _fields, "event": _fields, "by": _fields}),
                    st.integers(), st.text(max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.lists(_events, max_size=6))
def test_the_shape_check_of_a_history_names_every_bad_event_field(history):
    ticket = {"id": 1, "status": "open", "caller": {"name": "Karim"}, "organisation": {"name": "Atlas"},
              "summary": "PC", "opener": "alice", "opened_at": "2026-03-02T09:00:00Z", "history": history}
    assert [field for field, _ in tickets.shape_problems(ticket)] == _history_problems_one_by_one(history)
