"""`deskcli transfer`, `escalate` and `intervene`: handing a call over, as procedure §3 says."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, TicketId, state
from deskcli import i18n
from deskcli.core.base import clock
from deskcli.core.calls import choices, sla
from deskcli.core.knowledge import kb
from deskcli.core.treating import treatment
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _, shown
from deskcli.ui import output, prompts


def _done(desk, ticket: dict, text: str) -> None:
    for warning in ticket.pop("_warnings", []):
        output.warn(i18n.shown(warning))
    from deskcli.ui.render import next_for

    output.answer().done(lambda: sla.with_view(ticket, desk.settings, clock.now()), text,
                         next_for(ticket))


def transfer(
    ctx: typer.Context,
    ticket_id: TicketId,
    to: Annotated[str, typer.Option("--to", help=N_("The specialist group (see [groups] in settings)."))],
    reason: Annotated[str, typer.Option("--reason", help=N_("Why it exceeds level-1 skills."))],
) -> None:
    """Transfer a qualified call to a specialist group, after consulting the knowledge base.

    Example: deskcli transfer 42 --to network --reason "VPN concentrator fault"
    """
    desk = state(ctx).desk()
    ticket = treatment.transfer(desk, ticket_id, group=to, reason=reason, now=clock.now())
    consulted = kb.last_consultation(ticket)
    if consulted["empty"]:
        output.message(_("Knowledge base consulted: it is empty (recorded)."))
        output.hint(output.kb_empty_hint())
    elif not consulted["matches"]:
        output.message(_("Knowledge base consulted: no relevant article (recorded)."))
    else:
        output.message(_("Knowledge base consulted; similar incidents:"))
        for match in consulted["matches"]:
            output.message(f"  KB-{match['id']}  {output.safe_line(match['title'])}")
    _done(desk, ticket,
          _("Ticket #{number} transferred to {group} (level {level}).").format(
              number=ticket_id, group=shown(choices.group_term(ticket["group"])), level=ticket["level"]))


def escalate(
    ctx: typer.Context,
    ticket_id: TicketId,
    reason: Annotated[str, typer.Option("--reason", help=N_("Why it was not solved at this level in time."))],
    kind: Annotated[str, typer.Option(
        "--kind", help=N_("functional (the default: more skills or access) or hierarchical (more "
                          "authority); also fonctionnelle, hiérarchique."),
        # The default is named in the help text, in the session's language.
        show_default=False, autocompletion=choices.completer("escalation"))] = "functional",
) -> None:
    """Escalate a call one level up: a problem of this level not solved in time.

    Example: deskcli escalate 42 --reason "table of contents still broken after 10 min"
    """
    desk = state(ctx).desk()
    ticket = treatment.escalate(desk, ticket_id, reason=reason, kind=kind, now=clock.now())
    last = ticket["history"][-1] if ticket["history"][-1]["event"] == "escalated" else \
        next(e for e in reversed(ticket["history"]) if e["event"] == "escalated")
    text = (_("Ticket #{number} escalated to level {level} ({kind}), past the level-1 budget.")
            if last["budget_exceeded"] else
            _("Ticket #{number} escalated to level {level} ({kind}), within the level-1 budget."))
    _done(desk, ticket, text.format(
        number=ticket_id, level=ticket["level"], kind=choices.label("escalation", last["kind"])))


def intervene(
    ctx: typer.Context,
    ticket_id: TicketId,
    nature: Annotated[Optional[str], typer.Option("--nature", help=N_("What is to be done on site."))] = None,
    equipment: Annotated[Optional[str], typer.Option("--equipment", help=N_("Equipment concerned (default: the ticket's device)."))] = None,
    amount: Annotated[Optional[str], typer.Option("--amount", help=N_("Amount charged when not covered by the contract."))] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", help=N_("Optional deadline, YYYY-MM-DD HH:MM."))] = None,
    report: Annotated[Optional[int], typer.Option("--report", help=N_("Write the report of intervention N."), min=1)] = None,
    start: Annotated[Optional[str], typer.Option("--start", help=N_("With --report: start, YYYY-MM-DD HH:MM."))] = None,
    end: Annotated[Optional[str], typer.Option("--end", help=N_("With --report: end, YYYY-MM-DD HH:MM."))] = None,
    done: Annotated[Optional[str], typer.Option("--done", help=N_("With --report: what was done."))] = None,
    outcome: Annotated[Optional[str], typer.Option("--outcome", help=N_("With --report: outcome or follow-up."))] = None,
    part: Annotated[Optional[list[str]], typer.Option("--part", help=N_("With --report: part supplied or exchanged (repeatable)."))] = None,
    signed_by: Annotated[Optional[str], typer.Option("--signed-by", help=N_("With --report: the user who signs."))] = None,
    signer_function: Annotated[Optional[str], typer.Option("--signer-function", help=N_("With --report: the signer's function."))] = None,
    no_input: NoInputOption = False,
) -> None:
    """Request an on-site intervention, or write its report with --report N.

    Example: deskcli intervene 42 --nature "replace the power supply" --deadline "2026-11-25 14:00"

    Example: deskcli intervene 42 --report 1 --start "2026-11-25 10:00" --end "2026-11-25 11:15"
    --done "power supply replaced" --outcome "PC starts" --part "PSU 500W"
    --signed-by "Nadia Alami" --signer-function Director
    """
    desk = state(ctx).desk()
    now = clock.now()
    if report is None:
        if nature is None:
            raise InvalidInput(_("missing --nature: say what is to be done on site (or --report N "
                                 "to write a report)"))
        when = clock.parse_datetime(deadline, "--deadline") if deadline else None
        ticket = treatment.request_intervention(desk, ticket_id, nature=nature, equipment=equipment,
                                                amount=amount, deadline=when, now=now)
        number = ticket["interventions"][-1]["number"]
        _done(desk, ticket,
              _("Intervention {number} requested on #{ticket}; write its report with "
                "`deskcli intervene {ticket} --report {number} ...`.").format(
                  number=number, ticket=ticket_id))
        return
    missing = [f for f, v in (("--start", start), ("--end", end), ("--done", done), ("--outcome", outcome)) if not v]
    if missing and prompts.can_prompt(state(ctx).no_input or no_input):
        start = start or prompts.text(_("Start (YYYY-MM-DD HH:MM):"), required=True)
        end = end or prompts.text(_("End (YYYY-MM-DD HH:MM):"), required=True)
        done = done or prompts.text(_("What was done:"), required=True)
        outcome = outcome or prompts.text(_("Outcome or follow-up:"), required=True)
        if part is None:
            part = [p.strip() for p in prompts.text(_("Parts supplied, separated by commas (empty: none):")).split(",")
                    if p.strip()]
        if signed_by is None:
            signed_by = prompts.text(_("The user who signs (empty: not signed):")) or None
            if signed_by and not signer_function:
                signer_function = prompts.text(_("The signer's function:"), required=True)
        missing = []
    if missing:
        raise InvalidInput(_("missing {options}: a report needs each of them").format(
            options=", ".join(missing)))
    ticket = treatment.report_intervention(
        desk, ticket_id, number=report, start=clock.parse_datetime(start, "--start"),
        end=clock.parse_datetime(end, "--end"), done=done, outcome=outcome, parts=part or [],
        signed_by=signed_by, signer_function=signer_function, now=now)
    written = next(i for i in ticket["interventions"] if i["number"] == report)["report"]
    if written["signer"] and written["signer"]["commits_customer"] is False:
        output.warn(_("{name} is not among the contract's authorised signers: the signature "
                      "does not commit the customer").format(name=written["signer"]["name"]))
    _done(desk, ticket,
          _("Report of intervention {number} on #{ticket} written ({minutes}).").format(
              number=report, ticket=ticket_id, minutes=i18n.minutes_text(written["minutes"])))
