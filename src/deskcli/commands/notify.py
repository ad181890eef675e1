"""`deskcli notify`: raise each clock at risk or breached once (hooks, the team's address)."""

from __future__ import annotations

import time
from typing import Annotated, Optional

import typer

from deskcli.commands import followups
from deskcli.commands.options import state
from deskcli.core.base import clock
from deskcli.core.calls import watch
from deskcli.core.base.errors import InvalidInput
from deskcli.core.calls.sla import CLOCK_LABELS
from deskcli.i18n import N_, _
from deskcli.ui import output

_STATES = {"at_risk": N_("at risk"), "breached": N_("breached")}


def notify(
    ctx: typer.Context,
    every: Annotated[Optional[float], typer.Option(
        "--every", metavar=N_("SECONDS"),
        help=N_("Watch: look again every SECONDS until interrupted (default: once, for cron)."))] = None,
) -> None:
    """Raise each SLA clock at risk or breached once: hooks on-at-risk, on-breach, and mail.

    Example: deskcli notify   (from cron, or a systemd timer, every few minutes)
    """
    if every is not None and every < 1:
        raise InvalidInput(_("--every: {value} is not a number of seconds of 1 or more").format(
            value=every))
    st = state(ctx)
    while True:
        desk = st.desk()
        raised = watch.raise_alerts(desk, clock.now())
        output.answer().emit(raised, lambda: _text(raised, every))
        followups.run(desk)
        if every is None:
            return
        st.close()  # hooks run and the connection let go between two looks
        time.sleep(every)


def _text(raised: list[dict], every: float | None) -> None:
    if not raised and every is None:
        output.message(_("No clock newly at risk or breached."))
    for alert in raised:
        output.data(_("#{number}: {clock} clock {state} (deadline {deadline})").format(
            number=alert["ticket"], clock=_(CLOCK_LABELS[alert["clock"]]),
            state=_(_STATES[alert["state"]]), deadline=output.when(alert["deadline"])))
