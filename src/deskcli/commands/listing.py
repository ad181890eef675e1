"""`deskcli list` and `deskcli show`: find tickets and read a call's whole story."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import JsonOption, TicketId, state, wants_json
from deskcli.core import clock, sla, tickets
from deskcli.ui import output, render


def list_tickets(
    ctx: typer.Context,
    status: Annotated[Optional[str], typer.Option("--status", help="Only tickets in this status.")] = None,
    org: Annotated[Optional[str], typer.Option("--org", help="Only this organisation's tickets.")] = None,
    opener: Annotated[Optional[str], typer.Option("--opener", help="Only tickets opened by NAME.")] = None,
    assignee: Annotated[Optional[str], typer.Option("--assignee", help="Only tickets assigned to NAME.")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Calls you opened and must follow to the end.")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Closed tickets only.")] = False,
    all_tickets: Annotated[bool, typer.Option("--all", help="Active and closed tickets.")] = False,
    priority: Annotated[Optional[int], typer.Option("--priority", help="Only priority N (1-4).")] = None,
    breached: Annotated[bool, typer.Option("--breached", help="Only tickets with a breached or missed clock.")] = False,
    at_risk: Annotated[bool, typer.Option("--at-risk", help="Only tickets with a clock at risk.")] = False,
    sort: Annotated[str, typer.Option("--sort", help="priority (then deadline), newest or oldest.")] = "priority",
    json_output: JsonOption = False,
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
    if wants_json(ctx, json_output):
        output.emit_json(found)
    elif not found:
        output.message("No ticket matches.")
    else:
        render.ticket_table(found)


def show_ticket(ctx: typer.Context, ticket_id: TicketId, json_output: JsonOption = False) -> None:
    """Show a ticket's facts and its history as a timeline.

    Example: deskcli show 42
    """
    desk = state(ctx).desk()
    ticket = sla.with_view(tickets.get_ticket(desk, ticket_id), desk.settings, clock.now())
    if wants_json(ctx, json_output):
        output.emit_json(ticket)
    else:
        from deskcli.core.problems import ticket_problem

        render.ticket_detail(ticket, ticket_problem(desk, ticket))
