"""The Typer app: global options, the command modules, and where errors become exit codes."""

import importlib
import os
import sys
from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated, Optional

import typer
from typer._click.exceptions import UsageError  # loaded with typer: costs nothing more
from typer.core import TyperCommand, TyperGroup

from deskcli import __version__, i18n
from deskcli.commands.options import (JsonOption, State, UnknownVerb, accepting_json, option_name,
                                      refuse_undecodable_arguments)
from deskcli.core.base.errors import DeskError
from deskcli.i18n import N_, _, tr
from deskcli.ui import output

# Core's messages name facts (minutes, since); on the command line each is its option.
i18n.name_fields(option_name)

# The verbs, in the order of a call's life: name -> (module in deskcli.commands, attribute).
# A command's module is imported only when that command runs, so each command pays
# for its own imports and no other's. The daily verbs' modules (and this one) evaluate their
# annotations where they are defined, without `from __future__ import annotations`: Typer
# reads a callback's type hints twice per build, and hints kept as strings would be compiled
# and evaluated again at every run (5 ms of `open`'s start).
COMMANDS = {
    "init": ("init", "init"),
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
    "help": ("help", "help_command"),
    "reply": ("reply", "reply"),
    "mail": ("mail", "app"),
    "notify": ("notify", "notify"),
}
# The verbs that print no JSON document of their own (every other takes --json).
TEXT_ONLY = {"init", "help", "export"}

# The options of the whole program, taken wherever they stand on the line (before or after
# the verb, as git's -C or gh's --repo are): name -> whether a value follows it.
GLOBAL_OPTIONS = {"--home": True, "--as": True, "--lang": True, "--no-input": False,
                  "--json": False, "--no-color": False, "--quiet": False, "-q": False,
                  "--wide": False}


def hoist_global_options(args: list[str]) -> list[str]:
    """`args` with every global option moved before the verb, in its order; `--` ends the
    options, and what follows it is left where it is."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        if token == "--":
            rest.extend(args[index:])
            break
        name = token.split("=", 1)[0] if token.startswith("--") else token
        if name in GLOBAL_OPTIONS:
            front.append(token)
            if GLOBAL_OPTIONS[name] and "=" not in token and index + 1 < len(args):
                front.append(args[index + 1])
                index += 1
        else:
            rest.append(token)
        index += 1
    return front + rest


def language_asked(args: list[str]) -> str | None:
    """The value of --lang on the line (the last one wins), read before anything is said."""
    value = None
    for index, token in enumerate(args):
        if token == "--":
            break
        if token == "--lang" and index + 1 < len(args):
            value = args[index + 1]
        elif token.startswith("--lang="):
            value = token.split("=", 1)[1]
    return value


class Translated:
    """Help pages in the session's language: the parts click writes itself in English."""

    def format_usage(self, ctx, formatter):
        # Typer writes a required argument as {ID}: shown as ID, as every other program does.
        pieces = [tr(piece) if piece == "COMMAND [ARGS]..." else
                  piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
                  for piece in self.collect_usage_pieces(ctx)]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        known = self.list_commands(ctx)
        if name and name not in known and not name.startswith("-"):
            raise UnknownVerb(name, ctx, known)
        return super().resolve_command(ctx, args)

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
        return _single(name, accepting_json(info.callback), info.help) if info else None


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
            target.registered_callback.callback = accepting_json(target.registered_callback.callback)
            for info in target.registered_commands:
                info.cls = DeskCommand
                info.callback = accepting_json(info.callback)
            return typer.main.get_command(target)
        return VerbGroup(name, target)
    return _single(name, target if name in TEXT_ONLY else accepting_json(target))


class DeskGroup(Translated, TyperGroup):
    """The single translation point: a DeskError prints `Error: ...` and exits with its code.

    Anything else is a bug and keeps its traceback.
    """

    def main(self, args=None, *rest, **kwargs):
        args = list(sys.argv[1:] if args is None else args)
        if not os.environ.get("_DESKCLI_COMPLETE"):
            args = hoist_global_options(args)
        # The language is chosen before any help text or message is written, once per run
        # (in-process callers such as the tests may change it between two runs).
        i18n.activate(i18n.language_option(language_asked(args)))
        # Typer looks its own texts up through the gettext module's global functions,
        # which follow LANG, not DESKCLI_LANG: they are pointed at the session's catalog.
        typer.core._ = _
        warning = i18n.startup_warning()
        if warning and not os.environ.get("_DESKCLI_COMPLETE"):  # not at every TAB
            output.warn(warning)
        i18n.translate_command(self)
        output.configure()
        refuse_undecodable_arguments(args)
        return super().main(args, *rest, **kwargs)

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
            output.answer().error(exc)
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
    """Click's usage errors said in deskcli's words, in the session's language."""
    from typer._click.exceptions import NoArgsIsHelpError

    try:
        yield
    except UsageError as exc:
        if isinstance(exc, NoArgsIsHelpError):
            raise
        text = i18n.usage_error_text(exc)
        label = _("Error: {message}").format(message="\0").split("\0")[0]
        lines = text.split("\n")
        lines[-1] = lines[-1].replace(label, output.paint(label.rstrip(), "alarm", sys.stderr)
                                      + label[len(label.rstrip()):], 1)
        output.message("\n".join(lines))
        raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=DeskGroup,
    name="deskcli",
    help=N_("deskcli: a command-line helpdesk that walks the call procedure.\n\nStart a call "
            "with `deskcli open`; `deskcli help VERB` explains each verb. The options below go "
            "before or after the verb."),
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
    json_output: JsonOption = False,
    lang: Annotated[
        Optional[str],
        typer.Option("--lang", metavar=N_("LANG"), help=N_("Language of this run: en or fr (default: $DESKCLI_LANG, else the locale)."))
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help=N_("No colour, even on a terminal (as NO_COLOR=1)."))
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help=N_("No hints such as the next step; data and errors only."))
    ] = False,
    wide: Annotated[
        bool, typer.Option("--wide", help=N_("Tables with every column and whole values, however wide."))
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version.")),
    ] = False,
) -> None:
    """deskcli: a command-line helpdesk that walks the call procedure.

    Start a call with `deskcli open`; see `deskcli help COMMAND` for each step. The options
    below go before or after the verb.
    """
    if lang and i18n.language_option(lang) is None:
        raise typer.BadParameter(_("{value!r}: deskcli speaks {languages}.").format(
            value=lang, languages=", ".join(i18n.LANGUAGES)), param_hint="--lang")
    output.configure(no_color=no_color, quiet=quiet, wide=wide, json=json_output)
    ctx.obj = State(home=home, technician=technician, no_input=no_input)


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
