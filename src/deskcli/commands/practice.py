"""`deskcli practice`: simulated calls for students, scored against the procedure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from deskcli.commands.options import state
from deskcli.core import practice
from deskcli.core.base import clock
from deskcli.core.app.desk import technician_name
from deskcli.core.base.errors import InvalidInput
from deskcli.core.base.paths import repository_home
from deskcli.i18n import N_, say, shown
from deskcli.ui import output

# The verb runs on its own (`deskcli practice`) and has a subcommand (`practice report`):
# its callback's docstring is the help, as for any other command.
app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)

StudentOption = Annotated[Optional[str], typer.Option(
    "--student", metavar=N_("NAME"), help=N_("Whose results these are (default: the technician at work)."))]
StudentIdOption = Annotated[Optional[str], typer.Option(
    "--student-id", metavar=N_("ID"), help=N_(
        "The student's identifier for grades (a school ID number or username; default: the "
        "name with case and accents folded)."))]


def _pick(home: Path, student_id: str) -> practice.Scenario:
    """A scenario the student has played least, so a class goes through them all."""
    import random

    scenarios = practice.list_scenarios(home)
    if not scenarios:
        raise InvalidInput(say("no practice scenario is installed"))
    played: dict[str, int] = {}
    for card in practice.results(home, student_id=student_id):
        played[card["scenario"]] = played.get(card["scenario"], 0) + 1
    fewest = min(played.get(s.name, 0) for s in scenarios)
    return random.choice([s for s in scenarios if played.get(s.name, 0) == fewest])


def _who(st, student: str | None, student_id: str | None) -> tuple[str, str]:
    who = (student or "").strip() or technician_name(st.technician)
    key = practice.student_key(who)
    if student_id is not None:
        key = student_id.strip()
        if not key or any(c in key for c in ",;\"\n\t") or len(key) > 100:
            raise InvalidInput(say("--student-id: {value!r} is not an identifier (letters, "
                                   "digits, dots, @ or dashes, at most 100)", value=student_id))
    return who, key


def _take(ctx: typer.Context, chosen: practice.Scenario, who: str, key: str, mode: str,
          given: dict | None, exam: bool = False) -> None:
    """One call, kept whatever happens: a call stopped with Ctrl-C is kept as interrupted."""
    home = repository_home(state(ctx).home)
    start = clock.now()
    # A file of answers plays the scenario as written (its answers name its values); a
    # person gets the variants drawn anew at each play.
    chosen = chosen if given is not None else practice.draw(chosen)
    call = practice.PracticeCall(chosen, practice.sandbox(home, who, chosen), who, start,
                                 timed=mode in ("interactive", "exam") or (
                                     given is not None and isinstance(given.get("clock"), dict)),
                                 mode=mode, student_id=key)
    if given is not None:
        card = practice.play_answers(call, given, start)
    else:
        from deskcli.ui import practice as practice_ui

        try:
            card = practice_ui.play(call)
        except KeyboardInterrupt:
            card = practice.keep_result(home, call.interrupt(clock.now()))
            output.message(shown(say("Call interrupted: it is kept as interrupted, with "
                                     "{score}/{most}.", score=card["score"], most=card["max"])))
            raise typer.Exit(130) from None
    card = practice.keep_result(home, card)

    def text() -> None:
        from deskcli.ui import practice as practice_ui

        practice_ui.show_scorecard(card, hidden=exam)

    output.answer().emit(practice.exam_view(card) if exam else card, text)


@app.callback(invoke_without_command=True)
def practice_call(
    ctx: typer.Context,
    scenario: Annotated[Optional[str], typer.Option(
        "--scenario", metavar=N_("NAME"), help=N_("The scenario to play (a name from --list, or a "
                                                  "scenario file); default: one you played least."))] = None,
    list_only: Annotated[bool, typer.Option("--list", help=N_("List the scenarios and stop."))] = False,
    student: StudentOption = None,
    student_id: StudentIdOption = None,
    answers: Annotated[Optional[Path], typer.Option(
        "--answers", metavar=N_("FILE"), help=N_("Play from a TOML file of answers instead of prompts."))] = None,
    no_clock: Annotated[bool, typer.Option(
        "--no-clock", help=N_("Do not score the time taken (a first try)."))] = False,
) -> None:
    """Take a simulated call: the caller answers what you ask, then you are scored.

    Each decision (admissibility, type, impact, urgency, treatment, closing) is scored with
    the rule and its section; results are kept per student, with how the call was played
    (at the prompts, from a file of answers, untimed, or as an exam), in a sandbox
    repository apart from the real tickets. A teacher's graded session: `practice exam`.

    Example: deskcli practice --student "Salma" --scenario imprimante-assistante
    """
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    home = repository_home(st.home)
    if list_only:
        scenarios = practice.list_scenarios(home)

        def text() -> None:
            from deskcli.ui import practice as practice_ui

            practice_ui.show_list(scenarios)

        output.answer().emit([{"name": s.name, "title": s.title, "summary": s.summary,
                               "file": str(s.path)} for s in scenarios], text)
        return
    who, key = _who(st, student, student_id)
    chosen = practice.find_scenario(home, scenario) if scenario else _pick(home, key)
    given = None
    if answers is None:
        from deskcli.ui import prompts

        if not prompts.can_prompt(st.no_input):
            raise InvalidInput(say("a practice call asks its questions at a terminal; without one, "
                                   "give --answers FILE"))
    else:
        given = practice.read_answers(answers)
    mode = "answers" if given is not None else "untimed" if no_clock else "interactive"
    if no_clock and given is not None:
        given = {k: v for k, v in given.items() if k != "clock"}
    _take(ctx, chosen, who, key, mode, given)


@app.command("exam")
def practice_exam(
    ctx: typer.Context,
    set_names: Annotated[Optional[str], typer.Option(
        "--set", metavar=N_("NAMES"), help=N_(
            "For the teacher: the exam's scenarios, comma-separated, in order."))] = None,
    show: Annotated[bool, typer.Option("--show", help=N_("Show the exam's scenarios and stop."))] = False,
    student: StudentOption = None,
    student_id: StudentIdOption = None,
) -> None:
    """A graded session: each student plays the scenarios the teacher set, in order, at the
    prompts, timed; the expected answers are not shown, and a call stopped before its end is
    kept as interrupted. `practice report --format csv` takes the grades out.

    Example: deskcli practice exam --set serveur-directeur,sans-contrat,appel-perdu
    Example: deskcli practice exam --student "Inès Benali" --student-id 2026-0412
    """
    st = state(ctx)
    home = repository_home(st.home)
    if set_names is not None:
        current = practice.set_exam(home, set_names.split(","), clock.now())
        output.message(shown(say("Exam set: {names}.", names=", ".join(current["scenarios"]))))
        return
    current = practice.exam(home)
    if current is None:
        raise InvalidInput(say("no exam is set: the teacher sets one with `deskcli practice exam "
                               "--set NAME,NAME`"))
    if show:
        output.answer().emit(current, lambda: print(", ".join(current["scenarios"])))
        return
    who, key = _who(st, student, student_id)
    name = practice.next_exam_scenario(home, key)
    if name is None:
        output.message(shown(say("{student} has played every scenario of the exam.",
                                 student=who)))
        return
    from deskcli.ui import prompts

    if not prompts.can_prompt(st.no_input):
        raise InvalidInput(say("an exam is taken at a terminal, at the prompts"))
    _take(ctx, practice.find_scenario(home, name), who, key, "exam", None, exam=True)


@app.command("report")
def practice_report(
    ctx: typer.Context,
    student: Annotated[Optional[str], typer.Option(
        "--student", metavar=N_("NAME"), help=N_("Only this student (default: the whole class)."))] = None,
    student_id: Annotated[Optional[str], typer.Option(
        "--student-id", metavar=N_("ID"), help=N_("Only the student of this identifier."))] = None,
    mode: Annotated[Optional[str], typer.Option(
        "--mode", metavar=N_("MODE"), help=N_(
            "Only the calls played so: interactive, exam, answers or untimed."))] = None,
    scenario: Annotated[Optional[str], typer.Option(
        "--scenario", metavar=N_("NAME"), help=N_(
            "Only the calls of this scenario (one grade item of a gradebook)."))] = None,
    format_: Annotated[Optional[str], typer.Option(
        "--format", metavar=N_("FORMAT"), help=N_(
            "csv: one line per call (student_id, student, scenario, date, mode, status, score, "
            "max, percentage), for a spreadsheet or Moodle's grade import."))] = None,
) -> None:
    """Show each student's practice scores over time, how each call was played, the mastery
    of each rule, frequent mistakes and the class summary.

    Example: deskcli practice report --student "Salma"
    Example: deskcli practice report --mode exam --format csv > notes.csv
    """
    home = repository_home(state(ctx).home)
    cards = practice.results(home, student, student_id)
    if mode is not None:
        if mode not in practice.MODES:
            raise InvalidInput(say("--mode: {value!r} is not one of {allowed}", value=mode,
                                   allowed=", ".join(practice.MODES)))
        cards = [c for c in cards if practice.mode_of(c) == mode]
    if scenario is not None:
        cards = [c for c in cards if c["scenario"] == scenario]
    if format_ is not None:
        if format_ != "csv":
            raise InvalidInput(say("--format: {value!r} is not one of {allowed}", value=format_,
                                   allowed="csv"))
        print(practice.grades_csv(cards), end="")
        return
    report = practice.summary(cards)

    def text() -> None:
        from deskcli.ui import practice as practice_ui

        practice_ui.show_summary(report)

    output.answer().emit(report, text)


@app.command("check")
def practice_check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar=N_("FILE"), help=N_("The scenario file to check."))],
) -> None:
    """Check a scenario file: every unknown key and every incoherence is named; a sound file
    gets its model answers, as a file of answers to play it with.

    Example: deskcli practice check mon-scenario.toml > reponses.toml
    """
    scenario, problems = practice.check_scenario(file)
    answers = practice.right_answers(scenario) if scenario is not None and not problems else None
    document = {"file": str(file), "problems": problems, "answers": answers}
    if problems:
        output.answer().refuse(document, InvalidInput("\n".join(problems)))

    def text() -> None:
        output.message(shown(say("{path}: no mistake found; its model answers follow.",
                                 path=str(file))))
        print(practice.answers_toml(answers), end="")

    output.answer().emit(document, text)
