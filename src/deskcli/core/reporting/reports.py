"""The intervention report of a call (procedure §6; seed 001 §6.5), as one document.

Each on-site intervention carries the fields set when it was requested and those set by
whoever did it; the report gathers them with the call's facts and history, ready for a
template (screen, Markdown, a printable page) or for JSON. The company that issues it,
the customer's address and the technicians' full names come from the settings and the
organisations on record, so that the printed page is one a customer can sign.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from deskcli.core.calls import sla
from deskcli.core.base.clock import to_iso
from deskcli.core.store.repository import Desk
from deskcli.core.calls.tickets import get_ticket
from deskcli.i18n import say

# How amounts typed with --amount are meant, as [documents] amounts says.
TAX_BASES = ("excl-tax", "incl-tax")
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml"}
# Events of the desk's own bookkeeping: the customer's copy of the history leaves them out
# (a clock's verdict, the checklist, the knowledge base consulted).
INTERNAL_EVENTS = frozenset({"sla_clock_stopped", "identification_timed", "checklist",
                             "kb_consulted", "kb_article", "piped_in", "admissibility",
                             "problem_opened", "problem_linked"})


def problems(settings: dict) -> list[tuple[str, str]]:
    """What is wrong in the [documents] and [technicians] settings, as (key, expected)."""
    found = []
    documents = settings["documents"]
    if documents["amounts"] not in TAX_BASES:
        found.append(("documents.amounts", say("\"excl-tax\" (HT) or \"incl-tax\" (TTC)")))
    currency = documents["currency"]
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        found.append(("documents.currency", say("a currency's three-letter ISO code such as EUR")))
    if documents["logo"] and Path(documents["logo"]).suffix.lower() not in LOGO_TYPES:
        found.append(("documents.logo", say("a PNG, JPEG or SVG file")))
    if not all(isinstance(line, str) for line in documents["address"]):
        found.append(("documents.address", say("a list of lines in quotes")))
    for login, person in technicians(settings).items():
        if isinstance(person, str):
            continue
        if not (isinstance(person, dict) and isinstance(person.get("name"), str)
                and set(person) <= {"name", "function"}
                and isinstance(person.get("function", ""), str)):
            found.append((f"technicians.{login}",
                          say("a full name in quotes, or a table of name and function")))
    return found


def technicians(settings: dict) -> dict:
    return {k: v for k, v in settings.get("technicians", {}).items() if k != "_open"}


def person(settings: dict, login: str | None) -> dict:
    """A technician as a report names them: full name and function when settings give them."""
    entry = technicians(settings).get(login or "")
    if isinstance(entry, str):
        return {"login": login, "name": entry, "function": None}
    if isinstance(entry, dict):
        return {"login": login, "name": entry.get("name") or login,
                "function": entry.get("function") or None}
    return {"login": login, "name": login, "function": None}


def issuer(settings: dict, home: Path) -> dict:
    """The company block of a printed report; the logo as a path the page embeds."""
    documents = settings["documents"]
    logo = None
    if documents["logo"]:
        path = Path(documents["logo"]).expanduser()
        logo = str(path if path.is_absolute() else home / path)
    return {
        "name": documents["name"] or settings["desk"]["company"],
        "logo": logo,
        "address": list(documents["address"]),
        "phone": documents["phone"],
        "email": documents["email"],
        "registration": documents["registration"],
        "place": documents["place"],
        "currency": documents["currency"],
        "amounts": documents["amounts"],
    }


def customer_history(history: list[dict]) -> list[dict]:
    """The events a customer reads: the call's story without the desk's bookkeeping."""
    return [e for e in history if e.get("event") not in INTERNAL_EVENTS]


def intervention_report(desk: Desk, ticket_id: int, now: datetime) -> dict:
    from deskcli.core.calls.contracts import find_organisation

    ticket = get_ticket(desk, ticket_id)
    with desk.repo.reading() as store:
        organisation = find_organisation(store, ticket["organisation"]["name"]) or {}
    admissibility = ticket.get("admissibility") or {}
    interventions = ticket.get("interventions", [])
    logins = {ticket["opener"], *(e.get("by") for e in ticket["history"])}
    for item in interventions:
        logins.add(item.get("requested_by"))
        logins.add((item.get("report") or {}).get("technician"))
    return {
        "company": desk.settings["desk"]["company"],
        "issuer": issuer(desk.settings, desk.home),
        "generated_at": to_iso(now),
        "ticket": {
            "id": ticket["id"],
            "status": ticket["status"],
            "summary": ticket["summary"],
            "opened_at": ticket["opened_at"],
            "opener": ticket["opener"],
            "channel": ticket["channel"],
            "type": ticket.get("type"),
            "priority": ticket.get("priority"),
            "level": ticket.get("level"),
            "caller": ticket["caller"],
            "organisation": {**ticket["organisation"],
                             "address": organisation.get("address") or []},
            "contract": ticket.get("contract"),
            "coverage": admissibility.get("basis"),
            "admissibility": admissibility.get("reason"),
            "equipment": ticket.get("equipment") or {},
            "description": ticket.get("description"),
            "reformulation": ticket.get("reformulation"),
            "diagnosis": ticket.get("diagnosis"),
            "solution": ticket.get("solution"),
            "time_spent_minutes": ticket.get("time_spent_minutes", 0),
            "closed_at": ticket.get("closed_at"),
        },
        "interventions": interventions,
        "people": {login: person(desk.settings, login) for login in sorted(logins - {None})},
        "sla": sla.view(ticket, desk.settings, now),
        "history": ticket["history"],
        "customer_history": customer_history(ticket["history"]),
    }
