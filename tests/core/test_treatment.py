"""The treatment rules (procedure §3, §5, §6) as plain functions: each refused and allowed."""

from datetime import date, datetime, timedelta, timezone

import pytest

from deskcli.core.calls import contracts, notices, qualify, tickets
from deskcli.core.treating import treatment
from deskcli.core.app.desk import open_desk
from deskcli.core.base.errors import InvalidInput, NotFound, RuleRefused

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def call(desk):
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31),
                           signers=[{"name": "Nadia Alami", "function": "Director"}], now=T0)
    ticket = tickets.open_ticket(desk, tickets.CallFacts(
        caller="Karim", org="Atlas SARL", summary="PC does not start", device="Dell 7010",
        description="Nothing happens when I press the button"), T0)
    return ticket["id"]


def qualified(desk, ticket_id, minutes=1):
    return qualify.qualify(desk, ticket_id, call_type="incident", impact="user",
                           urgency="blocked", reason=None, now=at(minutes))


def as_tech(desk, name):
    return open_desk(desk.home, name)


def test_treatment_entries_are_saved_with_their_time_and_level(desk, call):
    ticket = treatment.treat(desk, call, now=at(2), diagnosis="PSU dead",
                             actions=["checked the cable", "tried another socket"], minutes=4)
    entry = ticket["history"][-1]
    assert entry == {"at": "2026-03-10T09:02:00Z", "by": "alice", "event": "treatment", "level": 1,
                     "diagnosis": "PSU dead", "actions": ["checked the cable", "tried another socket"],
                     "minutes": 4.0}
    assert ticket["diagnosis"] == "PSU dead" and ticket["time_spent_minutes"] == 4


def test_treat_needs_something_and_a_solution_needs_its_kind(desk, call):
    with pytest.raises(InvalidInput, match="nothing to record"):
        treatment.treat(desk, call, now=at(1))
    with pytest.raises(InvalidInput, match="--definitive or --temporary"):
        treatment.treat(desk, call, now=at(1), solution="rebooted")
    with pytest.raises(InvalidInput, match="--minutes"):
        treatment.treat(desk, call, now=at(1), minutes=-3)


def test_a_temporary_solution_keeps_the_call_open_and_close_refuses(desk, call):
    ticket = treatment.treat(desk, call, now=at(5), solution="loaned a printer", definitive=False)
    assert ticket["status"] == "open" and ticket["resolved_at"] is None
    with pytest.raises(RuleRefused, match="temporary solution.*loan"):
        treatment.close(desk, call, now=at(6))


def test_close_needs_a_definitive_solution(desk, call):
    with pytest.raises(RuleRefused, match="definitive solution"):
        treatment.close(desk, call, now=at(3))


def test_only_the_opener_closes(desk, call):
    treatment.treat(desk, call, now=at(5), solution="replaced PSU", definitive=True)
    with pytest.raises(RuleRefused, match="opened by alice"):
        treatment.close(as_tech(desk, "bob"), call, now=at(6))
    closed = treatment.close(desk, call, now=at(6))
    assert closed["status"] == "closed"
    assert tickets.list_tickets(desk) == []
    assert [t["id"] for t in tickets.list_tickets(desk, scope="closed")] == [call]


def test_a_definitive_solution_stops_the_resolution_clocks(desk, call):
    qualified(desk, call)
    ticket = treatment.treat(desk, call, now=at(30), solution="replaced PSU", definitive=True)
    frozen = {e["clock"]: e["met"] for e in ticket["history"] if e["event"] == "sla_clock_stopped"}
    assert frozen == {"take_charge": True, "resolution": True, "maximum": True}


def test_a_piped_in_ticket_is_taken_in_charge_by_its_first_treatment(desk):
    ticket = tickets.open_ticket(desk, tickets.CallFacts(caller="K", summary="S", channel="email",
                                                         billable=True), T0)
    assert ticket["taken_in_charge_at"] is None and ticket["assignee"] is None
    treated = treatment.treat(as_tech(desk, "bob"), ticket["id"], now=at(3), diagnosis="x")
    assert treated["taken_in_charge_at"] == "2026-03-10T09:03:00Z" and treated["assignee"] == "bob"


def test_deferral_assigns_and_asks_for_a_callback(desk, call):
    ticket = treatment.defer(desk, call, to="bob", now=at(2))
    assert ticket["assignee"] == "bob" and ticket["callback"] is True
    assert [n["text"] for n in notices.inbox(as_tech(desk, "bob"))] == [
        f"#{call} deferred to bob by alice: call the caller back"]


def test_transfer_needs_a_qualification(desk, call):
    with pytest.raises(RuleRefused, match="qualify"):
        treatment.transfer(desk, call, group="network", reason="VPN", now=at(2))


def test_transfer_consults_the_knowledge_base_and_notifies_the_opener(desk, call):
    qualified(desk, call)
    ticket = treatment.transfer(as_tech(desk, "bob"), call, group="Network", reason="VPN", now=at(3))
    assert ticket["group"] == "network" and ticket["level"] == 2 and ticket["assignee"] is None
    events = [e["event"] for e in ticket["history"]]
    assert events.index("kb_consulted") < events.index("transferred")
    assert ticket["history"][events.index("kb_consulted")]["empty"] is True
    assert "transferred to network" in notices.inbox(desk)[0]["text"]


def test_transfer_to_an_unknown_group_is_bad_input(desk, call):
    qualified(desk, call)
    with pytest.raises(InvalidInput, match="groups: network"):
        treatment.transfer(desk, call, group="plumbing", reason="x", now=at(2))


def test_escalation_climbs_to_the_top_and_no_further(desk, call):
    levels = [treatment.escalate(desk, call, reason="not solved", now=at(i))["level"] for i in (1, 2, 3)]
    assert levels == [2, 3, 4]
    with pytest.raises(RuleRefused, match="highest"):
        treatment.escalate(desk, call, reason="again", now=at(4))


def test_escalation_records_the_budget_and_its_kind(desk, call):
    treatment.treat(desk, call, now=at(5), diagnosis="TOC broken", minutes=12)
    ticket = treatment.escalate(desk, call, reason="still broken", kind="hierarchical", now=at(13))
    entry = ticket["history"][-1] if ticket["history"][-1]["event"] == "escalated" else \
        [e for e in ticket["history"] if e["event"] == "escalated"][-1]
    assert entry["kind"] == "hierarchical" and entry["budget_exceeded"] is True
    assert entry["level1_minutes"] == 12
    with pytest.raises(InvalidInput, match="--kind"):
        treatment.escalate(desk, call, reason="x", kind="sideways", now=at(14))


def test_intervention_needs_a_diagnosis(desk, call):
    with pytest.raises(RuleRefused, match="diagnosis.*transfer"):
        treatment.request_intervention(desk, call, nature="replace PSU", now=at(2))


def test_intervention_request_carries_the_creation_fields(desk, call):
    treatment.treat(desk, call, now=at(2), diagnosis="PSU dead: no fan, no LED")
    ticket = treatment.request_intervention(desk, call, nature="replace PSU", now=at(3),
                                            deadline=at(60 * 24))
    request = ticket["interventions"][0]
    assert request["number"] == 1 and request["contract"] == "C-1" and request["covered"]
    assert request["caller"]["name"] == "Karim" and request["equipment"] == "Dell 7010"
    assert request["incident"] == "Nothing happens when I press the button"
    assert request["diagnosis"] == "PSU dead: no fan, no LED" and request["amount"] is None
    second = treatment.request_intervention(desk, call, nature="check", now=at(4))
    assert second["interventions"][1]["number"] == 2


def test_report_marks_a_signer_who_does_not_commit_the_customer(desk, call):
    treatment.treat(desk, call, now=at(2), diagnosis="PSU dead")
    treatment.request_intervention(desk, call, nature="replace PSU", now=at(3))
    carl = as_tech(desk, "carl")
    ticket = treatment.report_intervention(
        carl, call, number=1, start=at(60), end=at(135), done="PSU replaced", outcome="PC starts",
        parts=["PSU 500W"], signed_by="Karim", signer_function="Assistant", now=at(140))
    report = ticket["interventions"][0]["report"]
    assert report["minutes"] == 75 and report["technician"] == "carl"
    assert report["signer"] == {"name": "Karim", "function": "Assistant", "commits_customer": False}
    assert ticket["time_spent_minutes"] == 75
    with pytest.raises(RuleRefused, match="already written"):
        treatment.report_intervention(carl, call, number=1, start=at(60), end=at(135), done="x",
                                      outcome="y", now=at(150))


def test_an_authorised_signer_commits_the_customer(desk, call):
    treatment.treat(desk, call, now=at(2), diagnosis="PSU dead")
    treatment.request_intervention(desk, call, nature="replace PSU", now=at(3))
    ticket = treatment.report_intervention(
        desk, call, number=1, start=at(60), end=at(90), done="done", outcome="ok",
        signed_by="nadia alami", signer_function="Director", now=at(100))
    assert ticket["interventions"][0]["report"]["signer"]["commits_customer"] is True


@pytest.mark.parametrize("kwargs, message", [
    ({"number": 9}, "no intervention 9"),
    ({"end": T0 + timedelta(minutes=50)}, "--end must come after --start"),
    ({"signed_by": "Nadia Alami"}, "go together"),
])
def test_report_refusals(desk, call, kwargs, message):
    treatment.treat(desk, call, now=at(2), diagnosis="PSU dead")
    treatment.request_intervention(desk, call, nature="replace PSU", now=at(3))
    args = dict(number=1, start=at(60), end=at(90), done="d", outcome="o", now=at(100))
    args.update(kwargs)
    with pytest.raises((NotFound, InvalidInput), match=message):
        treatment.report_intervention(desk, call, **args)


def test_not_admissible_call_closes_with_its_reason(desk):
    ticket = tickets.open_ticket(desk, tickets.CallFacts(caller="Bob", summary="S"), T0)
    with pytest.raises(RuleRefused, match="not_admissible"):
        treatment.treat(desk, ticket["id"], now=at(1), diagnosis="x")
    closed = treatment.close(desk, ticket["id"], now=at(2))
    assert closed["history"][-1]["reason"] == "Bob has no contract or warranty on record"


def test_impossible_steps_are_refused_by_the_state_table(desk, call):
    treatment.treat(desk, call, now=at(5), solution="replaced", definitive=True)
    treatment.close(desk, call, now=at(6))
    with pytest.raises(RuleRefused, match="closed.*reopen"):
        treatment.treat(desk, call, now=at(7), diagnosis="again")
    with pytest.raises(RuleRefused, match="closed"):
        qualified(desk, call, minutes=8)


def test_reopen_brings_a_closed_call_back_with_its_history(desk, call):
    treatment.treat(desk, call, now=at(5), solution="replaced", definitive=True)
    before = treatment.close(desk, call, now=at(6))["history"]
    reopened = treatment.reopen(desk, call, reason="fails again", now=at(60))
    assert reopened["status"] == "open" and reopened["solution"] is None
    assert reopened["history"][:len(before)] == before
    assert [t["id"] for t in tickets.list_tickets(desk)] == [call]
    assert tickets.list_tickets(desk, scope="closed") == []
    with pytest.raises(InvalidInput):
        treatment.reopen(desk, call, reason=" ", now=at(61))


def test_pending_call_must_resume_before_treatment(desk, call):
    qualify.set_pending(desk, call, reason="caller away", now=at(2))
    with pytest.raises(RuleRefused, match="resume"):
        treatment.treat(desk, call, now=at(3), diagnosis="x")
