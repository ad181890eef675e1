"""`deskcli inbox`: the notices left for you by those who took your calls over."""

from __future__ import annotations

from typing import Annotated

import typer

from deskcli.commands.options import state
from deskcli.core.calls import notices
from deskcli.i18n import N_, _
from deskcli.ui import output, render


def inbox(
    ctx: typer.Context,
    all_notices: Annotated[bool, typer.Option("--all", help=N_("Read notices too."))] = False,
    keep: Annotated[bool, typer.Option("--keep", help=N_("Leave unread notices unread."))] = False,
) -> None:
    """List your notices (unread ones, then marked read).

    Example: deskcli inbox --all
    """
    found = notices.inbox(state(ctx).desk(), include_read=all_notices, mark_read=not keep)
    def text() -> None:
        if not found:
            output.message(_("No new notice."))
        else:
            output.table([[render.when(n["at"]), f"#{n['ticket']}", n["by"], render.notice_text(n)]
                          for n in found],
                         [_("When"), _("Ticket"), _("From"), _("Notice")])

    output.answer().emit(found, text)
