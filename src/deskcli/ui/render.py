"""How tickets and contracts look on a terminal."""

from __future__ import annotations

from datetime import timedelta

from deskcli.core.sla import format_duration
from deskcli.ui import output
from deskcli.ui.output import when


def ticket_row(ticket: dict) -> list:
    view = ticket.get("sla") or {}
    return [
        ticket["id"],
        when(ticket["opened_at"]),
        ticket["status"],
        ticket.get("priority") or "-",
        STATE_LABELS.get(view.get("worst"), "-"),
        when(view.get("next_deadline")) or "-",
        ticket["caller"]["name"],
        ticket["organisation"]["name"],
        ticket["summary"],
        ticket.get("assignee") or "-",
    ]


TICKET_HEADERS = ["ID", "Opened", "Status", "P", "SLA", "Next deadline", "Caller", "Organisation", "Summary", "Assignee"]


def ticket_table(tickets: list[dict]) -> None:
    output.table([ticket_row(t) for t in tickets], TICKET_HEADERS)


def describe(entry: dict) -> str:
    event = entry["event"]
    if event == "opened":
        return f"call opened ({entry.get('channel', '')})"
    if event == "checklist":
        detail = entry.get("note")
        return f"checklist: {entry.get('step', '')}" + (f" - {detail}" if detail else "")
    if event == "identification_timed":
        minutes, seconds = divmod(int(entry.get("seconds", 0)), 60)
        over = " (over the limit)" if entry.get("over_limit") else ""
        return f"identification took {minutes} min {seconds:02d} s{over}"
    if event in ("qualified", "requalified"):
        text = f"{event}: {entry.get('type')}, {entry.get('explanation', '')}"
        return text + (f" - reason: {entry['reason']}" if entry.get("reason") else "")
    if event == "sla_clock_stopped":
        from deskcli.core.sla import CLOCK_LABELS

        verdict = "met" if entry.get("met") else "MISSED"
        return f"{CLOCK_LABELS.get(entry.get('clock'), entry.get('clock'))} clock stopped: {verdict} (deadline {when(entry.get('deadline'))})"
    if event == "pending":
        return f"waiting on the caller (clocks paused): {entry.get('reason', '')}"
    if event == "resumed":
        return "resumed (clocks running again)"
    if event == "taken_in_charge":
        return "taken in charge"
    if event == "treatment":
        parts = [f"level {entry.get('level', 1)} treatment"]
        if entry.get("diagnosis"):
            parts.append(f"diagnosis: {entry['diagnosis']}")
        parts += [f"action: {a}" for a in entry.get("actions", [])]
        if entry.get("minutes") is not None:
            parts.append(f"{entry['minutes']:g} min")
        return "; ".join(parts)
    if event == "solution":
        return f"{entry.get('kind')} solution: {entry.get('text')}"
    if event == "deferred":
        return f"deferred to {entry.get('to')}: {entry.get('note', '')}"
    if event == "transferred":
        return (f"transferred to {entry.get('to')} (level {entry.get('previous_level')} -> "
                f"{entry.get('level')}): {entry.get('reason')}")
    if event == "escalated":
        budget = "past" if entry.get("budget_exceeded") else "within"
        return (f"{entry.get('kind')} escalation, level {entry.get('previous_level')} -> "
                f"{entry.get('level')} ({budget} the level-1 budget): {entry.get('reason')}")
    if event == "kb_consulted":
        if entry.get("empty"):
            return "knowledge base consulted: empty"
        found = ", ".join(f"KB-{m['id']} {m['title']}" for m in entry.get("matches", []))
        return f"knowledge base consulted: {found or 'no similar incident'}"
    if event in ("problem_opened", "problem_linked"):
        verb = "requalified as problem" if event == "problem_opened" else "linked to problem"
        return f"{verb} PRB-{entry.get('problem')}: {entry.get('title')}"
    if event == "kb_article":
        return f"knowledge base article KB-{entry.get('article')} written: {entry.get('title')}"
    if event == "intervention_requested":
        return f"on-site intervention {entry.get('number')} requested: {entry.get('nature')}"
    if event == "intervention_report":
        signed = entry.get("signed_by")
        mark = "" if not signed or entry.get("commits_customer") else " (does not commit the customer)"
        return (f"intervention {entry.get('number')} report: {entry.get('done')} -> "
                f"{entry.get('outcome')} ({entry.get('minutes'):g} min)"
                + (f", signed by {signed}{mark}" if signed else ", not signed"))
    if event == "closed":
        return "closed" + (f": {entry['reason']}" if entry.get("reason") else "")
    if event == "reopened":
        return f"reopened: {entry.get('reason')}"
    if event == "message":
        files = entry.get("attachments")
        return (f"e-mail from {entry.get('sender')}" + (f" <{entry['address']}>" if entry.get("address") else "")
                + (f": {entry['subject']}" if entry.get("subject") else "")
                + (f" (attached: {', '.join(files)})" if files else ""))
    if event == "piped_in":
        return "piped in by a script"
    if event == "admissibility":
        verdict = "admissible" if entry.get("admissible") else "NOT admissible"
        return f"{verdict}: {entry.get('reason', '')}"
    rest = {k: v for k, v in entry.items() if k not in ("at", "by", "event")}
    details = ", ".join(f"{k}={v}" for k, v in rest.items())
    return f"{event.replace('_', ' ')}" + (f": {details}" if details else "")


def _solution_text(solution: dict | None) -> str | None:
    if not solution:
        return None
    return f"{solution['text']} ({'definitive' if solution['definitive'] else 'temporary'})"


def intervention_detail(request: dict) -> None:
    output.data(f"Intervention {request['number']}")
    report = request.get("report") or {}
    signer = report.get("signer")
    output.fields([
        ("  Requested", f"{when(request['requested_at'])} by {request['requested_by']}"),
        ("  Nature", request["nature"]),
        ("  Equipment", request.get("equipment")),
        ("  Diagnosis", request.get("diagnosis")),
        ("  Amount", request.get("amount") if not request.get("covered") else "covered by the contract"),
        ("  Deadline", when(request.get("deadline"))),
        ("  Report", "not written yet" if not report else
         f"{when(report['start'])} to {when(report['end'])} ({report['minutes']:g} min) by {report['technician']}"),
        ("  Done", report.get("done")),
        ("  Parts", ", ".join(report.get("parts", []))),
        ("  Outcome", report.get("outcome")),
        ("  Signed by", f"{signer['name']} ({signer['function']})"
         + ("" if signer["commits_customer"] else " - does not commit the customer") if signer else None),
    ])


def _priority_text(ticket: dict) -> str | None:
    qualification = ticket.get("qualification")
    if not qualification:
        return None
    from deskcli.core.qualify import explain

    return f"{explain(qualification)} [{qualification['type']}]"


def _problem_text(problem: dict | None) -> str | None:
    if not problem:
        return None
    state = (f"known error, workaround in KB-{problem['article']}" if problem["status"] == "known_error"
             else "cause unknown")
    return f"PRB-{problem['id']} {problem['title']} ({state})"


def ticket_detail(ticket: dict, problem: dict | None = None) -> None:
    caller = ticket["caller"]
    org = ticket["organisation"]
    equipment = ticket.get("equipment") or {}
    admissibility = ticket.get("admissibility") or {}
    output.data(f"Ticket #{ticket['id']}  [{ticket['status']}]  {output.safe_line(ticket['summary'])}")
    output.fields(
        [
            ("Opened", f"{when(ticket['opened_at'])} by {ticket['opener']} ({ticket['channel']})"),
            ("Assignee", ticket.get("assignee") or ("(group queue)" if ticket.get("group") else None)),
            ("Group", ticket.get("group")),
            ("Level", ticket.get("level")),
            ("Priority", _priority_text(ticket)),
            ("Caller", caller["name"]),
            ("Role", caller.get("role")),
            ("Contact", caller.get("contact")),
            ("Organisation", f"{org['name']} ({org['kind']})"),
            ("Contract", ticket.get("contract")),
            ("Admissible", ("yes" if admissibility.get("admissible") else "no")
             + (f" - {admissibility.get('reason')}" if admissibility.get("reason") else "")),
            ("Explained", admissibility.get("explanation")),
            ("Device", equipment.get("device")),
            ("OS", equipment.get("os")),
            ("Network", equipment.get("network")),
            ("Software", equipment.get("software")),
            ("Problem", ticket.get("description")),
            ("Reformulated", ticket.get("reformulation")),
            ("Diagnosis", ticket.get("diagnosis")),
            ("Linked problem", _problem_text(problem)),
            ("Solution", _solution_text(ticket.get("solution"))),
            ("Callback", "the caller is to be called back" if ticket.get("callback") else None),
            ("Time spent", format_duration(timedelta(minutes=ticket["time_spent_minutes"]))
             if ticket.get("time_spent_minutes") else None),
            ("Attachments", f"{', '.join(ticket['attachments'])} (in attachments/{ticket['id']}/ "
                            f"of the repository)" if ticket.get("attachments") else None),
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
            until = when(pause["to"]) if pause["to"] else "now (waiting on the caller)"
            output.data(f"Paused from {when(pause['from'])} to {until}")
    output.data("")
    output.data("History")
    for entry in ticket["history"]:
        output.data(f"  {when(entry['at'])}  {output.safe_line(entry['by'])}  "
                    f"{output.safe_line(describe(entry))}")


def contract_detail(contract: dict) -> None:
    output.fields(
        [
            ("Number", contract["number"]),
            ("Organisation", f"{contract['organisation']} ({contract['org_kind']})"),
            ("Coverage", contract["coverage"]),
            ("Valid", f"{contract['valid_from']} to {contract['valid_until']}"),
            ("Signers", "; ".join(f"{s['name']} ({s['function']})" for s in contract["signers"])
             or "none named"),
        ]
    )


def contract_table(contracts: list[dict]) -> None:
    output.table(
        [
            [c["number"], c["organisation"], c["org_kind"], c["coverage"], c["valid_from"],
             c["valid_until"], len(c["signers"])]
            for c in contracts
        ],
        ["Number", "Organisation", "Kind", "Coverage", "From", "Until", "Signers"],
    )


STATE_LABELS = {"ok": "ok", "at_risk": "AT RISK", "breached": "BREACHED", "paused": "paused",
                "met": "met", "missed": "MISSED"}


def grid_table(settings: dict) -> None:
    from deskcli.core import qualify, sla

    output.table(
        [[qualify.URGENCY_LABELS[u], *(settings["grid"][u][i] for i in sla.IMPACTS)]
         for u in sla.URGENCIES],
        ["urgency \\ impact", *(qualify.IMPACT_LABELS[i] for i in sla.IMPACTS)],
    )


def targets_table(settings: dict) -> None:
    from deskcli.core import sla

    rows = []
    for label, key, kind in (
        ("take-charge (detection) time", "take_charge", "time"),
        ("take-charge success target", "take_charge_rate", "rate"),
        ("resolution time", "resolution", "time"),
        ("resolution success target", "resolution_rate", "rate"),
        ("maximum delay", "maximum", "time"),
    ):
        values = [settings["targets"][str(p)][key] for p in sla.PRIORITIES]
        rows.append([label, *(f"{v:g}%" if kind == "rate" else v for v in values)])
    output.table(rows, ["priority", *(str(p) for p in sla.PRIORITIES)])


def clocks_table(view: dict) -> None:
    from datetime import timedelta

    from deskcli.core.sla import CLOCK_LABELS, format_duration

    rows = []
    for c in view["clocks"]:
        remaining = timedelta(seconds=c["remaining_seconds"])
        if c["stopped_at"]:
            left = f"stopped {when(c['stopped_at'])}"
        elif c["remaining_seconds"] >= 0:
            left = f"{format_duration(remaining)} left"
        else:
            left = f"{format_duration(remaining)} overdue"
        rows.append([CLOCK_LABELS[c["clock"]], c["target"], when(c["deadline"]),
                     STATE_LABELS[c["state"]], left])
    output.table(rows, ["Clock", "Target", "Deadline", "State", "Time"])
