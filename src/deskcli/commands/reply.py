"""`deskcli reply`: an e-mail to the caller, from the ticket, threaded to their last message."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from deskcli.commands import followups
from deskcli.commands.options import TicketId, state
from deskcli.core.base import clock
from deskcli.core.calls import conversation, tickets
from deskcli.core.mailing import sending
from deskcli.core.treating import replies
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _
from deskcli.ui import output


def _body(desk, ticket_id: int, message: str | None, message_file: str | None,
          template: str | None, interactive: bool) -> str:
    given = [name for name, value in (("--message", message), ("--message-file", message_file))
             if value is not None]
    if len(given) > 1:
        raise InvalidInput(_("give the reply once: --message or --message-file, not both"))
    if message is not None:
        return message
    if message_file is not None:
        try:
            if message_file == "-":
                return sys.stdin.read()
            with open(message_file, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(_("--message-file: cannot read {path}: {reason}").format(
                path=message_file, reason=getattr(exc, "strerror", None) or exc)) from None
    start = ""
    if template is not None:
        ticket = tickets.get_ticket(desk, ticket_id)
        start = sending.fill(sending.template_text(desk.settings, desk.home, f"replies/{template}"),
                             conversation.template_values(desk, ticket))
    if not interactive:
        if template is not None:
            return start
        raise InvalidInput(_("no reply given: use --message TEXT, --message-file FILE (- for "
                             "stdin) or --template NAME, or run it in a terminal to write it "
                             "in $EDITOR"))
    written = _edit(start)
    if written is None:
        raise InvalidInput(_("the editor was closed without saving: nothing was sent"))
    return written


def _edit(start: str) -> str | None:
    """The text written in $VISUAL or $EDITOR (else vi), in a private file; None if not saved."""
    import os
    import shlex
    import subprocess
    import tempfile

    command = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    fd, name = tempfile.mkstemp(prefix="deskcli-reply-", suffix=".txt")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(start)
        before = os.stat(name).st_mtime_ns
        try:
            # The editor is the technician's own command; the reply is only its argument.
            done = subprocess.run([*command, name])
        except OSError as exc:
            raise InvalidInput(_("cannot start the editor {editor}: {reason}").format(
                editor=command[0], reason=exc.strerror)) from None
        if done.returncode != 0 or os.stat(name).st_mtime_ns == before:
            return None
        with open(name, encoding="utf-8") as handle:
            return handle.read()
    finally:
        os.unlink(name)


def reply(
    ctx: typer.Context,
    ticket_id: TicketId,
    message: Annotated[Optional[str], typer.Option("--message", "-m", metavar=N_("TEXT"),
                                                   help=N_("The text of the reply."))] = None,
    message_file: Annotated[Optional[str], typer.Option(
        "--message-file", metavar=N_("FILE"), help=N_("Read the reply from FILE (- for stdin)."))] = None,
    template: Annotated[Optional[str], typer.Option(
        "--template", "-t", metavar=N_("NAME"),
        help=N_("Start from a usual answer (need-information, remote-session, on-site...)."))] = None,
    to: Annotated[Optional[str], typer.Option(
        "--to", metavar=N_("ADDRESS"), help=N_("Another address than the caller's."))] = None,
) -> None:
    """Send the caller an e-mail from the ticket; their answer comes back to it.

    The subject carries [#ID]; with no --message, $EDITOR opens in a terminal.
    Example: deskcli reply 42 -m "The new toner is on its way."
    """
    st = state(ctx)
    desk = st.desk()
    interactive = sys.stdin.isatty() and not st.no_input
    body = _body(desk, ticket_id, message, message_file, template, interactive)
    entry = replies.reply(desk, ticket_id, text=body, now=clock.now(), to=to)
    aftermath = followups.run(desk)
    delivery = aftermath.delivery if aftermath else None
    sent = bool(delivery and any(r["message_id"] == entry["message_id"] for r in delivery.sent))
    output.answer().emit(
        lambda: {"ticket": ticket_id, "event": entry, "sent": sent,
                 "delivery": delivery.as_dict() if delivery else None},
        None if sent else lambda: output.message(
            _("The reply is in #{number}'s history and waits in the outbox.").format(number=ticket_id)))
    if aftermath is not None and aftermath.problem:
        raise typer.Exit(sending.MailSettingsError.exit_code)
    if not sent and delivery is not None and delivery.problem:
        raise typer.Exit(sending.EX_TEMPFAIL)
