"""`deskcli problem`: incidents with an unknown cause, gathered until they are a known error."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import JsonOption, state, wants_json
from deskcli.core import clock, kb, problems
from deskcli.ui import knowledge, output

app = typer.Typer(help="Problems behind incidents, and known errors.", no_args_is_help=True)

ProblemId = Annotated[str, typer.Argument(help="The problem number (3 or PRB-3).", metavar="PROBLEM")]


@app.command("open")
def open_problem(
    ctx: typer.Context,
    from_ticket: Annotated[int, typer.Option("--from-ticket", min=1, metavar="ID",
                                             help="The incident whose cause is unknown.")],
    title: Annotated[Optional[str], typer.Option("--title", help="Name of the problem (default: the ticket's summary).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Requalify an incident whose cause is unknown as a problem.

    Example: deskcli problem open --from-ticket 42
    """
    found = problems.open_from_ticket(state(ctx).desk(), from_ticket, clock.now(), title=title)
    if wants_json(ctx, json_output):
        output.emit_json(found)
    else:
        output.message(f"Opened {problems.label(found)} from #{from_ticket}: "
                       f"{output.safe_line(found['title'])}.")


@app.command("link")
def link(
    ctx: typer.Context,
    problem: ProblemId,
    ticket: Annotated[int, typer.Argument(help="The incident to attach.", min=1, metavar="ID")],
    json_output: JsonOption = False,
) -> None:
    """Attach one more incident to a problem.

    Example: deskcli problem link PRB-3 57
    """
    found = problems.link(state(ctx).desk(), problems.problem_id(problem), ticket, clock.now())
    if wants_json(ctx, json_output):
        output.emit_json(found)
    else:
        output.message(f"#{ticket} linked to {problems.label(found)} "
                       f"({len(found['incidents'])} incidents).")


@app.command("known-error")
def known_error(
    ctx: typer.Context,
    problem: ProblemId,
    cause: Annotated[str, typer.Option("--cause", help="The cause found.")],
    workaround: Annotated[str, typer.Option("--workaround", help="What to do meanwhile, or the fix.")],
    visibility: Annotated[str, typer.Option("--visibility", help="internal or faq, for its article.")] = "internal",
    json_output: JsonOption = False,
) -> None:
    """Record a problem's cause and workaround: it becomes a known error and a KB article.

    Example: deskcli problem known-error PRB-3 --cause "firmware 2.1 drops the VPN"
    --workaround "reconnect with the 2.0 profile"
    """
    found, article = problems.known_error(state(ctx).desk(), problems.problem_id(problem),
                                          cause=cause, workaround=workaround,
                                          visibility=visibility, now=clock.now())
    if wants_json(ctx, json_output):
        output.emit_json(dict(found, article_record=article))
    else:
        output.message(f"{problems.label(found)} is a known error; searchable as {kb.label(article)}.")


@app.command("list")
def list_problems(
    ctx: typer.Context,
    status: Annotated[Optional[str], typer.Option("--status", help="open or known-error.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List problems and known errors.

    Example: deskcli problem list --status open
    """
    found = problems.list_problems(state(ctx).desk(), status)
    if wants_json(ctx, json_output):
        output.emit_json(found)
    elif not found:
        output.message("No problem on record.")
    else:
        knowledge.problem_table(found)


@app.command("show")
def show(ctx: typer.Context, problem: ProblemId, json_output: JsonOption = False) -> None:
    """Show a problem with its incidents and history.

    Example: deskcli problem show PRB-3
    """
    found = problems.get(state(ctx).desk(), problems.problem_id(problem))
    if wants_json(ctx, json_output):
        output.emit_json(found)
    else:
        knowledge.problem_detail(found)


@app.command("suggest")
def suggest(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="Look at incidents opened in the last N days.")] = problems.SUGGEST_DAYS,
    minimum: Annotated[int, typer.Option("--min", help="Smallest group worth a problem.")] = problems.SUGGEST_MINIMUM,
    json_output: JsonOption = False,
) -> None:
    """List groups of similar recurring incidents: candidates for a problem.

    Incidents are alike when their texts share many words, or fewer words from the same
    organisation or equipment. Incidents already linked to a problem are left out.

    Example: deskcli problem suggest --days 30 --min 3
    """
    found = problems.suggest(state(ctx).desk(), clock.now(), days=days, minimum=minimum)
    if wants_json(ctx, json_output):
        output.emit_json(found)
    elif not found:
        output.message(f"No group of {minimum} or more similar incidents in the last {days} days.")
    else:
        knowledge.suggestion_groups(found)
