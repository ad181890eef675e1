"""`deskcli qualify`: call type, impact and urgency give the priority and its deadlines."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import JsonOption, NoInputOption, TicketId, state, wants_json
from deskcli.core import clock, qualify, sla, tickets
from deskcli.core.errors import InvalidInput
from deskcli.ui import output, prompts, render


def qualify_call(
    ctx: typer.Context,
    ticket_id: TicketId,
    call_type: Annotated[Optional[str], typer.Option("--type", help="incident or request.")] = None,
    impact: Annotated[Optional[str], typer.Option(
        "--impact", help="company, department or user (also entreprise, service, vip, utilisateur).")] = None,
    urgency: Annotated[Optional[str], typer.Option(
        "--urgency", help="blocked, degraded or minor (also bloque, ralenti, peut-vivre-avec).")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why a qualified call is requalified.")] = None,
    no_input: NoInputOption = False,
    json_output: JsonOption = False,
) -> None:
    """Qualify a call: its priority and SLA deadlines follow from the grid.

    Without options in a terminal, the grid is shown and you pick impact and urgency.

    Example: deskcli qualify 42 --type incident --impact department --urgency blocked
    """
    st = state(ctx)
    desk = st.desk()
    given = {"--type": call_type, "--impact": impact, "--urgency": urgency}
    missing = [flag for flag, value in given.items() if not value]
    if missing and prompts.can_prompt(st.no_input or no_input):
        current = tickets.get_ticket(desk, ticket_id)
        output.message(f"Ticket #{current['id']}: {output.safe_line(current['summary'])}")
        render.grid_table(desk.settings)
        call_type = call_type or prompts.select(
            "Call type:", [("incident", "incident (something is broken)"),
                           ("request", "service request (a demand)")])
        impact = impact or prompts.select("Impact:", [
            ("company", "the whole company"), ("department", "a department"),
            ("vip", "a VIP (counts as a department)"), ("user", "one user")])
        urgency = urgency or prompts.select("Urgency:", [
            ("blocked", "blocked"), ("degraded", "degraded (slowed down)"),
            ("minor", "can live with it")])
        if current.get("qualification") and not reason:
            reason = prompts.text("Why is the call requalified?", required=True)
    elif missing:
        raise InvalidInput(f"missing {', '.join(missing)}: give them, or run in a terminal to pick them from the grid")
    now = clock.now()
    ticket = qualify.qualify(desk, ticket_id, call_type=call_type, impact=impact,
                             urgency=urgency, reason=reason, now=now)
    ticket = sla.with_view(ticket, desk.settings, now)
    if wants_json(ctx, json_output):
        output.emit_json(ticket)
        return
    output.data(f"Ticket #{ticket['id']}: {qualify.explain(ticket['qualification'])}")
    render.clocks_table(ticket["sla"])
