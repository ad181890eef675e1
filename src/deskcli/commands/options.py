"""Options shared by several commands, and the state the global options set."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Optional

import typer
from typer._click.exceptions import UsageError
from typer._click.types import ParamType  # click, as Typer carries it

from deskcli.core.app.desk import open_desk
from deskcli.core.store.repository import Desk, FIRST_NUMBER, LAST_NUMBER
from deskcli.i18n import N_

JsonOption = Annotated[
    bool, typer.Option("--json", help=N_("Print exactly one JSON document on stdout."))
]
NoInputOption = Annotated[
    bool, typer.Option("--no-input", help=N_("Never prompt; missing facts are an error."))
]
OutputOption = Annotated[
    Optional[str], typer.Option("--output", "-o", metavar=N_("FILE"),
                                help=N_("Write to FILE (private to you: it holds callers' data) instead of stdout."))
]
class TicketNumber(ParamType):
    """A ticket number as people write it: 42, #42 or T-42 (as `show` prints it, #42)."""

    name = "ticket"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip()
        match = re.fullmatch(r"(?:#|[Tt]-?)?\s*(\d+)", text)
        if match and FIRST_NUMBER <= int(match.group(1)) <= LAST_NUMBER:
            return int(match.group(1))
        from deskcli.i18n import _

        self.fail(_("{value} is not a ticket number (write 42, #42 or T-42).").format(
            value=repr(text)), param, ctx)


TICKET_NUMBER = TicketNumber()
TicketId = Annotated[int, typer.Argument(help=N_("The ticket number (42, #42 or T-42)."),
                                         click_type=TICKET_NUMBER, metavar=N_("ID"))]
OptionalTicketId = Annotated[Optional[int], typer.Argument(
    help=N_("A ticket number: print the reports of its on-site interventions. Without it: the desk's indicators."),
    click_type=TICKET_NUMBER, metavar=N_("[ID]"), show_default=False)]


@dataclass
class State:
    home: str | None = None
    technician: str | None = None
    no_input: bool = False
    _desk: Desk | None = field(default=None, repr=False)

    def desk(self) -> Desk:
        if self._desk is None:
            self._desk = open_desk(self.home, self.technician)
        return self._desk

    def close(self) -> None:
        """Run what the command left for after its changes, then let go of the repository."""
        if self._desk is not None:
            try:
                from deskcli.i18n import shown
                from deskcli.ui import output

                for warning in getattr(self._desk.repo, "warnings", ()):
                    output.warn(shown(warning))
                if getattr(self._desk, "followups", None) is not None:
                    # Hooks and messages of the committed changes, once the command is done.
                    from deskcli.commands import followups

                    followups.run(self._desk)
            finally:
                self._desk.repo.close()
                self._desk = None


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def ask_missing(st: State, no_input: bool, flag: str, question: str) -> str:
    """A required fact not given as `flag`: asked in a terminal, an error naming the flag
    in a script."""
    from deskcli.core.base.errors import InvalidInput
    from deskcli.i18n import _
    from deskcli.ui import prompts

    if prompts.can_prompt(st.no_input or no_input):
        return prompts.text(question, required=True)
    raise InvalidInput(_("missing {options}: give it, or run in a terminal to be asked").format(
        options=flag))


def accepting_json(function):
    """`function` as a verb that takes `--json`: the one declaration of the option.

    The global `--json` is read wherever it stands on the line (it is hoisted before the
    verb); the verb's own is what its help page and its completion show. Either way the
    command learns it from the output object (`output.answer()`), never from a parameter."""
    import functools
    import inspect

    if getattr(function, "accepts_json", False):
        return function
    signature = inspect.signature(function, eval_str=True)

    @functools.wraps(function)
    def command(*args, json_output: bool = False, **kwargs):
        if json_output:
            from deskcli.ui import output

            output.settings.json = True
        return function(*args, **kwargs)

    parameters = [*signature.parameters.values(),
                  inspect.Parameter("json_output", inspect.Parameter.KEYWORD_ONLY,
                                    default=False, annotation=JsonOption)]
    command.__signature__ = signature.replace(parameters=parameters)
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.accepts_json = True
    return command


def option_name(fact: str) -> str:
    """How the command line names a fact core speaks of: its option (`date_format` is
    --date-format). Core's messages say the fact; this is where it becomes a flag."""
    return "--" + fact.replace("_", "-")


# Options that name a file or a directory: any bytes the system accepts.
PATH_OPTIONS = ("--home", "--output", "-o", "--from", "--rejects", "--answers")


def refuse_undecodable_arguments(args: list[str]) -> None:
    """Exit 2 naming the argument (and its option) that is not valid UTF-8 text: Python keeps
    such bytes as lone surrogates, which no file or database can store."""
    import sys

    from deskcli.core.base.decoding import check_text
    from deskcli.core.base.errors import InvalidInput
    from deskcli.i18n import _, say, shown
    from deskcli.ui import output

    for position, arg in enumerate(args):
        option = arg.split("=", 1)[0] if arg.startswith("--") and "=" in arg else None
        if option is None and position and args[position - 1].startswith("-"):
            option = args[position - 1]
        if option in PATH_OPTIONS:
            continue  # a file name is bytes to the system, stored nowhere
        what = (say("the value of {option}", option=option) if option
                else say("argument {position}", position=position + 1))
        try:
            check_text(arg, what)
        except InvalidInput as exc:
            output.message(_("Error: {message}").format(message=shown(exc.args[0])))
            sys.exit(exc.exit_code)


class UnknownVerb(UsageError):
    """A verb deskcli does not have (the message offers the nearest ones it has)."""

    def __init__(self, name: str, ctx, known: list[str]) -> None:
        super().__init__(name, ctx)
        self.name = name
        self.known = known
