"""The conversation around a ticket: replies to the caller, the desk's automatic messages,
the team's notifications and hooks, each decided from the events a change recorded.

Every step of a call records events in the ticket's history; `changed` is told of the
new ones inside the same change. Messages are queued there (so they are committed or
dropped with the change), hooks and sending are left for after the commit
(`follow_up`), when nothing they do can block or undo the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from deskcli.core.base.clock import local
from deskcli.core.store.repository import Desk

if TYPE_CHECKING:
    from deskcli.core.mailing import outbox

# The message events of a ticket's history that carry a Message-ID.
_MESSAGE_EVENTS = ("message", "reply", "auto_message")
MAX_BODY = 100_000
# One record per call closed after a resolution notice: whether the caller confirmed.
CONFIRMATIONS = "confirmations"


@dataclass
class Followups:
    """What a command left to do once its changes are committed."""

    hooks: list[tuple[str, dict, dict]] = field(default_factory=list)  # (hook, event, ticket)
    queued: int = 0


def _pending(desk: Desk) -> Followups:
    # Kept on the command's Desk (one per run), which the command layer hands to
    # `follow_up` once it is done; a Desk that never needed any has no such attribute.
    if getattr(desk, "followups", None) is None:
        desk.followups = Followups()
    return desk.followups


# -- facts of a ticket ---------------------------------------------------------------------

def caller_address(ticket: dict) -> str | None:
    """Where the caller is written to: the address of their last message, else their contact."""
    from deskcli.core.mailing.sending import single_address

    for entry in reversed(ticket["history"]):
        if entry["event"] == "message" and single_address(entry.get("address")):
            return single_address(entry["address"])
    return single_address((ticket.get("caller") or {}).get("contact"))


def _caller_message(ticket: dict) -> dict | None:
    return next((e for e in reversed(ticket["history"])
                 if e["event"] == "message" and e.get("message_id")), None)


def _references(ticket: dict) -> list[str]:
    seen: list[str] = []
    for entry in ticket["history"]:
        if entry["event"] not in _MESSAGE_EVENTS or str(entry.get("kind", "")).startswith("team-"):
            continue  # the team's notices are no part of the caller's thread
        ident = entry.get("message_id")
        if ident and ident not in seen:
            seen.append(ident)
    return seen


def _automatic_sender(ticket: dict) -> bool:
    """Whether the caller's mail came from a robot (RFC 3834): it is never answered automatically."""
    return any(e["event"] == "message" and e.get("auto_submitted") for e in ticket["history"])


def template_values(desk: Desk, ticket: dict, **extra) -> dict:
    deadline = (ticket.get("deadlines") or {}).get("resolution")
    solution = ticket.get("solution") or {}
    return {
        "number": ticket["id"], "summary": ticket["summary"],
        "caller": (ticket.get("caller") or {}).get("name") or "",
        "company": desk.settings["desk"]["company"], "priority": ticket.get("priority") or "",
        "deadline": _moment(deadline, desk.settings) if deadline else "",
        "solution": solution.get("text") or "", "technician": desk.technician, **extra,
    }


def _moment(iso: str, settings: dict) -> str:
    """A deadline as a reader elsewhere understands it: the desk's time, with its zone."""
    from deskcli.core.base.clock import from_iso

    zone = settings["hours"]["timezone"]
    if zone:
        from zoneinfo import ZoneInfo

        moment = from_iso(iso).astimezone(ZoneInfo(zone))  # checked when the settings load
    else:
        moment = local(iso)
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def ticket_subject(ticket: dict) -> str:
    return f"[#{ticket['id']}] {ticket['summary']}"


# -- writing to the caller -----------------------------------------------------------------

def queue_message(desk: Desk, store, ticket: dict, *, to: str, subject: str, body: str,
                  kind: str, now: datetime, automatic: bool, event: str, **details) -> dict:
    from deskcli.core.mailing import outbox, sending

    last = _caller_message(ticket) if kind in ("reply", "acknowledgement", "qualification",
                                               "resolution") else None
    message = sending.compose(
        desk.settings, to=to, subject=subject, body=body, ticket=ticket["id"],
        in_reply_to=last["message_id"] if last else None,
        references=_references(ticket) if last else [], automatic=automatic, now=now)
    outbox.queue(store, message, ticket=ticket["id"], kind=kind, now=now)
    from deskcli.core.model.timeline import history_entry

    entry = history_entry(event, now, desk.technician, kind=kind if event != "reply" else None,
                          to=to, subject=str(message["Subject"]),
                          message_id=sending.message_id(message),
                          in_reply_to=last["message_id"] if last else None, **details)
    ticket["history"].append(entry)
    _pending(desk).queued += 1
    return entry


def _automatic(desk: Desk, store, ticket: dict, kind: str, now: datetime) -> None:
    """One automatic message to the caller, if the desk sends it and the caller can get it."""
    from deskcli.core.mailing import sending

    settings = desk.settings
    if not (sending.sends(settings) and settings["mail"]["auto"][kind]):
        return
    to = caller_address(ticket)
    if sending.robot_address(to, settings) or _automatic_sender(ticket):
        return
    text = sending.fill(sending.template_text(settings, desk.home, kind), template_values(desk, ticket))
    subject, body = sending.split_subject(text)
    queue_message(desk, store, ticket, to=to, subject=subject or ticket_subject(ticket), body=body,
                  kind=kind, now=now, automatic=True, event="auto_message")


def _team(desk: Desk, store, ticket: dict, kind: str, now: datetime, **extra) -> None:
    from deskcli.core.mailing import sending

    settings = desk.settings
    to = (settings["mail"]["team_address"] or "").strip()
    switch = "team_new_call" if kind == "team-new-call" else "team_at_risk"
    if not (to and sending.sends(settings) and settings["mail"]["auto"][switch]):
        return
    text = sending.fill(sending.template_text(settings, desk.home, kind),
                        template_values(desk, ticket, **extra))
    subject, body = sending.split_subject(text)
    queue_message(desk, store, ticket, to=to, subject=subject or ticket_subject(ticket), body=body,
                  kind=kind, now=now, automatic=True, event="auto_message")


def changed(desk: Desk, store, ticket: dict, events: list[dict], now: datetime) -> None:
    """React to the events a change added to `ticket`, inside that change."""
    from deskcli.core.mailing import hooks

    if not events:
        return
    # One look for the hooks directory per change: a desk without hooks or mail pays
    # nothing more (a batch of 10,000 piped calls comes here 10,000 times).
    hooked = (desk.home / hooks.HOOKS_DIR).is_dir()
    mail = desk.settings["mail"]
    if not (hooked or (mail["from_address"].strip() and mail["smtp"]["host"].strip())
            or any(e["event"] == "closed" for e in events)):
        return
    runs: list[tuple[str, dict, dict]] = []
    for event in list(events):
        name = event["event"]
        if name == "opened":
            if any(e["event"] == "message" for e in ticket["history"]):
                _automatic(desk, store, ticket, "acknowledgement", now)
            _team(desk, store, ticket, "team-new-call", now)
        elif name == "qualified" and any(e["event"] == "message" for e in ticket["history"]):
            _automatic(desk, store, ticket, "qualification", now)
        elif name == "solution" and event.get("kind") == "definitive":
            _automatic(desk, store, ticket, "resolution", now)
        elif name == "closed" and event.get("caller_confirmed") is not None:
            # Counted by the report of the period the call closed in.
            from deskcli.core.store.repository import MAIL_SIDE

            store.side(MAIL_SIDE).insert_record(CONFIRMATIONS, {"ticket": ticket["id"], "closed_at": event["at"],
                                                "confirmed": event["caller_confirmed"]})
        elif name == "sla_alert":
            from deskcli import i18n
            from deskcli.core.mailing import sending
            from deskcli.core.calls.sla import CLOCK_LABELS

            state = event.get("state")
            label = CLOCK_LABELS.get(event.get("clock"), event.get("clock"))
            _team(desk, store, ticket, "team-at-risk" if state == "at_risk" else "team-breach",
                  now, clock=i18n.in_language(label, sending.language(desk.settings)),
                  deadline=_moment(event["deadline"], desk.settings)
                  if event.get("deadline") else "")
        hook = hooks.hook_for(event) if hooked else None
        if name == "message" and any(e["event"] == "opened" for e in events):
            hook = None  # the message that opens a call is on-open's, not an answer
        if hook is not None:
            runs.append((hook, dict(event), ticket))
    if runs:
        # Only a committed change runs its hooks.
        store.after_commit(lambda: _pending(desk).hooks.extend(runs))


def _last_notice(ticket: dict) -> int | None:
    notice = None
    for index, entry in enumerate(ticket["history"]):
        if entry["event"] == "auto_message" and entry.get("kind") == "resolution":
            notice = index
    return notice


def asked_to_confirm(ticket: dict) -> bool:
    """Whether the caller was sent a resolution notice."""
    return _last_notice(ticket) is not None


def confirmations(records: list[dict], start: str, end: str) -> dict:
    """Calls closed in [start, end) whose caller was asked to confirm, and those who answered."""
    closed = [r for r in records if start <= r["closed_at"] < end]
    return {"asked": len(closed), "answered": sum(1 for r in closed if r["confirmed"])}


def confirmation(ticket: dict) -> dict | None:
    """The caller's answer to the last resolution notice (a message event), or None."""
    notice = _last_notice(ticket)
    if notice is None:
        return None
    return next((e for e in ticket["history"][notice + 1:] if e["event"] == "message"), None)


# -- after the commit ----------------------------------------------------------------------

@dataclass
class Aftermath:
    hooks_failed: list = field(default_factory=list)
    delivery: outbox.Delivery | None = None
    problem: str | None = None  # a settings problem that kept the messages waiting


def follow_up(desk: Desk, send: bool = True) -> Aftermath:
    """Run the hooks of the committed changes, then send what this command queued."""
    from deskcli.core.mailing import hooks, outbox, sending

    pending = _pending(desk)
    result = Aftermath()
    timeout = float(desk.settings["hooks"]["timeout_seconds"])
    runs, pending.hooks = pending.hooks, []
    for name, event, ticket in runs:
        outcome = hooks.run(desk.home, name, event, ticket, timeout)
        if outcome is not None and not outcome.ok:
            result.hooks_failed.append(outcome)
    if send and pending.queued:
        pending.queued = 0
        try:
            result.delivery = outbox.deliver(desk)
        except sending.MailSettingsError as exc:
            result.problem = str(exc)
    return result
