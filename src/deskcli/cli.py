"""The Typer app: global options, the command modules, and where errors become exit codes."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from deskcli import __version__
from deskcli.commands import close, contract, handover, inbox, listing, pending, qualify, sla, treat
from deskcli.commands import open as open_command
from deskcli.commands.options import State
from deskcli.core.errors import DeskError
from deskcli.ui import output


class DeskGroup(TyperGroup):
    """The single translation point: a DeskError prints `Error: ...` and exits with its code.

    Anything else is a bug and keeps its traceback.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DeskError as exc:
            output.message(f"Error: {exc}")
            if os.environ.get("DESKCLI_DEBUG"):
                raise
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            output.message("Interrupted.")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=DeskGroup,
    name="deskcli",
    help="deskcli: a command-line helpdesk that walks the call procedure.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"deskcli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Optional[str],
        typer.Option(
            "--home",
            metavar="PATH",
            help="Repository directory (default: $DESKCLI_HOME, else the user data directory).",
        ),
    ] = None,
    technician: Annotated[
        Optional[str],
        typer.Option(
            "--as", metavar="NAME", help="Technician at work (default: $DESKCLI_USER, else login)."
        ),
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; missing facts are an error.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """deskcli: a command-line helpdesk that walks the call procedure.

    Start a call with `deskcli open`; see `deskcli COMMAND --help` for each step.
    """
    ctx.obj = State(home=home, technician=technician, no_input=no_input, json=json_output)


# The verbs, in the order of a call's life.
app.command("open")(open_command.open_call)
app.command("qualify")(qualify.qualify_call)
app.command("treat")(treat.treat_call)
app.command("transfer")(handover.transfer)
app.command("escalate")(handover.escalate)
app.command("intervene")(handover.intervene)
app.command("pending")(pending.pending)
app.command("resume")(pending.resume)
app.command("close")(close.close)
app.command("reopen")(close.reopen)
app.command("inbox")(inbox.inbox)
app.command("list")(listing.list_tickets)
app.command("show")(listing.show_ticket)
app.command("sla")(sla.show_sla)
app.add_typer(contract.app, name="contract")


def main(argv: list[str] | None = None) -> None:
    app(args=argv if argv is not None else sys.argv[1:], prog_name="deskcli")
