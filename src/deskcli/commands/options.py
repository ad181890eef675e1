"""Options shared by several commands, and the state the global options set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Optional

import typer

from deskcli.core.desk import Desk, open_desk
from deskcli.core.repository import FIRST_NUMBER, LAST_NUMBER
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
TicketId = Annotated[int, typer.Argument(help=N_("The ticket number."), min=FIRST_NUMBER, max=LAST_NUMBER,
                                         metavar=N_("ID"))]


@dataclass
class State:
    home: str | None = None
    technician: str | None = None
    no_input: bool = False
    json: bool = False
    _desk: Desk | None = field(default=None, repr=False)

    def desk(self) -> Desk:
        if self._desk is None:
            self._desk = open_desk(self.home, self.technician)
        return self._desk

    def close(self) -> None:
        """Let go of the repository (a database connection) once the command is done."""
        if self._desk is not None:
            from deskcli.i18n import shown
            from deskcli.ui import output

            for warning in getattr(self._desk.repo, "warnings", ()):
                output.warn(shown(warning))
            self._desk.repo.close()
            self._desk = None


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def wants_json(ctx: typer.Context, local_flag: bool) -> bool:
    return local_flag or state(ctx).json


# Options that name a file or a directory: any bytes the system accepts.
PATH_OPTIONS = ("--home", "--output", "-o", "--from", "--rejects", "--answers")


def refuse_undecodable_arguments(args: list[str]) -> None:
    """Exit 2 naming the argument (and its option) that is not valid UTF-8 text: Python keeps
    such bytes as lone surrogates, which no file or database can store."""
    import sys

    from deskcli.core.decoding import check_text
    from deskcli.core.errors import InvalidInput
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
