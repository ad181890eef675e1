"""`deskcli pending` and `deskcli resume`: a call waiting on the caller, its clocks paused."""

from __future__ import annotations

from typing import Annotated

import typer

from deskcli.commands.options import TicketId, state
from deskcli.core.base import clock
from deskcli.core.calls import qualify, sla
from deskcli.i18n import N_, _
from deskcli.ui import output


def _done(ctx: typer.Context, ticket: dict, text: str) -> None:
    from deskcli.ui.render import next_for

    output.answer().done(lambda: sla.with_view(ticket, state(ctx).desk().settings, clock.now()),
                         text, next_for(ticket))


def pending(
    ctx: typer.Context,
    ticket_id: TicketId,
    reason: Annotated[str, typer.Option("--reason", help=N_("What the call waits for."))],
) -> None:
    """Mark a call as waiting on the caller; its SLA clocks pause.

    Example: deskcli pending 42 --reason "caller to send the printer's serial number"
    """
    ticket = qualify.set_pending(state(ctx).desk(), ticket_id, reason=reason, now=clock.now())
    _done(ctx, ticket,
          _("Ticket #{number} waits on the caller; its clocks are paused.").format(number=ticket_id))


def resume(ctx: typer.Context, ticket_id: TicketId) -> None:
    """Take a waiting call back; its SLA clocks run again.

    Example: deskcli resume 42
    """
    ticket = qualify.resume(state(ctx).desk(), ticket_id, now=clock.now())
    _done(ctx, ticket,
          _("Ticket #{number} resumed; its clocks run again.").format(number=ticket_id))
