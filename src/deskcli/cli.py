"""The Typer app: global options, the command modules, and where errors become exit codes."""

from __future__ import annotations

import importlib
import os
import sys
from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from deskcli import __version__, i18n
from deskcli.commands.options import State
from deskcli.core.errors import DeskError
from deskcli.i18n import N_, _, tr
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
    "migrate": ("migrate", "migrate"),
    "kb": ("kb", "app"),
    "problem": ("problem", "app"),
    "contract": ("contract", "app"),
    "practice": ("practice", "app"),
}


class Translated:
    """Help pages in the session's language: the parts click writes itself in English."""

    def format_usage(self, ctx, formatter):
        pieces = [tr(piece) if piece == "COMMAND [ARGS]..." else piece
                  for piece in self.collect_usage_pieces(ctx)]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option


N_("COMMAND [ARGS]...")


class DeskCommand(Translated, TyperCommand):
    """One verb's command."""


def _single(name: str, function, help: str | None = None):
    single = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
    single.command(name, cls=DeskCommand, help=help)(function)
    return typer.main.get_command(single)


class VerbGroup(Translated, TyperGroup):
    """The subcommands of a verb (`deskcli kb ...`), each built only when it is asked for."""

    def __init__(self, name: str, app: typer.Typer) -> None:
        super().__init__(name=name, help=app.info.help, no_args_is_help=True, rich_markup_mode=None)
        self.app = app

    def list_commands(self, ctx):
        return [info.name for info in self.app.registered_commands]

    def get_command(self, ctx, name):
        built = self._built(name)
        return i18n.translate_command(built) if built is not None else None

    @lru_cache(maxsize=None)
    def _built(self, name: str):
        info = next((i for i in self.app.registered_commands if i.name == name), None)
        return _single(name, info.callback, info.help) if info else None


class RunnableVerbGroup(Translated, TyperGroup):
    """A verb that runs on its own and has subcommands (`deskcli practice`, `practice report`)."""

    def get_command(self, ctx, name):
        built = super().get_command(ctx, name)
        return i18n.translate_command(built) if built is not None else None


@lru_cache(maxsize=None)
def load_command(name: str):
    """The click command of one verb, built from its module on first use."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(f"deskcli.commands.{module}"), attribute)
    if isinstance(target, typer.Typer):
        if target.registered_callback is not None:
            # A verb that also runs on its own (`deskcli practice`) keeps its callback.
            target.info.cls = RunnableVerbGroup
            for info in target.registered_commands:
                info.cls = DeskCommand
            return typer.main.get_command(target)
        return VerbGroup(name, target)
    return _single(name, target)


class DeskGroup(Translated, TyperGroup):
    """The single translation point: a DeskError prints `Error: ...` and exits with its code.

    Anything else is a bug and keeps its traceback.
    """

    def main(self, *args, **kwargs):
        # The language is chosen before any help text or message is written, once per run
        # (in-process callers such as the tests may change it between two runs).
        i18n.activate()
        # Typer looks its own texts up through the gettext module's global functions,
        # which follow LANG, not DESKCLI_LANG: they are pointed at the session's catalog.
        typer.core._ = _
        warning = i18n.startup_warning()
        if warning and not os.environ.get("_DESKCLI_COMPLETE"):  # not at every TAB
            output.warn(warning)
        i18n.translate_command(self)
        from deskcli.commands.options import refuse_undecodable_arguments

        given = kwargs.get("args") if kwargs.get("args") is not None else (args[0] if args else sys.argv[1:])
        refuse_undecodable_arguments(list(given or []))
        return super().main(*args, **kwargs)

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        return i18n.translate_command(load_command(name)) if name in COMMANDS else None

    def make_context(self, *args, **kwargs):
        with _usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        try:
            with _usage_errors():
                return super().invoke(ctx)
        except DeskError as exc:
            output.message(_("Error: {message}").format(
                message=i18n.shown(exc.args[0]) if exc.args else exc))
            if os.environ.get("DESKCLI_DEBUG"):
                raise
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            output.message(_("Interrupted."))
            raise typer.Exit(130) from None
        finally:
            if isinstance(ctx.obj, State):
                ctx.obj.close()


@contextmanager
def _usage_errors():
    """Click's usage errors said in the session's language (English ones are left to click)."""
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    try:
        yield
    except UsageError as exc:
        if i18n.language() == i18n.SOURCE_LANGUAGE or isinstance(exc, NoArgsIsHelpError):
            raise
        output.message(i18n.usage_error_text(exc))
        raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=DeskGroup,
    name="deskcli",
    help=N_("deskcli: a command-line helpdesk that walks the call procedure."),
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
            metavar=N_("PATH"),
            help=N_("Repository directory (default: $DESKCLI_HOME, else the user data directory)."),
        ),
    ] = None,
    technician: Annotated[
        Optional[str],
        typer.Option(
            "--as", metavar=N_("NAME"), help=N_("Technician at work (default: $DESKCLI_USER, else login).")
        ),
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help=N_("Never prompt; missing facts are an error."))
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help=N_("Print exactly one JSON document on stdout."))
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version.")),
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
