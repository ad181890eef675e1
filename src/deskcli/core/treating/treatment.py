"""Treating a call (procedure §3, §5, §6): each step is one function, checked, recorded, notified."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from deskcli.core.calls import contracts as contracts_module
from deskcli.core.calls import choices, notices, sla
from deskcli.core.knowledge import kb
from deskcli.core.base.clock import from_iso, to_iso
from deskcli.core.store.repository import Changes, Desk
from deskcli.core.base.errors import InvalidInput, NotFound, RuleRefused
from deskcli.core.base.names import name_key, required_text
from deskcli.core.calls.tickets import changing, history_entry, tell
from deskcli.core.model.workflow import next_status
from deskcli.i18n import Join, fact, say

ESCALATION_KINDS = ("functional", "hierarchical")
MAX_MINUTES = 24 * 60


def problems(settings: dict) -> list[tuple[str, str]]:
    """What is wrong in the [treatment] and [groups] settings, as (key, expected)."""
    found = []
    highest = settings["treatment"]["highest_level"]
    if not 2 <= highest <= 9:
        found.append(("treatment.highest_level", say("a level from 2 to 9")))
    if settings["treatment"]["level1_minutes"] <= 0:
        found.append(("treatment.level1_minutes", say("a number of minutes above 0")))
    for group, level in groups(settings).items():
        if isinstance(level, bool) or not isinstance(level, int) or not 2 <= level <= highest:
            found.append((f"groups.{group}", say("a support level from 2 to {highest}",
                                                 highest=highest)))
    return found


def groups(settings: dict) -> dict[str, int]:
    return {k: v for k, v in settings["groups"].items() if k != "_open"}



def _take_charge(ticket: dict, desk: Desk, now: datetime) -> None:
    """The first act on a waiting ticket stops its take-charge clock."""
    if not ticket.get("taken_in_charge_at"):
        ticket["taken_in_charge_at"] = to_iso(now)
        ticket["history"].append(history_entry("taken_in_charge", now, desk.technician))
    if not ticket.get("assignee") and not ticket.get("group"):
        ticket["assignee"] = desk.technician


def _freeze_clocks(ticket: dict, desk: Desk, now: datetime) -> None:
    ticket["history"] += sla.stop_events(ticket, desk.settings, now, desk.technician)


def _add_minutes(ticket: dict, minutes: float) -> None:
    ticket["time_spent_minutes"] = round(ticket.get("time_spent_minutes", 0) + minutes, 2)


def level1_minutes(ticket: dict) -> float:
    """Treatment time spent while the call was at level 1."""
    return sum(e.get("minutes", 0) for e in ticket["history"]
               if e["event"] == "treatment" and e.get("level", 1) == 1)


def check_minutes(minutes: float | None) -> float | None:
    if minutes is None:
        return None
    if not 0 <= minutes <= MAX_MINUTES:
        raise InvalidInput(say("{minutes_field}: {value} is not between 0 and {maximum}",
                               value=f"{minutes:g}", maximum=MAX_MINUTES,
                               minutes_field=fact("minutes")),
                               value=minutes, limit=(0, MAX_MINUTES))
    return float(minutes)


def treat(desk: Desk, ticket_id: int, *, now: datetime, diagnosis: str | None = None,
          actions: list[str] = (), minutes: float | None = None, solution: str | None = None,
          definitive: bool | None = None) -> dict:
    """Record what the technician found and did, and a solution when there is one.

    A definitive solution makes the call solved (its opener then closes it); a temporary
    one (a loan, a workaround) is recorded and the call stays open (procedure §5).
    """
    minutes = check_minutes(minutes)
    diagnosis = required_text(diagnosis, fact("diagnosis")) if diagnosis is not None else None
    actions = [required_text(a, fact("action")) for a in actions]
    if solution is not None:
        solution = required_text(solution, fact("solution"))
        if definitive is None:
            raise InvalidInput(say("{solution_field} needs {definitive_field} or "
                                   "{temporary_field}: a loaned device or a workaround is "
                                   "temporary, a repair or replacement definitive",
                                   solution_field=fact("solution"),
                                   definitive_field=fact("definitive"),
                                   temporary_field=fact("temporary")))
    elif definitive is not None:
        raise InvalidInput(say("{definitive_field} and {temporary_field} qualify a "
                               "{solution_field}: give one",
                               definitive_field=fact("definitive"),
                               temporary_field=fact("temporary"), solution_field=fact("solution")))
    if diagnosis is None and not actions and solution is None and minutes is None:
        raise InvalidInput(say("nothing to record: give {diagnosis_field}, {action_field}, "
                               "{minutes_field} or {solution_field}",
                               diagnosis_field=fact("diagnosis"), action_field=fact("action"),
                               minutes_field=fact("minutes"), solution_field=fact("solution")))
    with changing(desk, ticket_id, "treat") as (store, ticket):
        _take_charge(ticket, desk, now)
        level = ticket["level"]
        if diagnosis is not None or actions or minutes is not None:
            ticket["history"].append(history_entry(
                "treatment", now, desk.technician, level=level, diagnosis=diagnosis,
                actions=actions or None, minutes=minutes))
        if diagnosis is not None:
            ticket["diagnosis"] = diagnosis
        if minutes:
            _add_minutes(ticket, minutes)
        if solution is not None and definitive:
            # Whether the base knew the answer is recorded with the solution: when it did
            # not, the solved call is what its next article should be written from.
            kb.consult(desk, store, ticket, now)
        if solution is not None:
            ticket["solution"] = {"text": solution, "definitive": definitive, "at": to_iso(now),
                                  "by": desk.technician}
            ticket["history"].append(history_entry(
                "solution", now, desk.technician, text=solution,
                kind="definitive" if definitive else "temporary"))
            if definitive:
                ticket["status"] = next_status(ticket, "solve")
                ticket["resolved_at"] = to_iso(now)
                notices.leave(store, ticket, to=ticket["opener"], by=desk.technician, now=now,
                              text=say("#{number} solved by {name}: close it with the caller",
                                       number=ticket["id"], name=desk.technician))
        _freeze_clocks(ticket, desk, now)
    return ticket


def defer(desk: Desk, ticket_id: int, *, to: str, now: datetime) -> dict:
    """Deferred treatment: another technician takes the call and will call the caller back."""
    to = required_text(to, fact("to"))
    with changing(desk, ticket_id, "defer") as (store, ticket):
        if not ticket.get("taken_in_charge_at"):
            ticket["taken_in_charge_at"] = to_iso(now)
            ticket["history"].append(history_entry("taken_in_charge", now, desk.technician))
        previous = ticket.get("assignee")
        ticket.update(assignee=to, callback=True)
        ticket["history"].append(history_entry(
            "deferred", now, desk.technician, to=to, previous=previous,
            note="the caller is to be called back"))
        text = say("#{number} deferred to {to} by {name}: call the caller back",
                   number=ticket["id"], to=to, name=desk.technician)
        notices.leave(store, ticket, to=to, by=desk.technician, now=now, text=text)
        notices.leave(store, ticket, to=ticket["opener"], by=desk.technician, now=now, text=text)
        _freeze_clocks(ticket, desk, now)
    return ticket


def transfer(desk: Desk, ticket_id: int, *, group: str, reason: str, now: datetime) -> dict:
    """Hand the call to a specialist group: the problem exceeds level-1 skills.

    Only a qualified call goes, after the knowledge base was consulted for it (seed 000 §6):
    the transfer runs that consultation itself on the ticket's text and records it.
    """
    reason = required_text(reason, fact("reason"))
    known = groups(desk.settings)
    match = next((g for g in known if name_key(g) == name_key(group or "")), None)
    if match is None and choices.lookup("group", group) in known:
        match = choices.lookup("group", group)  # réseau: the French name of a shipped group
    if match is None:
        raise InvalidInput(say("{to_field}: {value!r} is not a group of this desk; groups: "
                               "{groups} (set them under [groups] in settings.toml)", value=group,
                               groups=Join([choices.group_term(g) for g in sorted(known)]),
                               to_field=fact("to")))
    with changing(desk, ticket_id, "transfer") as (store, ticket):
        if not ticket.get("qualification"):
            raise RuleRefused(say(
                "a call is transferred only once qualified: qualify #{number} first with `deskcli "
                "qualify {number} {type_field} ... {impact_field} ... {urgency_field} ...`",
                number=ticket_id,
                type_field=fact("type"), impact_field=fact("impact"),
                urgency_field=fact("urgency")))
        kb.consult(desk, store, ticket, now)
        _take_charge(ticket, desk, now)
        level = max(ticket["level"], known[match])
        ticket["history"].append(history_entry(
            "transferred", now, desk.technician, to=match, level=level,
            previous_level=ticket["level"], reason=reason))
        ticket.update(group=match, level=level, assignee=None)
        notices.leave(store, ticket, to=ticket["opener"], by=desk.technician, now=now,
                      text=say("#{number} transferred to {group} (level {level}) by {name}: {reason}",
                               number=ticket["id"], group=choices.group_term(match), level=level,
                               name=desk.technician, reason=reason))
        _freeze_clocks(ticket, desk, now)
    return ticket


def escalate(desk: Desk, ticket_id: int, *, reason: str, kind: str = "functional",
             now: datetime) -> dict:
    """Raise the call one level: it should have been solved here and was not, in time."""
    reason = required_text(reason, fact("reason"))
    from deskcli.core.calls.choices import pick

    kind = pick("escalation", kind, fact("kind"))
    highest = desk.settings["treatment"]["highest_level"]
    budget = desk.settings["treatment"]["level1_minutes"]
    with changing(desk, ticket_id, "escalate") as (store, ticket):
        if ticket["level"] >= highest:
            raise RuleRefused(say(
                "#{number} is at level {level}, the highest of this desk "
                "(treatment.highest_level in settings.toml): it cannot be escalated further",
                number=ticket_id, level=ticket["level"]))
        spent = level1_minutes(ticket)
        if not ticket.get("taken_in_charge_at"):
            ticket["taken_in_charge_at"] = to_iso(now)
            ticket["history"].append(history_entry("taken_in_charge", now, desk.technician))
        level = ticket["level"] + 1
        ticket["history"].append(history_entry(
            "escalated", now, desk.technician, kind=kind, level=level,
            previous_level=ticket["level"], reason=reason,
            level1_minutes=round(spent, 2), budget_exceeded=spent > budget))
        ticket.update(level=level, assignee=None)
        notices.leave(store, ticket, to=ticket["opener"], by=desk.technician, now=now,
                      text=say("#{number} escalated to level {level} ({kind}) by {name}: {reason}",
                               number=ticket["id"], level=level, kind=kind,
                               name=desk.technician, reason=reason))
        _freeze_clocks(ticket, desk, now)
    return ticket


def parse_amount(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise InvalidInput(say("{amount_field}: {value!r} is not an amount such as 150 or 89.90",
                               value=text, amount_field=fact("amount"))) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(say("{amount_field}: {value!r} is not an amount of zero or more", value=text,
                               amount_field=fact("amount")), value=text, limit=(0, None))
    return str(amount.quantize(Decimal("0.01")))


def request_intervention(desk: Desk, ticket_id: int, *, nature: str, now: datetime,
                         equipment: str | None = None, amount: str | None = None,
                         deadline: datetime | None = None) -> dict:
    """An on-site intervention request, for an evident hardware fault with a precise diagnosis."""
    nature = required_text(nature, fact("nature"))
    amount = parse_amount(amount)
    with changing(desk, ticket_id, "intervene") as (store, ticket):
        if not ticket.get("diagnosis"):
            raise RuleRefused(say(
                "an on-site intervention needs a precise diagnosis, and #{number} has none: "
                "record it with `deskcli treat {number} {diagnosis_field} TEXT`, or transfer the "
                "call to level 2 instead", number=ticket_id,
                diagnosis_field=fact("diagnosis")))
        if deadline is not None and deadline <= now:
            raise InvalidInput(say("{deadline_field}: the deadline is already past",
                                   deadline_field=fact("deadline")))
        covered = ticket["admissibility"].get("basis") in ("contract", "warranty", "internal")
        number = store.next_number("intervention")
        equipment_text = equipment or ticket["equipment"].get("device")
        request = {
            "number": number,
            "requested_at": to_iso(now),
            "requested_by": desk.technician,
            "caller": ticket["caller"],
            "organisation": ticket["organisation"],
            "contract": ticket.get("contract"),
            "covered": covered,
            "amount": None if covered else amount,
            "equipment": equipment_text,
            "incident": ticket.get("description") or ticket["summary"],
            "diagnosis": ticket["diagnosis"],
            "nature": nature,
            "deadline": to_iso(deadline) if deadline else None,
            "report": None,
        }
        ticket.setdefault("interventions", []).append(request)
        _take_charge(ticket, desk, now)
        ticket["history"].append(history_entry(
            "intervention_requested", now, desk.technician, number=number, nature=nature,
            equipment=equipment_text, amount=request["amount"], deadline=request["deadline"]))
        notices.leave(store, ticket, to=ticket["opener"], by=desk.technician, now=now,
                      text=say("#{ticket} on-site intervention {number} requested by {name}: {nature}",
                               ticket=ticket["id"], number=number, name=desk.technician,
                               nature=nature))
        _freeze_clocks(ticket, desk, now)
    warnings = []
    if amount is not None and covered:
        warnings.append(say("the call is covered by its contract or warranty: no amount is charged"))
    if not covered and amount is None:
        warnings.append(say("the call is not covered by a contract: give {amount_field} for the billed "
                            "intervention", amount_field=fact("amount")))
    return dict(ticket, _warnings=warnings) if warnings else ticket


def report_intervention(desk: Desk, ticket_id: int, *, number: int, start: datetime,
                        end: datetime, done: str, outcome: str, now: datetime,
                        parts: list[str] = (), signed_by: str | None = None,
                        signer_function: str | None = None) -> dict:
    """The report of an intervention, written by whoever did it, signed by the user."""
    done = required_text(done, fact("done"))
    outcome = required_text(outcome, fact("outcome"))
    parts = [required_text(p, fact("part")) for p in parts]
    if end <= start:
        raise InvalidInput(say("{end_field} must come after {start_field}",
                               end_field=fact("end"), start_field=fact("start")))
    if end > now:
        raise InvalidInput(say("{end_field} is in the future: a report is written after the "
                               "intervention",
                               end_field=fact("end")))
    if bool(signed_by) != bool(signer_function):
        raise InvalidInput(say("{signed_by_field} and {signer_function_field} go together: the "
                               "user signs with name and function",
                               signed_by_field=fact("signed_by"),
                               signer_function_field=fact("signer_function")))
    with changing(desk, ticket_id, "report") as (store, ticket):
        request = next((i for i in ticket.get("interventions", []) if i["number"] == number), None)
        if request is None:
            raise NotFound(say("#{ticket} has no intervention {number}; `deskcli show {ticket}` "
                               "lists its interventions", ticket=ticket_id, number=number))
        if request["report"] is not None:
            raise RuleRefused(say("the report of intervention {number} is already written by "
                                  "{name}; a report is not rewritten", number=number,
                                  name=request["report"]["technician"]))
        if start < from_iso(request["requested_at"]):
            raise InvalidInput(say("{start_field} is before the intervention was requested",
                                   start_field=fact("start")))
        minutes = round((end - start).total_seconds() / 60, 2)
        signer = None
        if signed_by:
            # An internal desk has no contracts, so no list of who may sign: None, neither
            # authorised nor refused.
            authorised = (None if not ticket.get("contract")
                          and not desk.settings["desk"]["require_contract"]
                          else _authorised(store, ticket, signed_by.strip()))
            signer = {"name": signed_by.strip(), "function": signer_function.strip(),
                      "commits_customer": authorised}
        request["report"] = {
            "technician": desk.technician,
            "written_at": to_iso(now),
            "start": to_iso(start),
            "end": to_iso(end),
            "minutes": minutes,
            "parts": parts,
            "done": done,
            "outcome": outcome,
            "signer": signer,
        }
        _add_minutes(ticket, minutes)
        ticket["history"].append(history_entry(
            "intervention_report", now, desk.technician, number=number, minutes=minutes,
            done=done, outcome=outcome, parts=parts or None,
            signed_by=signer["name"] if signer else None,
            commits_customer=signer["commits_customer"] if signer else None))
        notices.leave(store, ticket, to=ticket["opener"], by=desk.technician, now=now,
                      text=say("#{ticket} intervention {number} done by {name}: {outcome}",
                               ticket=ticket["id"], number=number, name=desk.technician,
                               outcome=outcome))
    return ticket


def _authorised(store: Changes, ticket: dict, name: str) -> bool:
    """Whether the signer is among the contract's authorised signatories."""
    number = ticket.get("contract")
    if not number:
        return False
    for contract in store.records(contracts_module.CONTRACTS):
        if name_key(contract["number"]) == name_key(number):
            return any(name_key(s["name"]) == name_key(name) for s in contract["signers"])
    return False


def close(desk: Desk, ticket_id: int, *, now: datetime, note: str | None = None) -> dict:
    """Close a call: only with a definitive solution, and only by the technician who opened it."""
    with desk.repo.writing() as store:
        ticket = store.get_ticket(ticket_id)
        if ticket is None:
            archived = desk.repo.find_ticket(ticket_id)
            if archived is None:
                raise NotFound(say("no ticket #{number} in {path}", number=ticket_id,
                                   path=str(desk.home)))
            ticket = archived
        if ticket["status"] in ("open", "pending"):
            solution = ticket.get("solution")
            if solution and not solution["definitive"]:
                raise RuleRefused(say(
                    "#{number} has only a temporary solution ({solution}): a loan or a workaround "
                    "keeps the call open; record the definitive one with "
                    "`deskcli treat {number} {solution_field} TEXT {definitive_field}`",
                    number=ticket_id, solution=solution["text"],
                    solution_field=fact("solution"), definitive_field=fact("definitive")))
            raise RuleRefused(say(
                "a call closes only with a definitive solution, and #{number} has none: `deskcli "
                "treat {number} {solution_field} TEXT {definitive_field}` records it",
                number=ticket_id,
                solution_field=fact("solution"), definitive_field=fact("definitive")))
        status = next_status(ticket, "close")
        if name_key(ticket["opener"]) != name_key(desk.technician):
            raise RuleRefused(say(
                "the technician who opened a call follows it to the end and closes it: "
                "#{number} was opened by {opener}, who must close it (you are "
                "{name})", number=ticket_id, opener=ticket["opener"], name=desk.technician))
        reason = note or (ticket["admissibility"].get("reason")
                          if ticket["status"] == "not_admissible" else None)
        from deskcli.core.calls import conversation

        answer = conversation.confirmation(ticket)
        asked = conversation.asked_to_confirm(ticket)
        ticket["history"].append(history_entry(
            "closed", now, desk.technician, previous_status=ticket["status"], reason=reason,
            caller_confirmed=(answer is not None) if asked else None,
            confirmation_at=answer["at"] if answer else None))
        ticket.update(status=status, closed_at=to_iso(now))
        before = len(ticket["history"]) - 1
        _freeze_clocks(ticket, desk, now)
        tell(desk, store, ticket, ticket["history"][before:])
        store.archive_ticket(ticket)
    return ticket


def reopen(desk: Desk, ticket_id: int, *, reason: str, now: datetime) -> dict:
    """Bring a closed or solved call back to work, keeping its whole history."""
    reason = required_text(reason, fact("reason"))
    with desk.repo.writing() as store:
        ticket = store.get_ticket(ticket_id)
        archived = ticket is None
        if archived:
            ticket = desk.repo.find_ticket(ticket_id)
            if ticket is None:
                raise NotFound(say("no ticket #{number} in {path}", number=ticket_id,
                                   path=str(desk.home)))
        ticket["status"] = next_status(ticket, "reopen")
        ticket["history"].append(history_entry(
            "reopened", now, desk.technician, reason=reason,
            previous_solution=(ticket.get("solution") or {}).get("text")))
        ticket.update(resolved_at=None, solution=None, closed_at=None)
        if archived:
            store.unarchive_ticket(ticket)
        else:
            store.update_ticket(ticket)
        notices.leave(store, ticket, to=ticket["opener"], by=desk.technician, now=now,
                      text=say("#{number} reopened by {name}: {reason}", number=ticket["id"],
                               name=desk.technician, reason=reason))
    return ticket
