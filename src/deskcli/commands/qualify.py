"""`deskcli qualify`: call type, impact and urgency give the priority and its deadlines."""

from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, TicketId, state
from deskcli.core.base import clock
from deskcli.core.calls import choices, qualify, sla, tickets
from deskcli.core.base.errors import InvalidInput
from deskcli import i18n
from deskcli.i18n import N_, _
from deskcli.ui import output, prompts, render


def qualify_call(
    ctx: typer.Context,
    ticket_id: TicketId,
    call_type: Annotated[Optional[str], typer.Option(
        "--type", help=N_("incident or request (also demande)."), autocompletion=choices.completer("type"))] = None,
    impact: Annotated[Optional[str], typer.Option(
        "--impact", help=N_("company, department or user (also entreprise, service, vip, utilisateur)."),
        autocompletion=choices.completer("impact"))] = None,
    urgency: Annotated[Optional[str], typer.Option(
        "--urgency", help=N_("blocked, degraded or minor (also bloqué, ralenti, peut-vivre-avec)."),
        autocompletion=choices.completer("urgency"))] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help=N_("Why a qualified call is requalified."))] = None,
    no_input: NoInputOption = False,
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
        output.message(_("Ticket #{number}: {summary}").format(
            number=current["id"], summary=output.safe_line(current["summary"])))
        render.grid_table(desk.settings)
        call_type = call_type or prompts.select(
            _("Call type:"), [("incident", _("incident (something is broken)")),
                              ("request", _("service request (a demand)"))])
        impact = impact or prompts.select(_("Impact:"), [
            ("company", _("the whole company")), ("department", _("a department")),
            ("vip", _("a VIP (counts as a department)")), ("user", _("one user"))])
        urgency = urgency or prompts.select(_("Urgency:"), [
            ("blocked", _("blocked")), ("degraded", _("degraded (slowed down)")),
            ("minor", _("can live with it"))])
        if current.get("qualification") and not reason:
            reason = prompts.text(_("Why is the call requalified?"), required=True)
    elif missing:
        raise InvalidInput(_("missing {options}: give them, or run in a terminal to pick them "
                             "from the grid").format(options=", ".join(missing)))
    now = clock.now()
    ticket = qualify.qualify(desk, ticket_id, call_type=call_type, impact=impact,
                             urgency=urgency, reason=reason, now=now)
    ticket = sla.with_view(ticket, desk.settings, now)
    output.answer().emit(ticket, lambda: _text(ticket))


def _text(ticket: dict) -> None:
    explanation = i18n.shown(qualify.explain(ticket["qualification"]))
    line = _("Ticket #{number}: {explanation}").format(number=ticket["id"], explanation=explanation)
    output.paragraph(line, indent=len(line) - len(explanation))
    render.clocks_table(ticket["sla"])
    output.next_step(render.next_for(ticket))
