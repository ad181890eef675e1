"""`deskcli sla`: the priority grid and the service targets this desk works to."""

from __future__ import annotations

import typer

from deskcli.commands.options import state
from deskcli.core.calls import sla as sla_core
from deskcli import i18n
from deskcli.i18n import _, tr
from deskcli.ui import output, render


def show_sla(ctx: typer.Context) -> None:
    """Print the priority grid and the targets table from the repository's settings.

    Example: deskcli sla
    """
    settings = state(ctx).desk().settings
    output.answer().emit(lambda: {
        "grid": settings["grid"],
        "targets": {p: settings["targets"][str(p)] for p in map(str, sla_core.PRIORITIES)},
        "at_risk": settings["sla"]["at_risk"],
        "hours": settings["hours"],
    }, lambda: _text(settings))


def _text(settings: dict) -> None:
    output.data(_("Priority grid (1 is the highest)"))
    render.grid_table(settings)
    output.data("")
    output.data(_("Service targets"))
    render.targets_table(settings)
    output.data("")
    output.data(_("A running clock is at risk once {share} of its time is used.").format(
        share=i18n.percent(settings["sla"]["at_risk"], 0)))
    calendar = sla_core.calendar(settings)
    if calendar.always_open:
        output.data(_("The clocks run around the clock (no opening hours set)."))
    else:
        hours = settings["hours"]
        days = [f"{tr(sla_core.WEEKDAY_SHORT[d])} {', '.join(hours[d]) or _('closed')}"
                for d in sla_core.WEEKDAYS]
        output.paragraph(_("Clocks count open time only: {days}").format(days="; ".join(days)),
                         unbroken=days)
        if hours["holidays"]:
            output.data(_("Holidays: {days}").format(
                days=", ".join(i18n.date_text(d) for d in hours["holidays"])))
