"""How tickets and contracts look on a terminal."""

from __future__ import annotations

from datetime import timedelta

from deskcli import i18n
from deskcli.core.calls import choices
from deskcli.i18n import N_, _, from_record, shown, tr
from deskcli.ui import output
from deskcli.ui.output import when

# A ticket's statuses as the session reads them (English shows the machine value).
STATUS_NAMES = (N_("open"), N_("pending"), N_("solved"), N_("not_admissible"), N_("closed"))


def status_text(status: str) -> str:
    """The one way a ticket's status is written for a person: words, never `not_admissible`."""
    if status in STATUS_NAMES:
        text = tr(status)
        return text.replace("_", " ") if text == status else text
    return status.replace("_", " ")


# How a priority and a clock's state look on a colour terminal (each is also a word).
PRIORITY_STYLES = {1: "alarm", 2: "warning"}
STATE_STYLES = {"ok": "green", "met": "green", "at_risk": "warning", "breached": "alarm",
                "missed": "alarm", "paused": "dim"}


def priority_cell(priority) -> output.Styled:
    return output.Styled(priority or "-", PRIORITY_STYLES.get(priority))


def state_cell(state: str | None) -> output.Styled:
    if state not in STATE_LABELS:
        return output.Styled("-", None)
    return output.Styled(tr(STATE_LABELS[state]), STATE_STYLES.get(state))


def next_for(ticket: dict) -> str | None:
    """The command that comes next in a call's life, for the next-step line."""
    number, status = ticket["id"], ticket["status"]
    if status == "open" and not ticket.get("priority"):
        return f"deskcli qualify {number}"
    if status == "open":
        return f"deskcli treat {number}"
    if status == "pending":
        return f"deskcli resume {number}"
    if status == "solved":
        return f"deskcli close {number}"
    if status == "not_admissible":
        return f"deskcli close {number}"
    return None


def ticket_row(ticket: dict) -> list:
    view = ticket.get("sla") or {}
    return [
        f"#{ticket['id']}",
        when(ticket["opened_at"]),
        status_text(ticket["status"]),
        priority_cell(ticket.get("priority")),
        state_cell(view.get("worst")),
        when(view.get("next_deadline")) or "-",
        ticket["caller"]["name"],
        organisation_of(ticket) or "-",
        ticket["summary"],
        ticket.get("assignee") or "-",
    ]


TICKET_HEADERS = [N_("ID"), N_("Opened"), N_("Status"), N_("P"), N_("SLA"), N_("Next deadline"),
                  N_("Caller"), N_("Organisation"), N_("Summary"), N_("Assignee")]
# On a narrow screen the opening time goes first, then the assignee, the organisation and
# the deadline; the number, status, priority, clock, caller and summary always stay, the
# summary and the names cut with an ellipsis.
TICKET_KEEP = [0, 6, 0, 0, 0, 3, 0, 4, 0, 5]
TICKET_FLEXIBLE = {6: 10, 7: 10, 8: 16, 9: 8}


def ticket_table(tickets: list[dict]) -> None:
    output.table([ticket_row(t) for t in tickets], [tr(h) for h in TICKET_HEADERS],
                 keep=TICKET_KEEP, flexible=TICKET_FLEXIBLE)


def admissibility_text(verdict: dict, explanation: bool = False) -> str:
    """Why a call was (not) admissible, in the session's language; a ticket recorded by an
    older deskcli only has the English words."""
    key = "explanation" if explanation else "reason"
    kept = verdict.get(f"{key}_message")
    return shown(from_record(kept)) if kept else shown(verdict.get(key) or "")


def notice_text(notice: dict) -> str:
    kept = notice.get("message")
    return shown(from_record(kept)) if kept else notice["text"]


def describe(entry: dict) -> str:
    event = entry["event"]
    if event == "opened":
        return _("call opened ({channel})").format(
            channel=choices.label("channel", entry.get("channel", "")))
    if event == "checklist":
        step = tr(CHECKLIST_STEPS[entry.get("step")]) if entry.get("step") in CHECKLIST_STEPS \
            else entry.get("step", "")
        detail = entry.get("note")
        return _("checklist: {step}").format(step=step) + (f" - {detail}" if detail else "")
    if event == "identification_timed":
        text = (_("identification took {duration} (over the limit)")
                if entry.get("over_limit") else _("identification took {duration}"))
        return text.format(duration=i18n.seconds_text(entry.get("seconds", 0)))
    if event in ("qualified", "requalified"):
        from deskcli.core.calls.qualify import explain

        text = (_("qualified: {type}, {explanation}") if event == "qualified"
                else _("requalified: {type}, {explanation}"))
        explanation = shown(explain(entry)) if entry.get("impact") in choices.CHOICES["impact"] \
            else entry.get("explanation", "")
        text = text.format(type=choices.label("type", entry.get("type")), explanation=explanation)
        return text + (_(" - reason: {reason}").format(reason=entry["reason"]) if entry.get("reason") else "")
    if event == "sla_clock_stopped":
        from deskcli.core.calls.sla import CLOCK_LABELS

        clock = entry.get("clock")
        name = tr(CLOCK_LABELS[clock]) if clock in CLOCK_LABELS else clock
        text = (_("{clock} clock stopped: met (deadline {deadline})") if entry.get("met")
                else _("{clock} clock stopped: MISSED (deadline {deadline})"))
        return text.format(clock=name, deadline=when(entry.get("deadline")))
    if event == "pending":
        return _("waiting on the caller (clocks paused): {reason}").format(reason=entry.get("reason", ""))
    if event == "resumed":
        return _("resumed (clocks running again)")
    if event == "taken_in_charge":
        return _("taken in charge")
    if event == "treatment":
        parts = [_("level {level} treatment").format(level=entry.get("level", 1))]
        if entry.get("diagnosis"):
            parts.append(_("diagnosis: {text}").format(text=entry["diagnosis"]))
        parts += [_("action: {text}").format(text=a) for a in entry.get("actions", [])]
        if entry.get("minutes") is not None:
            parts.append(i18n.minutes_text(entry["minutes"]))
        return _("; ").join(parts)
    if event == "solution":
        text = (_("definitive solution: {text}") if entry.get("kind") == "definitive"
                else _("temporary solution: {text}"))
        return text.format(text=entry.get("text"))
    if event == "deferred":
        note = entry.get("note", "")
        if note == "the caller is to be called back":
            note = _("the caller is to be called back")
        return _("deferred to {name}: {note}").format(name=entry.get("to"), note=note)
    if event == "transferred":
        return _("transferred to {group} (level {previous} -> {level}): {reason}").format(
            group=shown(choices.group_term(entry.get("to") or "")), previous=entry.get("previous_level"),
            level=entry.get("level"),
            reason=entry.get("reason"))
    if event == "escalated":
        text = (_("{kind} escalation, level {previous} -> {level} (past the level-1 budget): {reason}")
                if entry.get("budget_exceeded") else
                _("{kind} escalation, level {previous} -> {level} (within the level-1 budget): {reason}"))
        return text.format(kind=choices.label("escalation", entry.get("kind")),
                           previous=entry.get("previous_level"), level=entry.get("level"),
                           reason=entry.get("reason"))
    if event == "kb_consulted":
        if entry.get("empty"):
            return _("knowledge base consulted: empty")
        found = ", ".join(f"KB-{m['id']} {m['title']}" for m in entry.get("matches", []))
        return _("knowledge base consulted: {found}").format(found=found or _("no similar incident"))
    if event in ("problem_opened", "problem_linked"):
        text = (_("requalified as problem PRB-{number}: {title}") if event == "problem_opened"
                else _("linked to problem PRB-{number}: {title}"))
        return text.format(number=entry.get("problem"), title=entry.get("title"))
    if event == "kb_article":
        return _("knowledge base article KB-{number} written: {title}").format(
            number=entry.get("article"), title=entry.get("title"))
    if event == "intervention_requested":
        return _("on-site intervention {number} requested: {nature}").format(
            number=entry.get("number"), nature=entry.get("nature"))
    if event == "intervention_report":
        signed = entry.get("signed_by")
        text = _("intervention {number} report: {done} -> {outcome} ({minutes})").format(
            number=entry.get("number"), done=entry.get("done"), outcome=entry.get("outcome"),
            minutes=i18n.minutes_text(entry.get("minutes") or 0))
        if not signed:
            return text + _(", not signed")
        if entry.get("commits_customer") is not False:
            return text + _(", signed by {name}").format(name=signed)
        return text + _(", signed by {name} (does not commit the customer)").format(name=signed)
    if event == "closed":
        return _("closed: {reason}").format(reason=entry["reason"]) if entry.get("reason") else _("closed")
    if event == "reopened":
        return _("reopened: {reason}").format(reason=entry.get("reason"))
    if event == "message":
        files = entry.get("attachments")
        return (_("e-mail from {sender}").format(sender=entry.get("sender"))
                + (f" <{entry['address']}>" if entry.get("address") else "")
                + (f": {entry['subject']}" if entry.get("subject") else "")
                + (_(" (attached: {files})").format(files=", ".join(files)) if files else ""))
    if event == "automatic_message":
        # A bounce or an auto-reply about this ticket: what happened to each recipient.
        delivery = "; ".join(
            " ".join(str(part) for part in (d.get("recipient"), d.get("action"), d.get("status"))
                     if part) + (f" ({d['diagnostic']})" if d.get("diagnostic") else "")
            for d in entry.get("delivery") or [])
        return (_("automatic message ({reason}) from {sender}").format(
                    reason=entry.get("reason"), sender=entry.get("address") or entry.get("sender"))
                + (f": {entry['subject']}" if entry.get("subject") else "")
                + (f" - {delivery}" if delivery else ""))
    if event == "piped_in":
        return _("piped in by a script")
    if event == "reply":
        return _("reply e-mailed to {to}: {subject}").format(to=entry.get("to"),
                                                           subject=entry.get("subject"))
    if event == "auto_message":
        kind = entry.get("kind")
        return _("automatic e-mail to {to}: {kind}").format(
            to=entry.get("to"), kind=tr(AUTO_MESSAGES[kind]) if kind in AUTO_MESSAGES else kind)
    if event == "sla_alert":
        from deskcli.core.calls.sla import CLOCK_LABELS

        text = (_("{clock} clock at risk (deadline {deadline})") if entry.get("state") == "at_risk"
                else _("{clock} clock breached (deadline {deadline})"))
        return text.format(clock=tr(CLOCK_LABELS.get(entry.get("clock"), "?")),
                           deadline=when(entry.get("deadline")))
    if event == "admissibility":
        text = _("admissible: {reason}") if entry.get("admissible") else _("NOT admissible: {reason}")
        return text.format(reason=admissibility_text(entry))
    rest = {k: v for k, v in entry.items() if k not in ("at", "by", "event")}
    details = ", ".join(f"{k}={v}" for k, v in rest.items())
    return f"{event.replace('_', ' ')}" + (f": {details}" if details else "")


# The desk's automatic messages, as the history names them (core/calls/conversation.py).
AUTO_MESSAGES = {
    "acknowledgement": N_("acknowledgement"), "qualification": N_("priority notice"),
    "resolution": N_("resolution notice, asking to confirm"),
    "team-new-call": N_("the team told of the new call"),
    "team-at-risk": N_("the team told of a clock at risk"),
    "team-breach": N_("the team told of a breached clock"),
}


# The checklist steps of `deskcli open`, as its history names them.
CHECKLIST_STEPS = {
    "greeting": N_("greeting"), "introduction": N_("introduction"),
    "caller_identified": N_("caller identified"), "equipment": N_("equipment"),
    "problem": N_("problem"), "kb_suggestions": N_("knowledge base suggestions"),
    "reformulation_confirmed": N_("reformulation confirmed"),
    "admissibility_checked": N_("admissibility checked"),
}


def _solution_text(solution: dict | None) -> str | None:
    if not solution:
        return None
    text = _("{text} (definitive)") if solution["definitive"] else _("{text} (temporary)")
    return text.format(text=solution["text"])


def amount_text(amount) -> str:
    """A stored amount (120.00) as the session writes money."""
    try:
        return i18n.number(float(amount), 2)
    except (TypeError, ValueError):
        return str(amount)


def intervention_detail(request: dict) -> None:
    output.data(_("Intervention {number}").format(number=request["number"]))
    report = request.get("report") or {}
    signer = report.get("signer")
    if signer:
        signed = _("{name} ({function})").format(name=signer["name"], function=signer["function"])
        if signer["commits_customer"] is False:
            signed += _(" - does not commit the customer")
    output.fields([
        ("  " + _("Requested"), _("{when} by {name}").format(
            when=when(request["requested_at"]), name=request["requested_by"])),
        ("  " + _("Nature"), request["nature"]),
        ("  " + _("Equipment"), request.get("equipment")),
        ("  " + _("Diagnosis"), request.get("diagnosis")),
        ("  " + _("Amount"), (amount_text(request["amount"]) if request.get("amount") else None)
         if not request.get("covered") else _("covered by the contract")),
        ("  " + _("Deadline"), when(request.get("deadline"))),
        ("  " + _("Report"), _("not written yet") if not report else
         _("{start} to {end} ({minutes}) by {name}").format(
             start=when(report["start"]), end=when(report["end"]),
             minutes=i18n.minutes_text(report["minutes"]), name=report["technician"])),
        ("  " + _("Done"), report.get("done")),
        ("  " + _("Parts"), ", ".join(report.get("parts", []))),
        ("  " + _("Outcome"), report.get("outcome")),
        ("  " + _("Signed by"), signed if signer else None),
    ])


def _priority_text(ticket: dict) -> str | None:
    qualification = ticket.get("qualification")
    if not qualification:
        return None
    from deskcli.core.calls.qualify import explain

    return f"{shown(explain(qualification))} [{choices.label('type', qualification['type'])}]"


def _problem_text(problem: dict | None) -> str | None:
    if not problem:
        return None
    text = (_("PRB-{number} {title} (known error, workaround in KB-{article})")
            if problem["status"] == "known_error" else _("PRB-{number} {title} (cause unknown)"))
    return text.format(number=problem["id"], title=problem["title"], article=problem.get("article"))


def organisation_of(ticket: dict) -> str | None:
    """The caller's organisation, None for a private individual (whose organisation is
    recorded under their own name)."""
    from deskcli.core.base.names import name_key

    organisation = (ticket.get("organisation") or {}).get("name")
    if not organisation or name_key(organisation) == name_key(ticket["caller"]["name"]):
        return None
    return organisation


def caller_text(ticket: dict) -> str:
    """Who called: "Leila Amrani (Pharmacie Centrale)", a private individual's name alone."""
    name = ticket["caller"]["name"]
    organisation = organisation_of(ticket)
    return f"{name} ({organisation})" if organisation else name


def ticket_detail(ticket: dict, problem: dict | None = None) -> None:
    caller = ticket["caller"]
    org = ticket["organisation"]
    equipment = ticket.get("equipment") or {}
    admissibility = ticket.get("admissibility") or {}
    reason = admissibility_text(admissibility)
    columns = output.width()
    output.data(output.wrap(_("Ticket #{number}  [{status}]  {summary}").format(
        number=ticket["id"], status=status_text(ticket["status"]),
        summary=output.safe_line(ticket["summary"])), columns and columns - 1, indent="  "))
    output.fields(
        [
            (_("Opened"), _("{when} by {name} ({channel})").format(
                when=when(ticket["opened_at"]), name=ticket["opener"],
                channel=choices.label("channel", ticket["channel"]))),
            (_("Assignee"), ticket.get("assignee") or (_("(group queue)") if ticket.get("group") else None)),
            (_("Group"), shown(choices.group_term(ticket["group"])) if ticket.get("group") else None),
            (_("Level"), ticket.get("level")),
            (_("Priority"), _priority_text(ticket)),
            (_("Caller"), caller["name"]),
            (_("Role"), caller.get("role")),
            (_("Contact"), caller.get("contact")),
            (_("Organisation"), f"{org['name']} ({choices.label('org_kind', org['kind'])})"
             if organisation_of(ticket) else choices.label("org_kind", org["kind"])),
            (_("Contract"), ticket.get("contract")),
            (_("Admissible"), (_("yes") if admissibility.get("admissible") else _("no"))
             + (f" - {reason}" if reason else "")),
            (_("Explained"), admissibility_text(admissibility, explanation=True) or None),
            (_("Device"), equipment.get("device")),
            (_("OS"), equipment.get("os")),
            (_("Network"), equipment.get("network")),
            (_("Software"), equipment.get("software")),
            (_("Caller's description"), ticket.get("description")),
            (_("Reformulated"), ticket.get("reformulation")),
            (_("Diagnosis"), ticket.get("diagnosis")),
            (_("Linked problem"), _problem_text(problem)),
            (_("Solution"), _solution_text(ticket.get("solution"))),
            (_("Callback"), _("the caller is to be called back") if ticket.get("callback") else None),
            (_("Time spent"), i18n.minutes_text(ticket["time_spent_minutes"])
             if ticket.get("time_spent_minutes") else None),
            (_("Attachments"), _("{files} (in attachments/{number}/ of the repository)").format(
                files=", ".join(ticket["attachments"]), number=ticket["id"])
             if ticket.get("attachments") else None),
        ]
    )
    for request in ticket.get("interventions", []):
        output.data("")
        intervention_detail(request)
    view = ticket.get("sla")
    if view:
        output.data("")
        clocks_table(view)
        for pause in view["pauses"]:
            until = when(pause["to"]) if pause["to"] else _("now (waiting on the caller)")
            output.data(_("Paused from {start} to {end}").format(start=when(pause["from"]), end=until))
    output.data("")
    output.data(_("History"))
    for entry in ticket["history"]:
        lead = f"  {when(entry['at'])}  {output.safe_line(entry['by'])}  "
        # A long event goes on under its own start, cut at word boundaries.
        output.data(output.wrap(output.safe_line(describe(entry)), columns and columns - 1,
                                indent=" " * min(len(lead), 40), first=lead))


def contract_detail(contract: dict) -> None:
    output.fields(
        [
            (_("Number"), contract["number"]),
            (_("Organisation"), f"{contract['organisation']} "
                                f"({choices.label('org_kind', contract['org_kind'])})"),
            (_("Coverage"), choices.label("coverage", contract["coverage"])),
            (_("Valid"), _("{start} to {end}").format(start=i18n.date_text(contract["valid_from"]),
                                                      end=i18n.date_text(contract["valid_until"]))),
            (_("Signers"), "; ".join(f"{s['name']} ({s['function']})" for s in contract["signers"])
             or _("none named")),
        ]
    )


def contract_table(contracts: list[dict]) -> None:
    output.table(
        [
            [c["number"], c["organisation"], choices.label("org_kind", c["org_kind"]),
             choices.label("coverage", c["coverage"]), i18n.date_text(c["valid_from"]),
             i18n.date_text(c["valid_until"]), len(c["signers"])]
            for c in contracts
        ],
        [_("Number"), _("Organisation"), _("Kind"), _("Coverage"), _("From"), _("Until"), _("Signers")],
        # The number is typed back (`contract show`): never cut; the kind goes first.
        keep=[0, 0, 3, 2, 4, 1, 5], flexible={1: 12},
    )


STATE_LABELS = {"ok": N_("ok"), "at_risk": N_("AT RISK"), "breached": N_("BREACHED"),
                "paused": N_("paused"), "met": N_("met"), "missed": N_("MISSED"),
                # the backlog's calls with no clock yet (indicators.py)
                "not qualified": N_("not qualified")}


def grid_table(settings: dict) -> None:
    from deskcli.core.calls import qualify, sla

    output.table(
        [[tr(qualify.URGENCY_LABELS[u]), *(settings["grid"][u][i] for i in sla.IMPACTS)]
         for u in sla.URGENCIES],
        [_("urgency \\ impact"), *(tr(qualify.IMPACT_LABELS[i]) for i in sla.IMPACTS)],
    )


def targets_table(settings: dict) -> None:
    from deskcli.core.calls import sla

    rows = []
    for label, key, kind in (
        (N_("take-charge (detection) time"), "take_charge", "time"),
        (N_("take-charge success target"), "take_charge_rate", "rate"),
        (N_("resolution time"), "resolution", "time"),
        (N_("resolution success target"), "resolution_rate", "rate"),
        (N_("maximum delay"), "maximum", "time"),
    ):
        values = [settings["targets"][str(p)][key] for p in sla.PRIORITIES]
        rows.append([tr(label), *(i18n.percent(v / 100, None) if kind == "rate"
                                 else duration_text(v) for v in values)])
    output.table(rows, [_("priority"), *(str(p) for p in sla.PRIORITIES)])


def duration_text(text: str) -> str:
    """A duration as the settings (10m, 2h) or a clock (1h 30min) write it, as the session
    abbreviates it (10m is shown as 10min, as every other duration)."""
    from deskcli.core.calls.sla import parse_duration

    spans = [parse_duration(token) for token in text.split()]
    if None in spans:
        return text
    return i18n.duration(sum(spans, timedelta()))


def clocks_table(view: dict) -> None:
    from deskcli.core.calls.sla import CLOCK_LABELS

    rows = []
    for c in view["clocks"]:
        remaining = timedelta(seconds=c["remaining_seconds"])
        if c["stopped_at"]:
            left = _("stopped {when}").format(when=when(c["stopped_at"]))
        elif c["remaining_seconds"] >= 0:
            left = _("{duration} left").format(duration=i18n.duration(remaining))
        else:
            left = _("{duration} overdue").format(duration=i18n.duration(remaining))
        rows.append([tr(CLOCK_LABELS[c["clock"]]), duration_text(c["target"]), when(c["deadline"]),
                     state_cell(c["state"]), left])
    output.table(rows, [_("Clock"), _("Target"), _("Deadline"), _("State"), _("Time")])
