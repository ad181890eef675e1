"""What a command says of the work left after its changes: hooks run, messages sent."""

from __future__ import annotations

from deskcli import i18n
from deskcli.core.calls import conversation
from deskcli.core.base.errors import DeskError
from deskcli.i18n import _, ngettext
from deskcli.ui import output


def report(aftermath: conversation.Aftermath) -> None:
    for run in aftermath.hooks_failed:
        output.warn(_("hook {hook} failed for #{number} ({reason}); the change is recorded.").format(
            hook=run.hook, number=run.ticket, reason=output.safe_line(run.problem)))
    delivery = aftermath.delivery
    if delivery is not None:
        for record in delivery.sent:
            output.message(_("Sent to {to}: {subject}").format(
                to=", ".join(record["to"]), subject=output.safe_line(record["subject"])))
        for record in delivery.failed:
            output.warn(_("the mail server refused the message to {to} ({reason}); `deskcli mail "
                          "outbox` lists it.").format(to=", ".join(record["to"]),
                                                      reason=output.safe_line(record["last_error"])))
        if delivery.waiting:
            output.warn(ngettext(
                "{count} message waits in the outbox: {reason}",
                "{count} messages wait in the outbox: {reason}", len(delivery.waiting)).format(
                count=len(delivery.waiting), reason=delivery.problem or delivery.waiting[0]["last_error"]))
    if aftermath.problem:
        output.warn(_("the messages wait in the outbox: {reason}").format(reason=aftermath.problem))


def run(desk) -> conversation.Aftermath | None:
    """Hooks and sending for the changes `desk` committed, reported; None if nothing was left."""
    pending = getattr(desk, "followups", None)
    if pending is None or not (pending.hooks or pending.queued):
        return None
    try:
        aftermath = conversation.follow_up(desk)
    except DeskError as exc:
        # The command's own change is recorded; what follows it is said, not undone.
        output.warn(i18n.shown(exc.args[0]) if exc.args else str(exc))
        return None
    report(aftermath)
    return aftermath
