"""The Typer app: global options, the command modules, and where errors become exit codes."""

from __future__ import annotations

import importlib
import os
import sys
from functools import lru_cache
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from deskcli import __version__
from deskcli.commands.options import State
from deskcli.core.errors import DeskError
from deskcli.ui import output


# The verbs, in the order of a call's life: name -> (module in deskcli.commands, attribute).
# A command's module is imported only when that command runs, so each command pays
# for its own imports and no other's.
COMMANDS = {
    "open": ("open", "open_call"),
    "qualify": ("qualify", "qualify_call"),
    "treat": ("treat", "treat_call"),
    "transfer": ("handover", "transfer"),
    "escalate": ("handover", "escalate"),
    "intervene": ("handover", "intervene"),
    "pending": ("pending", "pending"),
    "resume": ("pending", "resume"),
    "close": ("close", "close"),
    "reopen": ("close", "reopen"),
    "inbox": ("inbox", "inbox"),
    "list": ("listing", "list_tickets"),
    "show": ("listing", "show_ticket"),
    "sla": ("sla", "show_sla"),
    "report": ("report", "report"),
    "export": ("export", "export"),
    "doctor": ("doctor", "doctor"),
    "kb": ("kb", "app"),
    "problem": ("problem", "app"),
    "contract": ("contract", "app"),
    "practice": ("practice", "app"),
}


def _single(name: str, function, help: str | None = None):
    single = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
    single.command(name, help=help)(function)
    return typer.main.get_command(single)


class VerbGroup(TyperGroup):
    """The subcommands of a verb (`deskcli kb ...`), each built only when it is asked for."""

    def __init__(self, name: str, app: typer.Typer) -> None:
        super().__init__(name=name, help=app.info.help, no_args_is_help=True, rich_markup_mode=None)
        self.app = app

    def list_commands(self, ctx):
        return [info.name for info in self.app.registered_commands]

    def get_command(self, ctx, name):
        return self._built(name)

    @lru_cache(maxsize=None)
    def _built(self, name: str):
        info = next((i for i in self.app.registered_commands if i.name == name), None)
        return _single(name, info.callback, info.help) if info else None


@lru_cache(maxsize=None)
def load_command(name: str):
    """The click command of one verb, built from its module on first use."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(f"deskcli.commands.{module}"), attribute)
    if isinstance(target, typer.Typer):
        if target.registered_callback is not None:
            # A verb that also runs on its own (`deskcli practice`) keeps its callback.
            return typer.main.get_command(target)
        return VerbGroup(name, target)
    return _single(name, target)


class DeskGroup(TyperGroup):
    """The single translation point: a DeskError prints `Error: ...` and exits with its code.

    Anything else is a bug and keeps its traceback.
    """

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        return load_command(name) if name in COMMANDS else None

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


def main(argv: list[str] | None = None) -> None:
    """The process entry point (console script, `python -m deskcli`); in-process callers use `app`.

    Once the command is done and its output flushed, the process leaves without tearing
    the interpreter down: unloading Typer's and pydantic's modules would cost every
    command about 20 ms, and nothing of deskcli's is left open by then (files are written
    and closed, and the lock released, before a command returns).
    """
    try:
        app(args=argv if argv is not None else sys.argv[1:], prog_name="deskcli")
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader left early (`deskcli list | head`): what it wanted, it had
    os._exit(code)
