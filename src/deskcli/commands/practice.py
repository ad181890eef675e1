"""`deskcli practice`: simulated calls for students, scored against the procedure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from deskcli.commands.options import JsonOption, state, wants_json
from deskcli.core import clock, practice
from deskcli.core.desk import technician_name
from deskcli.core.errors import InvalidInput
from deskcli.core.paths import repository_home
from deskcli.i18n import N_, say
from deskcli.ui import output

# The verb runs on its own (`deskcli practice`) and has a subcommand (`practice report`):
# its callback's docstring is the help, as for any other command.
app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)

StudentOption = Annotated[Optional[str], typer.Option(
    "--student", metavar=N_("NAME"), help=N_("Whose results these are (default: the technician at work)."))]


def _pick(home: Path, student: str) -> practice.Scenario:
    """A scenario the student has played least, so a class goes through them all."""
    import random

    scenarios = practice.list_scenarios(home)
    if not scenarios:
        raise InvalidInput(say("no practice scenario is installed"))
    played: dict[str, int] = {}
    for card in practice.results(home, student):
        played[card["scenario"]] = played.get(card["scenario"], 0) + 1
    fewest = min(played.get(s.name, 0) for s in scenarios)
    return random.choice([s for s in scenarios if played.get(s.name, 0) == fewest])


@app.callback(invoke_without_command=True)
def practice_call(
    ctx: typer.Context,
    scenario: Annotated[Optional[str], typer.Option(
        "--scenario", metavar=N_("NAME"), help=N_("The scenario to play (a name from --list, or a "
                                                  "scenario file); default: one you played least."))] = None,
    list_only: Annotated[bool, typer.Option("--list", help=N_("List the scenarios and stop."))] = False,
    student: StudentOption = None,
    answers: Annotated[Optional[Path], typer.Option(
        "--answers", metavar=N_("FILE"), help=N_("Play from a TOML file of answers instead of prompts."))] = None,
    no_clock: Annotated[bool, typer.Option(
        "--no-clock", help=N_("Do not score the time taken (a first try)."))] = False,
    json_output: JsonOption = False,
) -> None:
    """Take a simulated call: the caller answers what you ask, then you are scored.

    Each decision (admissibility, type, impact, urgency, treatment, closing) is scored with
    the rule and its section; results are kept per student, in a sandbox repository apart
    from the real tickets.

    Example: deskcli practice --student "Salma" --scenario imprimante-assistante
    """
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    home = repository_home(st.home)
    as_json = wants_json(ctx, json_output)
    if list_only:
        scenarios = practice.list_scenarios(home)
        if as_json:
            output.emit_json([{"name": s.name, "title": s.title, "summary": s.summary,
                               "file": str(s.path)} for s in scenarios])
        else:
            from deskcli.ui import practice as practice_ui

            practice_ui.show_list(scenarios)
        return
    who = (student or "").strip() or technician_name(st.technician)
    practice.student_key(who)
    chosen = practice.find_scenario(home, scenario) if scenario else _pick(home, who)
    if answers is None:
        from deskcli.ui import prompts

        if not prompts.can_prompt(st.no_input):
            raise InvalidInput(say("a practice call asks its questions at a terminal; without one, "
                                   "give --answers FILE"))
    else:
        given = practice.read_answers(answers)
    start = clock.now()
    call = practice.PracticeCall(chosen, practice.sandbox(home, who, chosen), who, start,
                                 timed=not no_clock)
    if answers is None:
        from deskcli.ui import practice as practice_ui

        card = practice_ui.play(call)
    else:
        card = practice.play_answers(call, given, start)
        if no_clock:
            call.timed = False
            card = practice.scorecard(call)
    card = practice.keep_result(home, card)
    if as_json:
        output.emit_json(card)
    else:
        from deskcli.ui import practice as practice_ui

        practice_ui.show_scorecard(card)


@app.command("report")
def practice_report(
    ctx: typer.Context,
    student: Annotated[Optional[str], typer.Option(
        "--student", metavar=N_("NAME"), help=N_("Only this student (default: the whole class)."))] = None,
    json_output: JsonOption = False,
) -> None:
    """Show each student's practice scores over time, frequent mistakes and the class summary.

    Example: deskcli practice report --student "Salma"
    """
    home = repository_home(state(ctx).home)
    report = practice.summary(practice.results(home, student))
    if wants_json(ctx, json_output):
        output.emit_json(report)
    else:
        from deskcli.ui import practice as practice_ui

        practice_ui.show_summary(report)


@app.command("check")
def practice_check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar=N_("FILE"), help=N_("The scenario file to check."))],
    json_output: JsonOption = False,
) -> None:
    """Check a scenario file: every unknown key and every incoherence is named; a sound file
    gets its model answers, as a file of answers to play it with.

    Example: deskcli practice check mon-scenario.toml > reponses.toml
    """
    scenario, problems = practice.check_scenario(file)
    answers = practice.right_answers(scenario) if scenario is not None and not problems else None
    if wants_json(ctx, json_output):
        output.emit_json({"file": str(file), "problems": problems, "answers": answers})
        if problems:
            raise typer.Exit(2)
        return
    if problems:
        raise InvalidInput("\n".join(problems))
    output.message(say("{path}: no mistake found; its model answers follow.", path=str(file)))
    print(practice.answers_toml(answers), end="")
