"""`deskcli inbox`: the notices left for you by those who took your calls over."""

from __future__ import annotations

from typing import Annotated

import typer

from deskcli.commands.options import JsonOption, state, wants_json
from deskcli.core import notices
from deskcli.ui import output, render


def inbox(
    ctx: typer.Context,
    all_notices: Annotated[bool, typer.Option("--all", help="Read notices too.")] = False,
    keep: Annotated[bool, typer.Option("--keep", help="Leave unread notices unread.")] = False,
    json_output: JsonOption = False,
) -> None:
    """List your notices (unread ones, then marked read).

    Example: deskcli inbox --all
    """
    found = notices.inbox(state(ctx).desk(), include_read=all_notices, mark_read=not keep)
    if wants_json(ctx, json_output):
        output.emit_json(found)
    elif not found:
        output.message("No new notice.")
    else:
        output.table([[render.when(n["at"]), f"#{n['ticket']}", n["by"], n["text"]] for n in found],
                     ["When", "Ticket", "From", "Notice"])
