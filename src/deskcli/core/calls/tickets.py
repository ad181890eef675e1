"""Tickets: opening a call, finding and listing tickets. History is appended, never rewritten."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

from deskcli.core.calls import contracts as contracts_module
from deskcli.core.base.clock import from_iso, local_date, to_iso
from deskcli.core.base.clock import now as clock_now
from deskcli.core.store.repository import Changes, Desk
from deskcli.core.base.errors import InvalidInput, NotFound
from deskcli.core.base.names import name_key
from deskcli.core.model.timeline import history_entry
from deskcli.core.model.workflow import CLOSED_STATUSES, initial_status, next_status
from deskcli.i18n import fact, say, say_n

CHANNELS = ("phone", "email", "chat", "web", "walk-in")
# A call answered live is taken in charge by the technician who opens it; a ticket
# that arrives in writing waits in the queue for its first treatment.
LIVE_CHANNELS = ("phone", "chat", "walk-in")
MAX_TEXT = 20_000


@dataclass
class CallFacts:
    """What the technician learnt during the call checklist (procedure §1)."""

    caller: str
    summary: str
    org: str | None = None
    org_kind: str | None = None
    role: str | None = None
    contact: str | None = None
    channel: str = "phone"
    contract: str | None = None
    device: str | None = None
    os: str | None = None
    network: str | None = None
    software: str | None = None
    description: str | None = None
    reformulation: str | None = None
    reformulation_confirmed: bool | None = None
    billable: bool = False
    purchase_order: str | None = None
    started_at: datetime | None = None
    checklist: list[dict] = field(default_factory=list)
    identification_seconds: float | None = None


class FieldError(InvalidInput):
    """A bad value of one fact; `field` names it (caller, summary, ...)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def option_label(field_name: str) -> str:
    """A fact as the person who typed it names it (on the command line, its option)."""
    return fact(field_name)


def _clean(value: str | None, field_name: str, label, required: bool = False) -> str | None:
    option = label(field_name)
    if value is None:
        if required:
            raise FieldError(field_name, say("{option} is required", option=option))
        return None
    if not isinstance(value, str):
        raise FieldError(field_name, say("{option}: expected a text, got {value!r}",
                                         option=option, value=value))
    text = value.strip()
    if "\x00" in text:
        raise FieldError(field_name, say("{option}: the text holds a NUL character", option=option))
    if len(text) > MAX_TEXT:
        raise FieldError(field_name, say_n("{option}: the text is longer than {count} character",
                                           "{option}: the text is longer than {count} characters",
                                           MAX_TEXT, option=option, count=MAX_TEXT))
    if required and not text:
        raise FieldError(field_name, say("{option} is empty", option=option))
    return text or None


TEXT_FIELDS = ("org", "role", "contact", "contract", "device", "os", "network", "software",
               "description", "reformulation", "purchase_order")


def validate(facts: CallFacts, label=option_label) -> CallFacts:
    """The same facts, trimmed, with every value checked; a bad value raises FieldError,
    worded with `label(field)` (the option by default, the field's name for piped records)."""
    texts = {name: _clean(getattr(facts, name), name, label) for name in TEXT_FIELDS}
    cleaned = CallFacts(
        caller=_clean(facts.caller, "caller", label, required=True),
        summary=_clean(facts.summary, "summary", label, required=True),
        org_kind=facts.org_kind,
        channel=facts.channel,
        reformulation_confirmed=facts.reformulation_confirmed,
        billable=bool(facts.billable),
        started_at=facts.started_at,
        checklist=list(facts.checklist),
        identification_seconds=facts.identification_seconds,
        **texts,
    )
    from deskcli.core.calls.choices import pick

    for name in ("channel", "org_kind"):
        value = getattr(cleaned, name) or ("phone" if name == "channel" else None)
        if value is None:
            continue
        try:
            setattr(cleaned, name, pick(name, value, label(name)))
        except InvalidInput as exc:
            raise FieldError(name, exc.args[0]) from None
    return cleaned


def open_ticket(desk: Desk, facts: CallFacts, now: datetime) -> dict:
    """Record a call: who, what, with which equipment, and whether it is admissible.

    A call that is not admissible is still recorded, with the caller's contact, the
    nature of the incident and what the caller was told: nothing said is lost.
    """
    facts = validate(facts)
    with desk.repo.writing() as store:
        return record_call(desk, store, facts, now)


def record_call(desk: Desk, store: Changes, facts: CallFacts, now: datetime,
                history: list[dict] = ()) -> dict:
    """Open a ticket for validated facts inside a change already under way (one call of a
    piped batch, or `open_ticket`'s only one); `history` is added after the opening."""
    started = facts.started_at or now
    known = contracts_module.find_organisation(store, facts.org) if facts.org else None
    if facts.org:
        org_name = facts.org
        org_kind = facts.org_kind or (known["kind"] if known else "company")
    else:
        # A caller with no organisation is a private individual (procedure §1).
        org_name, org_kind = facts.caller, facts.org_kind or "individual"
    org = contracts_module.ensure_organisation(store, org_name, org_kind, now)
    caller = {"name": facts.caller, "role": facts.role, "contact": facts.contact}
    contracts_module.remember_caller(store, org, {**caller, "channel": facts.channel, "equipment": {
        "device": facts.device, "os": facts.os, "network": facts.network, "software": facts.software}})
    verdict = contracts_module.assess_admissibility(
        store.records(contracts_module.CONTRACTS),
        organisation=org["name"],
        contract_number=facts.contract,
        call_date=local_date(started),
        require_contract=desk.settings["desk"]["require_contract"],
        billable=facts.billable,
        purchase_order=facts.purchase_order,
        company=desk.settings["desk"]["company"],
        # Only a call someone answered (not piped in, not e-mailed) has a caller who was told.
        told=not history and facts.channel in LIVE_CHANNELS,
    )
    live = facts.channel in LIVE_CHANNELS
    opening = [history_entry("opened", started, desk.technician, channel=facts.channel)]
    if live:
        opening.append(history_entry("taken_in_charge", started, desk.technician))
    opening += [dict(step, by=step.get("by", desk.technician)) for step in facts.checklist]
    if facts.identification_seconds is not None:
        limit = desk.settings["desk"]["identification_minutes"] * 60
        opening.append(
            history_entry(
                "identification_timed",
                now,
                desk.technician,
                seconds=round(facts.identification_seconds),
                over_limit=facts.identification_seconds > limit,
            )
        )
    opening.append(history_entry("admissibility", now, desk.technician, **verdict))
    ticket = {
        "id": None,
        "status": initial_status(verdict["admissible"]),
        "type": None,
        "priority": None,
        "level": 1,
        "opener": desk.technician,
        "assignee": desk.technician if live else None,
        "channel": facts.channel,
        "caller": caller,
        "organisation": {"name": org["name"], "kind": org["kind"]},
        "contract": verdict.get("contract") or facts.contract,
        "admissibility": verdict,
        "equipment": {
            "device": facts.device,
            "os": facts.os,
            "network": facts.network,
            "software": facts.software,
        },
        "summary": facts.summary,
        "description": facts.description,
        "reformulation": facts.reformulation,
        "reformulation_confirmed": facts.reformulation_confirmed,
        "opened_at": to_iso(started),
        "taken_in_charge_at": to_iso(started) if live else None,
        "resolved_at": None,
        "history": opening + list(history),
    }
    store.insert_ticket(ticket)
    tell(desk, store, ticket, ticket["history"])
    return ticket


def tell(desk: Desk, store: Changes, ticket: dict, events: list[dict]) -> None:
    """Messages, notifications and hooks the new events call for (core/calls/conversation.py)."""
    if events:
        from deskcli.core.calls import conversation

        conversation.changed(desk, store, ticket, events, from_iso(events[-1]["at"]))


def _moment_problem(value) -> str | None:
    try:
        from_iso(value)
    except (ValueError, TypeError, AttributeError):
        return say("{value!r} is not an ISO 8601 time", value=value)
    return None


def shape_problems(ticket) -> list[tuple[str, str]]:
    """Every (field, reason) that keeps a stored ticket from being served by the commands:
    what `deskcli doctor` reports and what an imported ticket must pass."""
    from deskcli.core.model.workflow import STATUSES

    if not isinstance(ticket, dict):
        return [("ticket", say("a ticket is a JSON object"))]
    found = []
    from deskcli.core.store.repository import FIRST_NUMBER, LAST_NUMBER, number_in_range

    number = ticket.get("id")
    if not number_in_range(number):
        found.append(("id", say("id: {value!r} is not a ticket number (from {first} to {last})",
                                value=number, first=FIRST_NUMBER, last=LAST_NUMBER)))
    for index, request in enumerate(ticket.get("interventions") or []):
        if isinstance(request, dict) and "number" in request and not number_in_range(request["number"]):
            found.append((f"interventions[{index}].number", say(
                "interventions[{index}].number: {value!r} is not a number from {first} to {last}",
                index=index, value=request["number"], first=FIRST_NUMBER, last=LAST_NUMBER)))
    if ticket.get("status") not in STATUSES:
        found.append(("status", say("status: {value!r} is not one of {choices}",
                                    value=ticket.get("status"), choices=", ".join(STATUSES))))
    priority = ticket.get("priority")
    if priority is not None and (priority not in (1, 2, 3, 4) or isinstance(priority, bool)):
        found.append(("priority", say("priority: {value!r} is not a priority from 1 to 4",
                                      value=priority)))
    for name in ("caller", "organisation"):
        value = ticket.get(name)
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            found.append((name, say("{field}: an object with a name is expected", field=name)))
    for name in ("summary", "opener"):
        if not isinstance(ticket.get(name), str):
            found.append((name, say("{field}: a text is expected, found {value!r}",
                                    field=name, value=ticket.get(name))))
    if (problem := _moment_problem(ticket.get("opened_at"))) is not None:
        found.append(("opened_at", say("{field}: {problem}", field="opened_at", problem=problem)))
    history = ticket.get("history")
    if not isinstance(history, list):
        found.append(("history", say("history: a list of events is expected")))
        return found
    for index, entry in enumerate(history):
        # The usual event, sound, passes in one test; any other gets every check below.
        if isinstance(entry, dict) and isinstance(entry.get("event"), str) \
                and isinstance(entry.get("by"), str) and isinstance(at := entry.get("at"), str):
            try:
                datetime.fromisoformat(at.replace("Z", "+00:00"))
                continue
            except ValueError:
                pass
        where = f"history[{index}]"
        if not isinstance(entry, dict):
            found.append((where, say("{field}: an event object is expected", field=where)))
            continue
        if (problem := _moment_problem(entry.get("at"))) is not None:
            found.append((f"{where}.at", say("{field}: {problem}", field=f"{where}.at",
                                             problem=problem)))
        for key in ("event", "by"):
            if not isinstance(entry.get(key), str):
                found.append((f"{where}.{key}", say("{field}: a text is expected",
                                                    field=f"{where}.{key}")))
    return found


def _check_number(ticket_id: int) -> None:
    from deskcli.core.store.repository import LAST_NUMBER, number_in_range

    if not number_in_range(ticket_id):
        raise InvalidInput(say("ticket number {value!r} is not a whole number from 1 to {last}",
                               value=ticket_id, last=LAST_NUMBER))


def _not_found(desk: Desk, ticket_id: int) -> NotFound:
    return NotFound(say("no ticket #{number} in {path}; `deskcli list {all_field}` shows them",
                        number=ticket_id, path=str(desk.home), all_field=fact("all")))


def get_ticket(desk: Desk, ticket_id: int) -> dict:
    _check_number(ticket_id)
    ticket = desk.repo.find_ticket(ticket_id)
    if ticket is None:
        raise _not_found(desk, ticket_id)
    return ticket


@contextmanager
def changing(desk: Desk, ticket_id: int, action: str) -> Iterator[tuple[Changes, dict]]:
    """An active ticket, locked for one change; saved when the block ends without error.

    The workflow is asked first, so a step the ticket's status forbids is refused
    before anything is touched.
    """
    _check_number(ticket_id)
    with desk.repo.writing() as store:
        ticket = store.get_ticket(ticket_id)
        if ticket is None:
            archived = desk.repo.find_ticket(ticket_id)
            if archived is None:
                raise _not_found(desk, ticket_id)
            ticket = archived
        ticket["status"] = next_status(ticket, action)
        before = len(ticket["history"])
        yield store, ticket
        tell(desk, store, ticket, ticket["history"][before:])
        store.update_ticket(ticket)


def held(desk: Desk, store: Changes, ticket_id: int):
    """A ticket to annotate (a consultation, a problem) wherever it is, active or archived.

    Its status is left alone; save it with `holder.update_ticket(ticket)`.
    """
    _check_number(ticket_id)
    ticket = store.get_ticket(ticket_id)
    if ticket is not None:
        return store, ticket
    archive = store.archived()
    ticket = archive.get_ticket(ticket_id)
    if ticket is None:
        raise _not_found(desk, ticket_id)
    return archive, ticket


SCOPES = ("active", "closed", "all")
SORTS = ("priority", "newest", "oldest")


def list_tickets(
    desk: Desk,
    *,
    scope: str = "active",
    status: str | None = None,
    org: str | None = None,
    opener: str | None = None,
    assignee: str | None = None,
    priority: int | None = None,
    breached: bool = False,
    at_risk: bool = False,
    sort: str = "priority",
    now: datetime | None = None,
) -> list[dict]:
    """Tickets with their SLA view (key `sla`), filtered and sorted.

    The default order puts the most urgent first: priority, then the nearest deadline.
    """
    from deskcli.core.calls import sla

    scope = contracts_module.check_choice(scope, SCOPES, "scope")
    from deskcli.core.calls.choices import pick

    sort = pick("sort", sort, fact("sort"))
    if priority is not None and priority not in sla.PRIORITIES:
        raise InvalidInput(say("{priority_field}: {value} is not a priority from 1 to 4", value=priority,
                               priority_field=fact("priority")),
                           value=priority, limit=(1, 4))
    now = now or clock_now()

    def read() -> list[dict]:
        found: list[dict] = []
        with desk.repo.reading() as store:
            if scope in ("active", "all"):
                found += store.tickets()
            if scope in ("closed", "all"):
                found += desk.repo.archived_tickets()
        return found

    # One state of both: a ticket a close or a reopen is moving is seen once.
    found = desk.repo.consistent(read)
    if scope == "active":
        found = [t for t in found if t["status"] not in CLOSED_STATUSES]
    if status:
        status = pick("status", status, fact("status"))
        found = [t for t in found if t["status"] == status]
    if org:
        found = [t for t in found if name_key(t["organisation"]["name"]) == name_key(org)]
    if opener:
        found = [t for t in found if name_key(t["opener"]) == name_key(opener)]
    if assignee:
        found = [t for t in found if name_key(t.get("assignee") or "") == name_key(assignee)]
    if priority is not None:
        found = [t for t in found if t.get("priority") == priority]
    found = [sla.with_view(t, desk.settings, now) for t in found]
    if breached or at_risk:
        wanted = ({"breached", "missed"} if breached else set()) | ({"at_risk"} if at_risk else set())
        found = [t for t in found if t["sla"] and wanted & {c["state"] for c in t["sla"]["clocks"]}]
    if sort == "priority":
        found.sort(key=lambda t: (t.get("priority") or 99,
                                  (t["sla"] or {}).get("next_deadline") or "~",
                                  t["opened_at"], t["id"]))
    else:
        found.sort(key=lambda t: (t["opened_at"], t["id"]), reverse=(sort == "newest"))
    return found


def record_abandoned(desk: Desk, *, at: datetime, now: datetime, caller: str | None = None,
                     contact: str | None = None, org: str | None = None,
                     waited_seconds: float | None = None, channel: str = "phone",
                     note: str | None = None) -> dict:
    """A caller who hung up while waiting ("raccroché", seed 001 §4.3.2).

    It is counted in the indicators and kept apart from the tickets: it is not a call
    anyone has to treat, so it never enters the backlog.
    """
    from deskcli.core.calls.choices import pick

    if at > now:
        raise InvalidInput(say("{at_field} is in the future: record a call once the caller has "
                               "hung up",
                               at_field=fact("at")))
    if waited_seconds is not None and not 0 <= waited_seconds <= 24 * 3600:
        raise InvalidInput(say("{waited_field}: {seconds} s is not between 0 and one day",
                               seconds=f"{waited_seconds:g}",
                               waited_field=fact("waited")), value=waited_seconds, limit=(0, 86400))
    record = {
        "at": to_iso(at),
        "channel": pick("channel", channel or "phone", fact("channel")),
        "caller": _clean(caller, "caller", option_label),
        "contact": _clean(contact, "contact", option_label),
        "organisation": _clean(org, "org", option_label),
        "waited_seconds": round(waited_seconds) if waited_seconds is not None else None,
        "note": _clean(note, "note", option_label),
        "recorded_by": desk.technician,
        "recorded_at": to_iso(now),
    }
    with desk.repo.writing() as store:
        record["id"] = store.next_number("abandoned")
        store.archived().add_abandoned(record)
    return record
