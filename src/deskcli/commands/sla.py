"""`deskcli sla`: the priority grid and the service targets this desk works to."""

from __future__ import annotations

import typer

from deskcli.commands.options import JsonOption, state, wants_json
from deskcli.core import sla as sla_core
from deskcli.ui import output, render


def show_sla(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """Print the priority grid and the targets table from the repository's settings.

    Example: deskcli sla
    """
    settings = state(ctx).desk().settings
    if wants_json(ctx, json_output):
        output.emit_json({
            "grid": settings["grid"],
            "targets": {p: settings["targets"][str(p)] for p in map(str, sla_core.PRIORITIES)},
            "at_risk": settings["sla"]["at_risk"],
            "hours": settings["hours"],
        })
        return
    output.data("Priority grid (1 is the highest)")
    render.grid_table(settings)
    output.data("")
    output.data("Service targets")
    render.targets_table(settings)
    output.data("")
    output.data(f"A running clock is at risk once {settings['sla']['at_risk']:.0%} of its time is used.")
    calendar = sla_core.calendar(settings)
    if calendar.always_open:
        output.data("The clocks run around the clock (no opening hours set).")
    else:
        hours = settings["hours"]
        days = [f"{d[:3]} {', '.join(hours[d]) or 'closed'}" for d in sla_core.WEEKDAYS]
        output.data("Clocks count open time only: " + "; ".join(days))
        if hours["holidays"]:
            output.data("Holidays: " + ", ".join(hours["holidays"]))
