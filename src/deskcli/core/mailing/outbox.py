"""The outbox: every message the desk sends waits here until a server has taken it.

A message is queued in the same change as the event that asks for it, so a ticket
never says "acknowledged" without a message on its way, and a message is never lost
to a server that is down. Sending is three steps, none holding the repository's lock
while the network is slow: claim (a short change marks the messages this process will
send), send, then record each result (another short change). Claims are made under
the repository's write lock (a file lock, or PostgreSQL's advisory lock), so two
machines never claim the same message; a claim left by a process that died is taken
over after `mail.claim_minutes`, the only case where a message could go twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from deskcli.core.base.clock import from_iso, to_iso
from deskcli.core.store.repository import Desk, MAIL_SIDE
from deskcli.core.base.errors import DeskError

OUTBOX = "outbox"
STATES = ("waiting", "sending", "sent", "failed")


def queue(store, message, *, ticket: int | None, kind: str, now: datetime) -> dict:
    """Put a composed message in the outbox, inside the caller's change."""
    from email import policy

    from deskcli.core.mailing import sending

    record = {
        "message_id": sending.message_id(message),
        "ticket": ticket,
        "kind": kind,
        "to": [a.strip() for a in str(message["To"]).split(",") if a.strip()],
        "subject": str(message["Subject"]),
        "raw": message.as_string(policy=policy.SMTP),
        "state": "waiting",
        "queued_at": to_iso(now),
        "attempts": 0,
        "last_error": None,
        "claim": None,
        "claimed_at": None,
        "sent_at": None,
    }
    store.side(MAIL_SIDE).insert_record(OUTBOX, record)
    if ticket is not None:
        # The caller's answer names this message in In-Reply-To: it threads back here.
        store.archived().remember_message(record["message_id"], ticket)
    return record


def _claimable(record: dict, now: datetime, claim_minutes: float) -> bool:
    if record["state"] == "waiting":
        return True
    return (record["state"] == "sending" and record.get("claimed_at") is not None
            and from_iso(record["claimed_at"]) <= now - timedelta(minutes=claim_minutes))


def claim(desk: Desk, now: datetime) -> tuple[str, list[dict]]:
    """Mark every message that is due as being sent by this process; (claim, messages)."""
    token = uuid.uuid4().hex
    minutes = desk.settings["mail"]["claim_minutes"]
    with desk.repo.writing() as store:
        mail = store.side(MAIL_SIDE)
        due = [r for r in mail.records(OUTBOX) if _claimable(r, now, minutes)]
        for record in due:
            record.update(state="sending", claim=token, claimed_at=to_iso(now),
                          attempts=record["attempts"] + 1)
            mail.update_record(OUTBOX, record)
    return token, sorted(due, key=lambda r: r["id"])


def _settle(desk: Desk, record: dict, token: str, now: datetime, **changes) -> None:
    with desk.repo.writing() as store:
        mail = store.side(MAIL_SIDE)
        current = mail.get_record(OUTBOX, record["id"])
        if current is None or current.get("claim") != token:
            return  # taken over by another machine meanwhile: its result stands
        current.update(changes, claim=None)
        if changes.get("state") == "sent":
            current.pop("raw", None)  # the sent log keeps who, what and when, not the body again
        mail.update_record(OUTBOX, current)


@dataclass
class Delivery:
    sent: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # refused for good
    waiting: list[dict] = field(default_factory=list)  # left for a later try
    problem: str | None = None  # why the ones waiting wait

    def as_dict(self) -> dict:
        brief = lambda r: {k: r.get(k) for k in ("id", "message_id", "ticket", "kind", "to",
                                                  "subject", "state", "last_error", "sent_at")}
        return {"sent": [brief(r) for r in self.sent], "failed": [brief(r) for r in self.failed],
                "waiting": [brief(r) for r in self.waiting], "problem": self.problem}


def deliver(desk: Desk, now_fn=None) -> Delivery:
    """Send what waits. A server that is away leaves the messages waiting (`problem` says
    why); a settings problem is raised, with the messages put back to wait."""
    from deskcli.core.mailing import sending
    from deskcli.core.base.clock import now as clock_now

    now_fn = now_fn or clock_now
    done = Delivery()
    if not desk.settings["mail"]["smtp"]["host"].strip():
        return done
    token, due = claim(desk, now_fn())
    if not due:
        return done
    sender = sending.desk_address(desk.settings)
    connection = None
    try:
        connection = sending.Connection(desk.settings)
        for index, record in enumerate(due):
            try:
                connection.send(record["raw"], sender, record["to"])
            except sending.MailRefused as exc:
                _settle(desk, record, token, now_fn(), state="failed", last_error=str(exc))
                done.failed.append(dict(record, state="failed", last_error=str(exc)))
                continue
            except sending.MailUnavailable as exc:
                done.problem = str(exc)
                for left in due[index:]:
                    _settle(desk, left, token, now_fn(), state="waiting", last_error=str(exc))
                    done.waiting.append(dict(left, state="waiting", last_error=str(exc)))
                break
            at = to_iso(now_fn())
            _settle(desk, record, token, now_fn(), state="sent", sent_at=at, last_error=None)
            done.sent.append(dict(record, state="sent", sent_at=at))
    except DeskError as exc:
        # Nothing more was sent: every message not yet settled waits again.
        settled = {r["id"] for r in done.sent + done.failed + done.waiting}
        for record in due:
            if record["id"] not in settled:
                _settle(desk, record, token, now_fn(), state="waiting", last_error=str(exc))
                done.waiting.append(dict(record, state="waiting", last_error=str(exc)))
        if not isinstance(exc, sending.MailUnavailable):
            raise
        done.problem = str(exc)
    finally:
        if connection is not None:
            connection.close()
    return done


def listing(desk: Desk, include_sent: bool = False) -> list[dict]:
    """The messages that wait (or failed), oldest first; with the sent log when asked."""
    with desk.repo.reading() as store:
        found = store.side(MAIL_SIDE).records(OUTBOX)
    if not include_sent:
        found = [r for r in found if r["state"] != "sent"]
    return sorted(({k: v for k, v in r.items() if k != "raw"} for r in found),
                  key=lambda r: r["id"])
