"""The technician's answer to a caller by e-mail (`deskcli reply`), recorded in the call's
history and queued in the outbox."""

from __future__ import annotations

from datetime import datetime

from deskcli.core.calls import conversation, tickets
from deskcli.core.mailing import sending
from deskcli.core.base.errors import InvalidInput, RuleRefused
from deskcli.core.store.repository import Desk
from deskcli.i18n import fact, say, say_n


def reply(desk: Desk, ticket_id: int, *, text: str, now: datetime, to: str | None = None) -> dict:
    """Queue the technician's answer to the caller, threaded to their last message; returns
    the `reply` event recorded in the history."""
    body = (text or "").strip("\n")
    if not body.strip():
        raise InvalidInput(say("the reply is empty: give {message_field}, {message_file_field} or "
                               "write it in the editor",
                               message_field=fact("message"),
                               message_file_field=fact("message_file")))
    if len(body) > conversation.MAX_BODY:
        raise InvalidInput(say_n("the reply is longer than {count} character",
                                 "the reply is longer than {count} characters",
                                 conversation.MAX_BODY, count=conversation.MAX_BODY))
    if not sending.desk_address(desk.settings):
        raise sending.MailSettingsError(say(
            "this desk sends no mail: set mail.from_address and mail.smtp.host in settings.toml "
            "(docs/mail.md)"))
    sending.server(desk.settings, "smtp")  # a settings problem is said before anything is recorded
    with desk.repo.writing() as store:
        holder, ticket = tickets.held(desk, store, ticket_id)
        if to is not None and not sending.single_address(to):
            raise InvalidInput(say("{to_field}: {value!r} is not one e-mail address", value=to,
                                   to_field=fact("to")))
        address = sending.single_address(to) or conversation.caller_address(ticket)
        if not address:
            raise RuleRefused(say(
                "#{number} has no e-mail address for {caller}: give {to_field} ADDRESS, or record "
                "it as the caller's contact", number=ticket_id,
                caller=(ticket.get("caller") or {}).get("name") or "the caller",
                to_field=fact("to")))
        before = len(ticket["history"])
        entry = conversation.queue_message(desk, store, ticket, to=address,
                                           subject=conversation.ticket_subject(ticket), body=body,
                                           kind="reply", now=now, automatic=False, event="reply",
                                           text=body)
        conversation.changed(desk, store, ticket, ticket["history"][before:], now)
        holder.update_ticket(ticket)
    return entry
