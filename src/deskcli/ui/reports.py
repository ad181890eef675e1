"""How reports look: templates for the intervention report and the dashboard, tables and
charts for the terminal, rows for a spreadsheet."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from deskcli import i18n
from deskcli.core import choices
from deskcli.core.sla import CLOCK_LABELS, PRIORITIES
from deskcli.i18n import N_, _, tr
from deskcli.ui import output
from deskcli.ui.output import when

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _duration(minutes: Any) -> str:
    if minutes in (None, ""):
        return ""
    return i18n.duration(timedelta(minutes=float(minutes)))


def _markdown(value: Any) -> str:
    """A value for one Markdown table cell: marks escaped, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", output.safe_line(value))


def _equipment(equipment: dict) -> str:
    parts = [equipment.get(k) for k in ("device", "os", "network", "software")]
    return ", ".join(p for p in parts if p)


def _finalize(value: Any) -> Any:
    # Ticket text comes from callers: control characters are shown escaped, never raw.
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    shown = output.safe(value)
    # A translated sentence comes back as Markup, its values escaped once already: it stays
    # Markup, or autoescape would escape them a second time (O&amp;amp;Brien).
    return type(value)(shown) if hasattr(value, "__html__") else shown


@lru_cache(maxsize=None)
def environment(html: bool):
    import jinja2

    from deskcli.core.paths import data_file
    from deskcli.ui.render import describe

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_file("templates")),
        autoescape=html,
        finalize=_finalize,
        undefined=jinja2.ChainableUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The templates' words go through the catalog, looked up at each rendering: the cached
    # environment serves every language.
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)
    env.filters.update(when=when, line=output.safe_line, describe=describe, duration=_duration,
                       md=_markdown, equipment=_equipment, percent=percent, pad=_pad,
                       label=_label, amount=_amount)
    env.globals.update(lang=lambda: i18n.language())
    return env


def _pad(text: str, width: int) -> str:
    """A label of the text report, padded to its column whatever the language (a longer
    label keeps one space before its value)."""
    return f"{text:<{width - 1}} "


def _label(value: Any, kind: str) -> str:
    """A machine value (a channel, a kind of organisation) as the session names it."""
    if kind == "status":
        from deskcli.ui.render import status_text

        return status_text(value)
    if kind == "basis":
        return tr(BASIS[value]) if value in BASIS else value
    if kind == "table":
        return tr(value) if value in TABLE_KEYS else value
    if kind == "age":
        return tr(AGE_LABELS[value]) if value in AGE_LABELS else value
    if kind == "state":
        from deskcli.ui.render import STATE_LABELS

        return tr(STATE_LABELS[value]) if value in STATE_LABELS else value
    return choices.label(kind, value) if value else value


# What admits a call, as the report names it.
BASIS = {"contract": N_("contract"), "warranty": N_("warranty"), "internal": N_("internal"),
         "billed": N_("billed")}


def _amount(value: Any) -> str:
    from deskcli.ui.render import amount_text

    return amount_text(value)


def render(template: str, **values: Any) -> str:
    return environment(template.endswith(".html.j2")).get_template(template).render(**values)


INTERVENTION_TEMPLATES = {"text": "intervention.txt.j2", "markdown": "intervention.md.j2",
                          "html": "intervention.html.j2"}


def intervention(document: dict, fmt: str) -> str:
    return render(INTERVENTION_TEMPLATES[fmt], t=document["ticket"], **document)


# -- indicators ------------------------------------------------------------------


def percent(value: float | None) -> str:
    return i18n.percent(value)


def _minutes(value: float | None) -> str:
    return "-" if value is None else _duration(value)


def sla_rows(document: dict) -> list[list]:
    rows = []
    for priority in PRIORITIES:
        row = document["sla"][str(priority)]
        for clock in ("take_charge", "resolution"):
            cell = row[clock]
            verdict = "-" if cell["meets_target"] is None else _("yes") if cell["meets_target"] else _("NO")
            rows.append([priority, tr(CLOCK_LABELS[clock]), cell["met"], cell["missed"], cell["running"],
                         percent(cell["compliance"]), percent(cell["target"]), verdict])
    return rows


SLA_HEADERS = [N_("P"), N_("Clock"), N_("Met"), N_("Missed"), N_("Running"), N_("Compliance"),
               N_("Target"), N_("On target")]


def resolution_rows(document: dict) -> list[list]:
    rows = []
    for key, cell in [("all", document["resolution_time"]["all"]),
                      *document["resolution_time"]["by_priority"].items()]:
        if key != "all" and not cell["count"]:
            continue
        rows.append([tr(key) if key in ("all", "unqualified") else f"P{key}", cell["count"],
                     _minutes(cell["mean_minutes"]), _minutes(cell["median_minutes"])])
    return rows


def headline_rows(document: dict) -> list[list]:
    flr = document["first_level_resolution"]
    rate = document["first_level_resolution_rate"]
    if rate is None:
        first = _("{rate} of {count} closed incidents, target {target}")
    elif rate >= flr["target"]:
        first = _("{rate} of {count} closed incidents, target {target} (on target)")
    else:
        first = _("{rate} of {count} closed incidents, target {target} (below target)")
    escalations = document["escalations"]
    return [
        [_("Calls received"), document["calls"]],
        [_("Not admissible"), document["not_admissible"]],
        [_("Abandoned calls"), _("{count} ({share} of calls)").format(
            count=document["abandoned"], share=percent(document["abandoned_rate"]))],
        [_("First-level resolution"), first.format(
            rate=percent(rate), count=flr["closed_incidents"], target=percent(flr["target"]))],
        [_("Resolution time (mean / median)"),
         f"{_minutes(document['resolution_time']['all']['mean_minutes'])} / "
         f"{_minutes(document['resolution_time']['all']['median_minutes'])}"],
        [_("Transfers"), document["transfers"]],
        [_("Escalations"), _("{total} ({functional} functional, {hierarchical} hierarchical)").format(
            total=escalations["total"], functional=escalations["functional"],
            hierarchical=escalations["hierarchical"])],
        [_("On-site interventions"), document["interventions"]],
        [_("Time spent"), _minutes(document["time_spent_minutes"]) or i18n.duration(timedelta(0))],
        [_("Backlog (open at the end)"), document["backlog"]["total"]],
    ]


def group_rows(document: dict) -> list[list]:
    rows = []
    for group in document["groups"]:
        tc = _pooled(group["sla"], "take_charge")
        rs = _pooled(group["sla"], "resolution")
        rows.append([group["key"], group["calls"], group["not_admissible"],
                     percent(group["first_level_resolution_rate"]),
                     _minutes(group["resolution_time"]["all"]["mean_minutes"]),
                     percent(tc), percent(rs), group["transfers"],
                     group["escalations"]["total"], group["interventions"],
                     _minutes(group["time_spent_minutes"]) or i18n.duration(timedelta(0))])
    return rows


GROUP_HEADERS = [N_("Group"), N_("Calls"), N_("Not adm."), N_("Level 1"), N_("Mean resol."),
                 N_("TC SLA"), N_("Resol. SLA"), N_("Transf."), N_("Escal."), N_("On site"), N_("Time")]
# The keys of the indicators' tables, as the session reads them.
TABLE_KEYS = (N_("all"), N_("unqualified"), N_("incident"), N_("request"), N_("none"))


def _pooled(table: dict, clock: str) -> float | None:
    met = sum(table[str(p)][clock]["met"] for p in PRIORITIES)
    decided = met + sum(table[str(p)][clock]["missed"] for p in PRIORITIES)
    return met / decided if decided else None


def _counts(mapping: dict, kind: str | None = None) -> str:
    return ", ".join(f"{_label(k, kind) if kind else k} {v}" for k, v in mapping.items() if v) \
        or _("none")


AGE_LABELS = {"< 1 day": N_("< 1 day"), "1-3 days": N_("1-3 days"), "3-7 days": N_("3-7 days"),
              "7-30 days": N_("7-30 days"), "> 30 days": N_("> 30 days")}
CALLS_PER = {"day": N_("Calls received per day"), "week": N_("Calls received per week"),
             "month": N_("Calls received per month"),
             "week (from Monday)": N_("Calls received per week (from Monday)")}
PERIOD_COUNTS = N_("calls received in the period, as they stood at its end")


def period_counts(period: dict) -> str:
    """What the period counts (kept in English in the report's JSON), in the session's words."""
    return tr(period["counts"]) if period.get("counts") == PERIOD_COUNTS else period.get("counts", "")


def indicators_text(document: dict, chart: bool) -> None:
    period = document["period"]
    output.data(_("Desk indicators from {start} to {end}").format(
        start=when(period["since"]), end=when(period["until"])))
    output.data(f"({period_counts(period)})")
    output.data("")
    output.table(headline_rows(document), [_("Indicator"), _("Value")])
    output.data("")
    output.data(_("Calls by channel: {counts}").format(counts=_counts(document["calls_by_channel"], "channel")))
    output.data(_("Calls by type: {counts}").format(counts=_counts(document["calls_by_type"], "table")))
    output.data("")
    output.table(resolution_rows(document), [_("Priority"), _("Resolved"), _("Mean"), _("Median")])
    output.data("")
    # Priorities without a single call would only add rows of dashes on screen.
    output.table([row for row in sla_rows(document) if row[2] or row[3] or row[4]]
                 or sla_rows(document), [tr(h) for h in SLA_HEADERS])
    if document.get("groups") is not None:
        output.data("")
        output.data(_("By {grouping}").format(grouping=choices.label("report_by", document["by"])))
        output.table(group_rows(document), [tr(h) for h in GROUP_HEADERS])
    backlog = document["backlog"]
    output.data("")
    output.data(_("Backlog at {when}, calls not closed: {count}").format(
        when=when(backlog["as_of"]), count=backlog["total"]))
    output.data("  " + _("by age: {counts}").format(counts=_counts(backlog["by_age"], "age")))
    output.data("  " + _("by worst clock: {counts}").format(counts=_counts(backlog["by_state"], "state")))
    output.data("  " + _("by status: {counts}").format(counts=_counts(backlog["by_status"], "status")))
    if backlog["past_maximum"]:
        output.data(_("Not closed past their maximum delay:"))
        output.table([[t["id"], t["priority"] or "-", when(t["deadline"]),
                       _minutes(t["overdue_minutes"]), t["organisation"], t["summary"]]
                      for t in backlog["past_maximum"]],
                     [_("ID"), _("P"), _("Maximum was"), _("Overdue"), _("Organisation"), _("Summary")])
    if document["recurring_incidents"]:
        output.data("")
        output.data(_("Recurring incidents"))
        output.table([[g["count"], ", ".join(f"#{i}" for i in g["tickets"][:8])
                       + (" ..." if len(g["tickets"]) > 8 else ""), g["summary"],
                       f"PRB-{g['problem']}" if g["problem"] else _("none")]
                      for g in document["recurring_incidents"]],
                     [_("Calls"), _("Tickets"), _("Latest summary"), _("Problem")])
    if document["open_problems"]:
        output.data("")
        output.data(_("Open problems"))
        output.table([[f"PRB-{p['id']}", p["title"], p["incidents"], when(p["opened_at"])]
                      for p in document["open_problems"]],
                     [_("Problem"), _("Title"), _("Incidents"), _("Opened")])
    if chart:
        output.data("")
        output.data(terminal_charts(document))


def terminal_charts(document: dict) -> str:
    """Calls over time and SLA compliance per priority, drawn by plotext."""
    import os
    import sys

    import plotext as plt

    over = document["over_time"]
    unit, points = over["unit"], [(p["start"], p["calls"]) for p in over["points"]]
    if unit == "day" and len(points) > 16:
        # A screen reads a month better as weeks: one bar per week, from its Monday.
        from datetime import date

        from deskcli.core.indicators import bucket_start

        weeks: dict[str, int] = {}
        for start, calls in points:
            monday = bucket_start(date.fromisoformat(start), "week").isoformat()
            weeks[monday] = weeks.get(monday, 0) + calls
        unit, points = "week (from Monday)", list(weeks.items())
    labels = [start[:7] if unit == "month" else start[5:] for start, _count in points]
    width = min(100, max(40, output.terminal_width()))
    plt.clf()
    plt.simple_bar(labels, [calls for _start, calls in points], width=width,
                   title=tr(CALLS_PER[unit]))
    calls = plt.build()
    plt.clf()
    names, values = [], []
    for priority in PRIORITIES:
        for clock in ("take_charge", "resolution"):
            cell = document["sla"][str(priority)][clock]
            if cell["compliance"] is not None:
                names.append(_("P{priority} {clock} (target {target})").format(
                    priority=priority, clock=tr(CLOCK_LABELS[clock]), target=percent(cell["target"])))
                values.append(round(cell["compliance"] * 100, 1))
    text = calls
    if values:
        plt.simple_bar(names, values, width=width, title=_("SLA compliance (percent of decided clocks)"))
        text += "\n" + plt.build()
    plt.clf()
    plain = not sys.stdout.isatty() or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb"
    return plt.uncolorize(text) if plain else text


def csv_rows(document: dict) -> list[list]:
    """The indicators as section, group, item, value rows: one table a spreadsheet sorts."""
    rows = [["period", "", "since", document["period"]["since"]],
            ["period", "", "until", document["period"]["until"]]]

    def figures(group: str, doc: dict) -> None:
        for item in ("calls", "not_admissible", "first_level_resolution_rate", "transfers",
                     "interventions", "time_spent_minutes"):
            rows.append(["figures", group, item, doc[item]])
        rows.append(["figures", group, "closed_incidents", doc["first_level_resolution"]["closed_incidents"]])
        rows.append(["figures", group, "solved_at_level_1", doc["first_level_resolution"]["solved_at_level_1"]])
        for kind in ("functional", "hierarchical", "total"):
            rows.append(["escalations", group, kind, doc["escalations"][kind]])
        for key, cell in [("all", doc["resolution_time"]["all"]), *doc["resolution_time"]["by_priority"].items()]:
            for measure in ("count", "mean_minutes", "median_minutes"):
                rows.append(["resolution_time", group, f"{key}.{measure}", cell[measure]])
        for priority, row in doc["sla"].items():
            for clock, cell in row.items():
                for measure in ("met", "missed", "running", "compliance", "target"):
                    rows.append(["sla", group, f"{priority}.{clock}.{measure}", cell[measure]])

    figures("all", document)
    rows.append(["figures", "all", "abandoned", document["abandoned"]])
    rows.append(["figures", "all", "abandoned_rate", document["abandoned_rate"]])
    for section in ("calls_by_channel", "calls_by_type"):
        for key, value in document[section].items():
            rows.append([section, "all", key, value])
    backlog = document["backlog"]
    rows.append(["backlog", "all", "total", backlog["total"]])
    for part in ("by_age", "by_state", "by_status"):
        for key, value in backlog[part].items():
            rows.append(["backlog", "all", f"{part}.{key}", value])
    for ticket in backlog["past_maximum"]:
        rows.append(["past_maximum", "all", ticket["id"], ticket["overdue_minutes"]])
    for point in document["over_time"]["points"]:
        rows.append(["over_time", document["over_time"]["unit"], point["start"], point["calls"]])
    for group in document.get("groups") or []:
        figures(f"{document['by']}={group['key']}", group)
    return [[output.spreadsheet_cell(v) for v in row] for row in rows]


# -- SVG charts for the dashboard ----------------------------------------------------


def bar_chart(points: list[tuple[str, float]], *, width: int = 640, height: int = 180,
              maximum: float | None = None, targets: list[float] | None = None) -> dict:
    """Geometry of a vertical bar chart, for the dashboard template to draw as SVG."""
    top = maximum if maximum is not None else max([1, *(v for _, v in points)])
    left, bottom, plot_h = 34, 28, height - 40
    slot = (width - left - 6) / max(1, len(points))
    bars = []
    for index, (label, value) in enumerate(points):
        h = plot_h * (value / top) if top else 0
        bars.append({"x": round(left + index * slot + slot * 0.12, 1), "w": round(slot * 0.76, 1),
                     "y": round(height - bottom - h, 1), "h": round(h, 1), "label": label,
                     "value": value, "cx": round(left + index * slot + slot / 2, 1),
                     "show_label": len(points) <= 16 or index % max(1, len(points) // 12) == 0,
                     "target": None if targets is None else
                     round(height - bottom - plot_h * (targets[index] / top), 1)})
    ticks = [{"y": round(height - bottom - plot_h * f, 1), "value": round(top * f, 1)}
             for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "left": left, "base": height - bottom,
            "bars": bars, "ticks": ticks}


def dashboard(document: dict) -> str:
    over = document["over_time"]
    calls_chart = bar_chart([(p["start"], p["calls"]) for p in over["points"]])
    compliance, targets = [], []
    for priority in PRIORITIES:
        for clock, short in (("take_charge", "TC"), ("resolution", "RES")):
            cell = document["sla"][str(priority)][clock]
            compliance.append((f"P{priority} {short}", round((cell["compliance"] or 0) * 100, 1)))
            targets.append(cell["target"] * 100)
    sla_chart = bar_chart(compliance, maximum=100, targets=targets)
    return render("dashboard.html.j2", d=document, headline=headline_rows(document),
                  calls_title=tr(CALLS_PER.get(over["unit"], over["unit"])),
                  counts=period_counts(document["period"]), no=_("NO"),
                  sla_rows=sla_rows(document), sla_headers=SLA_HEADERS,
                  resolution=resolution_rows(document),
                  groups=group_rows(document) if document.get("groups") is not None else None,
                  group_headers=GROUP_HEADERS, calls_chart=calls_chart, sla_chart=sla_chart)
