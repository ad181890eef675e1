"""`deskcli list` and `deskcli show`: find tickets and read a call's whole story."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import JsonOption, TicketId, state, wants_json
from deskcli.core import tickets
from deskcli.ui import output, render


def list_tickets(
    ctx: typer.Context,
    status: Annotated[Optional[str], typer.Option("--status", help="Only tickets in this status.")] = None,
    org: Annotated[Optional[str], typer.Option("--org", help="Only this organisation's tickets.")] = None,
    opener: Annotated[Optional[str], typer.Option("--opener", help="Only tickets opened by NAME.")] = None,
    assignee: Annotated[Optional[str], typer.Option("--assignee", help="Only tickets assigned to NAME.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Closed tickets only.")] = False,
    all_tickets: Annotated[bool, typer.Option("--all", help="Active and closed tickets.")] = False,
    sort: Annotated[str, typer.Option("--sort", help="newest, oldest or priority.")] = "newest",
    json_output: JsonOption = False,
) -> None:
    """List tickets, active ones by default, newest first.

    Example: deskcli list --org "Atlas SARL" --sort priority
    """
    scope = "all" if all_tickets else "closed" if closed else "active"
    found = tickets.list_tickets(
        state(ctx).desk(), scope=scope, status=status, org=org, opener=opener,
        assignee=assignee, sort=sort,
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
    ticket = tickets.get_ticket(state(ctx).desk(), ticket_id)
    if wants_json(ctx, json_output):
        output.emit_json(ticket)
    else:
        render.ticket_detail(ticket)
