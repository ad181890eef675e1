"""`deskcli problem`: incidents with an unknown cause, gathered until they are a known error."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import TICKET_NUMBER, NoInputOption, ask_missing, state
from deskcli.core.base import clock
from deskcli.core.calls import choices
from deskcli.core.knowledge import kb, problems
from deskcli.i18n import N_, _, ngettext
from deskcli.ui import knowledge, output

app = typer.Typer(help=N_("Problems behind incidents, and known errors."), no_args_is_help=True)

ProblemId = Annotated[str, typer.Argument(help=N_("The problem number (3 or PRB-3)."), metavar=N_("PROBLEM"))]


@app.command("open")
def open_problem(
    ctx: typer.Context,
    from_ticket: Annotated[Optional[int], typer.Option(
        "--from-ticket", click_type=TICKET_NUMBER, metavar=N_("ID"),
        help=N_("The incident whose cause is unknown (asked in a terminal)."))] = None,
    title: Annotated[Optional[str], typer.Option("--title", help=N_("Name of the problem (default: the ticket's summary)."))] = None,
    no_input: NoInputOption = False,
) -> None:
    """Requalify an incident whose cause is unknown as a problem.

    Example: deskcli problem open --from-ticket 42
    """
    st = state(ctx)
    if from_ticket is None:
        answer = ask_missing(st, no_input, "--from-ticket",
                             _("Which incident's cause is unknown (ticket number)?"))
        from_ticket = TICKET_NUMBER.convert(answer, None, None)
    found = problems.open_from_ticket(st.desk(), from_ticket, clock.now(), title=title)
    output.answer().done(found, _("Opened {problem} from #{number}: {title}.").format(
        problem=problems.label(found), number=from_ticket, title=output.safe_line(found["title"])))


@app.command("link")
def link(
    ctx: typer.Context,
    problem: ProblemId,
    ticket: Annotated[int, typer.Argument(help=N_("The incident to attach (42 or #42)."),
                                          click_type=TICKET_NUMBER, metavar=N_("ID"))],
) -> None:
    """Attach one more incident to a problem.

    Example: deskcli problem link PRB-3 57
    """
    found = problems.link(state(ctx).desk(), problems.problem_id(problem), ticket, clock.now())
    output.answer().done(found, ngettext("#{number} linked to {problem} ({count} incident).",
                                         "#{number} linked to {problem} ({count} incidents).",
                                         len(found["incidents"])).format(
        number=ticket, problem=problems.label(found), count=len(found["incidents"])))


@app.command("known-error")
def known_error(
    ctx: typer.Context,
    problem: ProblemId,
    cause: Annotated[str, typer.Option("--cause", help=N_("The cause found."))],
    workaround: Annotated[str, typer.Option("--workaround", help=N_("What to do meanwhile, or the fix."))],
    visibility: Annotated[str, typer.Option(
        "--visibility", help=N_("internal or faq, for its article (also interne)."),
        autocompletion=choices.completer("visibility"))] = "internal",
) -> None:
    """Record a problem's cause and workaround: it becomes a known error and a KB article.

    Example: deskcli problem known-error PRB-3 --cause "firmware 2.1 drops the VPN"
    --workaround "reconnect with the 2.0 profile"
    """
    found, article = problems.known_error(state(ctx).desk(), problems.problem_id(problem),
                                          cause=cause, workaround=workaround,
                                          visibility=visibility, now=clock.now())
    output.answer().done(dict(found, article_record=article),
                         _("{problem} is a known error; searchable as {article}.").format(
                             problem=problems.label(found), article=kb.label(article)))


@app.command("list")
def list_problems(
    ctx: typer.Context,
    status: Annotated[Optional[str], typer.Option(
        "--status", help=N_("open or known-error (also ouvert, erreur-connue)."),
        autocompletion=choices.completer("problem_status"))] = None,
) -> None:
    """List problems and known errors.

    Example: deskcli problem list --status open
    """
    found = problems.list_problems(state(ctx).desk(), status)
    output.answer().emit(found, lambda: knowledge.problem_table(found) if found else
                         output.message(_("No problem on record.")))


@app.command("show")
def show(ctx: typer.Context, problem: ProblemId) -> None:
    """Show a problem with its incidents and history.

    Example: deskcli problem show PRB-3
    """
    found = problems.get(state(ctx).desk(), problems.problem_id(problem))
    output.answer().emit(found, lambda: knowledge.problem_detail(found))


@app.command("suggest")
def suggest(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help=N_("Look at incidents opened in the last N days."))] = problems.SUGGEST_DAYS,
    minimum: Annotated[int, typer.Option("--min", help=N_("Smallest group worth a problem."))] = problems.SUGGEST_MINIMUM,
) -> None:
    """List groups of similar recurring incidents: candidates for a problem.

    Incidents are alike when their texts share many words, or fewer words from the same
    organisation or equipment. Incidents already linked to a problem are left out.

    Example: deskcli problem suggest --days 30 --min 3
    """
    found = problems.suggest(state(ctx).desk(), clock.now(), days=days, minimum=minimum)
    output.answer().emit(found, lambda: knowledge.suggestion_groups(found) if found else output.message(
        _("No group of similar incidents over the last {days}: a group needs {needed}.").format(
            days=ngettext("{count} day", "{count} days", days).format(count=days),
            needed=ngettext("{count} incident", "{count} incidents", minimum).format(count=minimum))))
