"""How tickets and contracts look on a terminal."""

from __future__ import annotations

from deskcli.core.clock import local
from deskcli.ui import output


def when(iso: str | None) -> str:
    return local(iso).strftime("%Y-%m-%d %H:%M") if iso else ""


def ticket_row(ticket: dict) -> list:
    return [
        ticket["id"],
        when(ticket["opened_at"]),
        ticket["status"],
        ticket.get("priority") or "-",
        ticket["caller"]["name"],
        ticket["organisation"]["name"],
        ticket["summary"],
        ticket.get("assignee") or "-",
    ]


TICKET_HEADERS = ["ID", "Opened", "Status", "P", "Caller", "Organisation", "Summary", "Assignee"]


def ticket_table(tickets: list[dict]) -> None:
    output.table([ticket_row(t) for t in tickets], TICKET_HEADERS)


def _describe(entry: dict) -> str:
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
    if event == "admissibility":
        verdict = "admissible" if entry.get("admissible") else "NOT admissible"
        return f"{verdict}: {entry.get('reason', '')}"
    rest = {k: v for k, v in entry.items() if k not in ("at", "by", "event")}
    details = ", ".join(f"{k}={v}" for k, v in rest.items())
    return f"{event.replace('_', ' ')}" + (f": {details}" if details else "")


def ticket_detail(ticket: dict) -> None:
    caller = ticket["caller"]
    org = ticket["organisation"]
    equipment = ticket.get("equipment") or {}
    admissibility = ticket.get("admissibility") or {}
    output.data(f"Ticket #{ticket['id']}  [{ticket['status']}]  {output.safe_line(ticket['summary'])}")
    output.fields(
        [
            ("Opened", f"{when(ticket['opened_at'])} by {ticket['opener']} ({ticket['channel']})"),
            ("Assignee", ticket.get("assignee")),
            ("Level", ticket.get("level")),
            ("Priority", ticket.get("priority")),
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
        ]
    )
    output.data("")
    output.data("History")
    for entry in ticket["history"]:
        output.data(f"  {when(entry['at'])}  {output.safe_line(entry['by'])}  "
                    f"{output.safe_line(_describe(entry))}")


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
