"""`deskcli close` and `deskcli reopen`: the end of a call, and its return when it did not hold."""

from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, TicketId, ask_missing, state
from deskcli.core.base import clock
from deskcli.core.treating import treatment
from deskcli.i18n import N_, _
from deskcli.ui import output


def close(
    ctx: typer.Context,
    ticket_id: TicketId,
    note: Annotated[Optional[str], typer.Option("--note", help=N_("A closing note."))] = None,
) -> None:
    """Close a solved call (by its opener), or file a not-admissible one, and archive it.

    Example: deskcli close 42
    """
    ticket = treatment.close(state(ctx).desk(), ticket_id, now=clock.now(), note=note)
    output.answer().done(ticket, _("Ticket #{number} closed and archived.").format(number=ticket_id),
                         "deskcli list")
    _confirmation(ticket)


def _confirmation(ticket: dict) -> None:
    """What the caller said to the resolution notice, for the technician who closes."""
    from deskcli.core.calls import conversation

    if not conversation.asked_to_confirm(ticket):
        return
    answer = conversation.confirmation(ticket)
    if answer is None:
        output.message(_("The caller has not answered the resolution notice."))
        return
    text = output.safe_line(answer.get("text") or answer.get("subject") or "")
    output.message(_("The caller answered the resolution notice on {when}: \"{text}\"").format(
        when=output.when(answer["at"]), text=text[:300]))


def reopen(
    ctx: typer.Context,
    ticket_id: TicketId,
    reason: Annotated[Optional[str], typer.Option(
        "--reason", help=N_("Why the call comes back (asked in a terminal)."))] = None,
    no_input: NoInputOption = False,
) -> None:
    """Reopen a solved or closed call, keeping its whole history.

    Example: deskcli reopen 42 --reason "the printer jams again"
    """
    st = state(ctx)
    if not reason:
        reason = ask_missing(st, no_input, "--reason", _("Why does the call come back?"))
    ticket = treatment.reopen(st.desk(), ticket_id, reason=reason, now=clock.now())
    from deskcli.ui.render import next_for

    output.answer().done(ticket, _("Ticket #{number} reopened.").format(number=ticket_id),
                         next_for(ticket))
