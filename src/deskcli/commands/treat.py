"""`deskcli treat`: direct treatment (diagnosis, actions, solution) or deferral to a colleague."""

import time
from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, TicketId, state
from deskcli.core.base import clock
from deskcli.core.calls import sla
from deskcli.core.treating import treatment
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _
from deskcli.ui import knowledge, output, prompts


def treat_call(
    ctx: typer.Context,
    ticket_id: TicketId,
    diagnosis: Annotated[Optional[str], typer.Option("--diagnosis", help=N_("What you found."))] = None,
    action: Annotated[Optional[list[str]], typer.Option("--action", help=N_("What you did (repeatable)."))] = None,
    minutes: Annotated[Optional[float], typer.Option("--minutes", help=N_("Time spent, in minutes."))] = None,
    solution: Annotated[Optional[str], typer.Option("--solution", help=N_("The solution given."))] = None,
    definitive: Annotated[bool, typer.Option("--definitive", help=N_("The solution is definitive."))] = False,
    temporary: Annotated[bool, typer.Option("--temporary", help=N_("A loan or a workaround: the call stays open."))] = False,
    defer: Annotated[bool, typer.Option("--defer", help=N_("Deferred treatment: assign to --to, who calls back."))] = False,
    to: Annotated[Optional[str], typer.Option("--to", help=N_("With --defer: the technician who takes the call."))] = None,
    no_input: NoInputOption = False,
) -> None:
    """Treat a call: record diagnosis, actions, time and solution, or defer it.

    Without options in a terminal, a clock runs against the level-1 budget and each
    diagnosis and action is saved as you type it.

    Example: deskcli treat 42 --diagnosis "toner empty" --action "replaced toner" --minutes 6
    --solution "toner replaced" --definitive
    """
    st = state(ctx)
    desk = st.desk()
    now = clock.now()
    if definitive and temporary:
        raise InvalidInput(_("--definitive and --temporary exclude each other"))
    if defer or to:
        if not (defer and to):
            raise InvalidInput(_("deferred treatment takes both --defer and --to NAME"))
        ticket = treatment.defer(desk, ticket_id, to=to, now=now)
        _done(desk, ticket, _("Ticket #{number} deferred to {name}, who calls the "
                                                "caller back.").format(number=ticket_id, name=to))
        return
    kind = True if definitive else False if temporary else None
    nothing = diagnosis is None and not action and minutes is None and solution is None and kind is None
    if nothing and prompts.can_prompt(st.no_input or no_input):
        from deskcli.ui.treating import TreatmentWalk

        ticket = TreatmentWalk(desk, ticket_id, time.monotonic).run()
    else:
        ticket = treatment.treat(desk, ticket_id, now=now, diagnosis=diagnosis, actions=action or [],
                                 minutes=minutes, solution=solution, definitive=kind)
        budget = desk.settings["treatment"]["level1_minutes"]
        if ticket["level"] == 1 and treatment.level1_minutes(ticket) > budget:
            output.warn(_("level-1 time on #{number} is past its {budget} min budget: escalate, "
                          "transfer or send someone on site").format(number=ticket_id, budget=budget))
    knowledge.offer_known_errors(desk, ticket)
    knowledge.note_unanswered(ticket)
    message = _("Ticket #{number} updated.")
    if ticket["status"] == "solved":
        message = _("Ticket #{number} solved: its opener closes it with `deskcli close`.")
    if ticket.get("solution") and not ticket["solution"]["definitive"] and ticket["status"] == "open":
        message = _("Ticket #{number} has a temporary solution: the call stays open until the "
                    "definitive one.")
    _done(desk, ticket, message.format(number=ticket_id))


def _done(desk, ticket: dict, text: str) -> None:
    from deskcli.ui.render import next_for

    output.answer().done(lambda: sla.with_view(ticket, desk.settings, clock.now()), text,
                         next_for(ticket))
