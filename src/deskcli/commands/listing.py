"""`deskcli list` and `deskcli show`: find tickets and read a call's whole story."""

from typing import Annotated, Optional

import typer

from deskcli.commands.options import TicketId, state
from deskcli.core.base import clock
from deskcli.core.calls import choices, sla, tickets
from deskcli.i18n import N_, _
from deskcli.ui import output, render


def list_tickets(
    ctx: typer.Context,
    status: Annotated[Optional[str], typer.Option(
        "--status", help=N_("Only tickets in this status."), autocompletion=choices.completer("status"))] = None,
    org: Annotated[Optional[str], typer.Option("--org", help=N_("Only this organisation's tickets."))] = None,
    opener: Annotated[Optional[str], typer.Option("--opener", help=N_("Only tickets opened by NAME."))] = None,
    assignee: Annotated[Optional[str], typer.Option("--assignee", help=N_("Only tickets assigned to NAME."))] = None,
    mine: Annotated[bool, typer.Option("--mine", help=N_("Calls you opened and must follow to the end."))] = False,
    closed: Annotated[bool, typer.Option("--closed", help=N_("Closed tickets only."))] = False,
    all_tickets: Annotated[bool, typer.Option("--all", help=N_("Active and closed tickets."))] = False,
    priority: Annotated[Optional[int], typer.Option("--priority", help=N_("Only priority N (1-4)."))] = None,
    breached: Annotated[bool, typer.Option("--breached", help=N_("Only tickets with a breached or missed clock."))] = False,
    at_risk: Annotated[bool, typer.Option("--at-risk", help=N_("Only tickets with a clock at risk."))] = False,
    sort: Annotated[str, typer.Option(
        "--sort", help=N_("priority (then deadline; the default), newest or oldest (also priorité, "
                          "récents, anciens)."),
        show_default=False, autocompletion=choices.completer("sort"))] = "priority",
) -> None:
    """List tickets, active ones by default, by priority then nearest deadline.

    Example: deskcli list --at-risk --org "Atlas SARL"
    """
    scope = "all" if all_tickets else "closed" if closed else "active"
    desk = state(ctx).desk()
    if mine:
        opener = desk.technician
    found = tickets.list_tickets(
        desk, scope=scope, status=status, org=org, opener=opener,
        assignee=assignee, priority=priority, breached=breached, at_risk=at_risk, sort=sort,
    )
    def text() -> None:
        if not found:
            output.message(_("No ticket matches."))
        else:
            render.ticket_table(found)
            output.next_step(f"deskcli show {found[0]['id']}")

    output.answer().emit(found, text)


def show_ticket(ctx: typer.Context, ticket_id: TicketId) -> None:
    """Show a ticket's facts and its history as a timeline.

    Example: deskcli show 42
    """
    desk = state(ctx).desk()
    ticket = sla.with_view(tickets.get_ticket(desk, ticket_id), desk.settings, clock.now())
    def text() -> None:
        from deskcli.core.knowledge.problems import ticket_problem

        render.ticket_detail(ticket, ticket_problem(desk, ticket))
        output.next_step(render.next_for(ticket))

    output.answer().emit(ticket, text)
