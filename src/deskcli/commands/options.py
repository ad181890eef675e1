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
