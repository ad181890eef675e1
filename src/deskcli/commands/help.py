"""`deskcli help [VERB...]`: the help page of deskcli or of one of its verbs."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.i18n import N_


def help_command(
    ctx: typer.Context,
    verb: Annotated[Optional[list[str]], typer.Argument(
        help=N_("The verb (and subcommand) to explain; none for the list of verbs."),
        metavar=N_("[VERB]..."), show_default=False)] = None,
) -> None:
    """Show the help of deskcli, or of one verb (as `deskcli VERB --help` does).

    Example: deskcli help kb search
    """
    from deskcli.commands.options import UnknownVerb
    from deskcli.ui import output

    root = ctx.find_root()
    command, current = root.command, root
    for name in verb or []:
        known = command.list_commands(current) if hasattr(command, "list_commands") else []
        found = command.get_command(current, name) if name in known else None
        if found is None:
            raise UnknownVerb(name, current, known)
        current = typer.Context(found, info_name=name, parent=current)
        command = found
    output.data(command.get_help(current))
