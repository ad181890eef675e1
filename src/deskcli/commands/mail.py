"""`deskcli mail`: the desk's own mailbox and outbox (send, outbox, fetch)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands import followups
from deskcli.commands.options import state
from deskcli.core.calls import conversation
from deskcli.core.mailing import outbox, sending
from deskcli.i18n import N_, _, ngettext
from deskcli.ui import output

app = typer.Typer(help=N_("The desk's mail: send what waits, list the outbox, fetch the mailbox."),
                  no_args_is_help=True)


@app.command("send")
def send(ctx: typer.Context) -> None:
    """Send the messages waiting in the outbox; exit 75 while the server is unavailable.

    Example: deskcli mail send   (from cron every few minutes)
    """
    desk = state(ctx).desk()
    delivery = outbox.deliver(desk)
    def text() -> None:
        followups.report(conversation.Aftermath(delivery=delivery))
        if not (delivery.sent or delivery.failed or delivery.waiting):
            output.message(_("Nothing waits in the outbox."))

    output.answer().emit(delivery.as_dict, text)
    if delivery.waiting and delivery.problem:
        raise typer.Exit(sending.EX_TEMPFAIL)


@app.command("outbox")
def list_outbox(
    ctx: typer.Context,
    sent: Annotated[bool, typer.Option("--sent", help=N_("Show the messages already sent too."))] = False,
) -> None:
    """List the messages that wait to be sent (or were refused), oldest first.

    Example: deskcli mail outbox --sent
    """
    found = outbox.listing(state(ctx).desk(), include_sent=sent)
    output.answer().emit(found, lambda: _table(found))


def _table(found: list[dict]) -> None:
    if not found:
        output.message(_("The outbox is empty."))
        return
    # At a terminal the errors, long sentences, go under the table, whole; the tries and
    # then the kind and the time give way before the address and the subject are cut.
    at_terminal = output.width() is not None
    output.table([[r["id"], f"#{r['ticket']}" if r.get("ticket") else "", r["kind"],
                   ", ".join(r["to"]), output.safe_line(r["subject"])[:60], _state(r["state"]),
                   output.when(r.get("sent_at") or r["queued_at"]), r["attempts"]]
                  + ([] if at_terminal else [output.safe_line(r.get("last_error") or "")[:80]])
                  for r in found],
                 [_("No."), _("Ticket"), _("Kind"), _("To"), _("Subject"), _("State"), _("When"),
                  _("Tries")] + ([] if at_terminal else [_("Last error")]),
                 keep=[0, 0, 2, 0, 0, 0, 1, 3, 0][:8 if at_terminal else 9],
                 flexible={3: 12, 4: 16, 8: 20})
    if at_terminal:
        for r in found:
            if r.get("last_error"):
                line = _("Last error of {number}: {error}").format(number=r["id"], error="\0")
                indent = line.index("\0")
                output.paragraph(line.replace("\0", output.safe_line(r["last_error"])), indent=indent)


_STATES = {"waiting": N_("waiting"), "sending": N_("sending"), "sent": N_("sent"),
           "failed": N_("refused")}


def _state(name: str) -> str:
    return _(_STATES.get(name, name))


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    limit: Annotated[Optional[int], typer.Option("--limit", metavar=N_("N"),
                                                 help=N_("Take at most N messages."))] = None,
) -> None:
    """Take the unseen messages of the desk's IMAP mailbox in, as `open --from` does.

    Each is marked seen once its ticket is recorded. Exit 75 while the server is unavailable.
    Example: deskcli mail fetch
    """
    from deskcli.core.incoming import fetching

    desk = state(ctx).desk()
    result = fetching.fetch(desk, limit=limit)
    output.answer().emit(result.as_dict, lambda: _fetched(result))


def _fetched(result) -> None:
    for number in result.created:
        output.data(str(number))
    if result.appended:
        output.message(_("Added to {tickets}.").format(
            tickets=", ".join(f"#{n}" for n in result.appended)))
    for message_id in result.duplicates:
        output.message(_("Already taken: the message {id} (nothing added).").format(
            id=output.safe_line(message_id)))
    for refused in result.refused:
        output.warn(_("message {uid} of the mailbox not taken: {reason}").format(
            uid=refused["uid"], reason=output.safe_line(refused["reason"])))
    output.message(ngettext("Fetched {count} new ticket.", "Fetched {count} new tickets.",
                            len(result.created)).format(count=len(result.created)))
