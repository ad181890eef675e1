"""How reports look: templates for the intervention report and the dashboard, tables and
charts for the terminal, rows for a spreadsheet."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from deskcli import i18n
from deskcli.core.calls import choices
from deskcli.core.calls.sla import CLOCK_LABELS, PRIORITIES
from deskcli.i18n import N_, _, ngettext, tr
from deskcli.ui import output
from deskcli.ui.output import when

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _duration(minutes: Any) -> str:
    if minutes in (None, ""):
        return ""
    return i18n.minutes_text(minutes)


def _markdown(value: Any) -> str:
    """A value for one Markdown table cell: marks escaped, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", output.safe_line(value))


def _equipment(equipment: dict) -> str:
    parts = [equipment.get(k) for k in ("device", "os", "network", "software")]
    return ", ".join(p for p in parts if p)


def _finalize(value: Any) -> Any:
    # Ticket text comes from callers: control characters are shown escaped, never raw.
    # Markup (a translated message whose values were escaped already) is kept as it is, so
    # that a name is escaped exactly once.
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

    from deskcli.core.base.paths import data_file
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
                       label=_label, amount=_amount, money=_money, css=_css_string,
                       day=_day, last_day=_last_day, number=_number,
                       percent_axis=lambda share: i18n.percent(share, 0))
    env.globals.update(lang=lambda: i18n.language(), embed=_embedded)
    return env


def _money(value: Any, issuer: dict) -> str:
    """A billed amount with its currency and whether tax is in it (150,00 € HT)."""
    from deskcli.ui.render import amount_text

    try:
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    currency = issuer.get("currency") or "EUR"
    if i18n.language() == i18n.SOURCE_LANGUAGE:
        text = f"{amount_text(value)} {currency}"
    else:
        from babel.numbers import format_currency

        text = format_currency(amount, currency, locale=i18n.BABEL_LOCALES.get(
            i18n.language(), i18n.language()))
    basis = _("incl. tax") if issuer.get("amounts") == "incl-tax" else _("excl. tax")
    return f"{text} {basis}"


def _css_string(value: Any) -> Any:
    """A text as a CSS string, for a page's running header and footer: quotes, backslashes
    and anything that could close the style element are escaped as CSS escapes."""
    from markupsafe import Markup

    text = " ".join(output.safe(value).split())
    escaped = "".join(c if c.isalnum() or c in " .,:;/#-_()°·'" or ord(c) > 127 and c not in "\u2028\u2029"
                      else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')


def _day(iso: str | None) -> str:
    """A stored moment's local day, as the session writes dates."""
    if not iso:
        return ""
    from deskcli.core.base.clock import local

    return i18n.date_text(local(iso).date())


def _last_day(iso: str | None) -> str:
    """The last day a period's end (exclusive, to the second) includes."""
    if not iso:
        return ""
    from deskcli.core.base.clock import from_iso, local

    return i18n.date_text(local(from_iso(iso) - timedelta(seconds=1)).date())


def _number(value: Any, decimals: int | None = None) -> str:
    return "" if value is None else i18n.number(value, decimals)


def _embedded(path: str | None) -> str:
    """A file (the company's logo) as a data: URL, so the page stays one file; empty when
    there is none. A logo that cannot be read is refused with its path."""
    if not path:
        return ""
    import base64
    from pathlib import Path

    from deskcli.core.base.errors import InvalidInput
    from deskcli.core.reporting.reports import LOGO_TYPES

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(_("[documents] logo: cannot read {path}: {reason}").format(
            path=path, reason=exc.strerror)) from None
    mime = LOGO_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


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


def intervention(document: dict, fmt: str, annex: bool = False) -> str:
    """The report in a format; `annex` adds the customer's history to the printed page."""
    fmt = "html" if fmt == "pdf" else fmt
    return render(INTERVENTION_TEMPLATES[fmt], t=document["ticket"], annex=annex, **document)


PDF_MISSING = N_("--format pdf needs WeasyPrint: pip install 'deskcli[pdf]' (on Debian it also "
                 "needs Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0); or write "
                 "--format html and print it from a browser")


def pdf(html: str) -> bytes:
    """A printable page as PDF, laid out by WeasyPrint (A4, the page's own print rules)."""
    from deskcli.core.base.errors import InvalidInput

    try:
        import weasyprint
    except (ImportError, OSError):
        # OSError: the Python package is there but Pango, its system library, is not.
        raise InvalidInput(tr(PDF_MISSING)) from None
    import logging

    # WeasyPrint reports CSS it skips (a browser-only rule) on its logger, not to the user.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html).write_pdf()


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
    closed = flr["closed_incidents"]
    if rate is None:
        first = _("n/a: no incident closed, target {target}")
    elif rate >= flr["target"]:
        first = ngettext("{rate} of {count} closed incident, target {target} (on target)",
                         "{rate} of {count} closed incidents, target {target} (on target)", closed)
    else:
        first = ngettext("{rate} of {count} closed incident, target {target} (below target)",
                         "{rate} of {count} closed incidents, target {target} (below target)", closed)
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
        [_("Escalations"), _("{total} ({functional}, {hierarchical})").format(
            total=escalations["total"],
            functional=ngettext("{count} functional", "{count} functional",
                                escalations["functional"]).format(count=escalations["functional"]),
            hierarchical=ngettext("{count} hierarchical", "{count} hierarchical",
                                  escalations["hierarchical"]).format(count=escalations["hierarchical"]))],
        [_("On-site interventions"), document["interventions"]],
        [_("Time spent"), _minutes(document["time_spent_minutes"]) or i18n.duration(timedelta(0))],
        [_("Backlog (open at the end)"), document["backlog"]["total"]],
        *([[_("Solutions the caller was asked to confirm"), _("{asked} ({answered} answered)").format(
            **document["confirmations"])]] if document.get("confirmations", {}).get("asked") else []),
    ]


def group_rows(document: dict) -> list[list]:
    rows = []
    for group in document["groups"]:
        tc = _pooled(group["sla"], "take_charge")
        rs = _pooled(group["sla"], "resolution")
        rows.append([group_name(document["by"], group["key"]), group["calls"], group["not_admissible"],
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


def group_name(by: str, key: Any) -> str:
    """A row's key of a --by breakdown as the session names it (P1, téléphone, non qualifiés)."""
    if key in TABLE_KEYS:
        return tr(key)
    if by == "priority":
        return f"P{key}"
    if by == "channel":
        return choices.label("channel", key)
    return "" if key is None else str(key)


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
    """The indicators' charts for a terminal: calls over time, first-level resolution and
    SLA compliance against their targets (a mark at the target, green when met and red when
    missed on a colour terminal, the verdict in words always), and the backlog by age."""
    import os
    import sys

    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    width = min(100, max(60, output.terminal_width()))
    over = document["over_time"]
    unit, points = over["unit"], [(p["start"], p["calls"]) for p in over["points"]]
    if unit == "day" and len(points) > 16:
        # A screen reads a month better as weeks: one bar per week, from its Monday.
        from datetime import date

        from deskcli.core.reporting.indicators import bucket_start

        weeks: dict[str, int] = {}
        for start, calls in points:
            monday = bucket_start(date.fromisoformat(start), "week").isoformat()
            weeks[monday] = weeks.get(monday, 0) + calls
        unit, points = "week (from Monday)", list(weeks.items())
    top = max([1, *(calls for _start, calls in points)])
    blocks = [tr(CALLS_PER[unit])]
    blocks.append(_text_bars([(short_day(start, "month" if unit == "month" else "day"),
                               calls / top, i18n.number(calls), None, None)
                              for start, calls in points], width, colour))
    flr = document["first_level_resolution"]
    rate = document["first_level_resolution_rate"]
    rows = [(_("Solved at level 1"), rate, percent(rate), flr["target"],
             _("n/a (no closed incident)"))]
    for priority in PRIORITIES:
        for clock in ("take_charge", "resolution"):
            cell = document["sla"][str(priority)][clock]
            rows.append((_("P{priority} {clock}").format(priority=priority, clock=tr(CLOCK_LABELS[clock])),
                         cell["compliance"], percent(cell["compliance"]), cell["target"],
                         _("n/a (no decided clock)")))
    blocks += ["", _("Against the targets (| marks the target)"), _text_bars(rows, width, colour)]
    by_age = document["backlog"]["by_age"]
    most = max([1, *by_age.values()])
    blocks += ["", _("Backlog by age"),
               _text_bars([(tr(AGE_LABELS[label]), count / most, i18n.number(count), None, None)
                           for label, count in by_age.items()], width, colour)]
    return "\n".join(blocks)


def _text_bars(rows: list[tuple], width: int, colour: bool) -> str:
    """Rows of (label, share 0-1 or None, value as written, target or None, text for no
    data) as bars of one width; a target is a mark on the bar and a verdict after it."""
    label_width = max(len(r[0]) for r in rows) if rows else 0
    value_width = max([len(r[2]) for r in rows] + [0])

    def verdict(share: float, target: float) -> str:
        text = (_("target {target}: met") if share >= target else
                _("target {target}: missed")).format(target=percent(target))
        return text

    verdicts = [len(verdict(r[1], r[3])) for r in rows if r[1] is not None and r[3] is not None]
    tail = value_width + 1 + (2 + max(verdicts) if verdicts else 0)
    bar_width = max(10, width - label_width - tail - 4)
    lines = []
    for label, share, value, target, missing in rows:
        head = f"  {label:<{label_width}} "
        if share is None:
            lines.append(head + (missing or _("n/a")))
            continue
        filled = round(bar_width * min(max(share, 0), 1))
        cells = ["█" if i < filled else "·" if target is not None else " " for i in range(bar_width)]
        mark = None
        if target is not None:
            mark = min(bar_width - 1, round(bar_width * target))
            cells[mark] = "|"
        met = None if target is None else share >= target
        bar = "".join(cells)
        if colour:
            paint = "\x1b[34m" if met is None else "\x1b[32m" if met else "\x1b[31m"
            bar = "".join(f"\x1b[1m{c}\x1b[22m" if i == mark else
                          f"{paint}{c}\x1b[39m" if c == "█" else c for i, c in enumerate(cells))
        line = f"{head}{bar} {value:>{value_width}}"
        if target is not None:
            said = verdict(share, target)
            if colour:
                said = ("\x1b[32m" if met else "\x1b[31m") + said + "\x1b[39m"
            line += "  " + said
        lines.append(line.rstrip())
    return "\n".join(lines)


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

# Bars and marks as the dashboard colours them: met its target, missed it, a plain count.
MET, MISSED, PLAIN = "#2f855a", "#c53030", "#23577a"


def short_day(day: str, unit: str) -> str:
    """A bucket's first day as an axis label, in the session's writing (02/11 in French,
    Nov 02 in English); a month as its name and year."""
    from datetime import date

    moment = date.fromisoformat(day)
    if i18n.language() == i18n.SOURCE_LANGUAGE:
        return moment.strftime("%b %Y" if unit == "month" else "%b %d")
    from babel.dates import format_date

    locale = i18n.BABEL_LOCALES.get(i18n.language(), i18n.language())
    return format_date(moment, "MMM y" if unit == "month" else "dd/MM", locale=locale)


def bar_chart(points: list[tuple[str, float]], *, width: int = 640, height: int = 170,
              maximum: float | None = None) -> dict:
    """Geometry of a vertical bar chart of counts, for the dashboard template to draw."""
    import math

    top = maximum if maximum is not None else max([1, *(v for _, v in points)])
    # Whole-number ticks for counts: 0, a half and the top, rounded up to a whole number.
    top = max(1, math.ceil(top))
    left, bottom, plot_h = 44, 34, height - 48
    slot = (width - left - 6) / max(1, len(points))
    every = max(1, math.ceil(len(points) / 12))
    bars = []
    for index, (label, value) in enumerate(points):
        h = plot_h * (value / top) if top else 0
        bars.append({"x": round(left + index * slot + slot * 0.12, 1), "w": round(slot * 0.76, 1),
                     "y": round(height - bottom - h, 1), "h": round(h, 1), "label": label,
                     "value": value, "cx": round(left + index * slot + slot / 2, 1),
                     "show_label": index % every == 0})
    ticks = sorted({0, top // 2, top})
    return {"width": width, "height": height, "left": left, "base": height - bottom,
            "top": height - bottom - plot_h, "bars": bars,
            "ticks": [{"y": round(height - bottom - plot_h * t / top, 1), "value": t} for t in ticks]}


def hbar_chart(rows: list[dict], *, width: int = 640, label_width: int = 190,
               row_height: int = 20, maximum: float = 1.0) -> dict:
    """Geometry of a horizontal bar chart: each row has a label, a value (None: no data,
    drawn as n/a) and, for a share, a target drawn as a mark; met targets are green,
    missed ones red, counts plain."""
    plot_w = width - label_width - 70
    top = maximum or 1
    drawn = []
    for index, row in enumerate(rows):
        value, target = row.get("value"), row.get("target")
        y = 6 + index * row_height
        colour = PLAIN if target is None else MET if value is not None and value >= target else MISSED
        drawn.append({**row, "y": y, "cy": y + row_height / 2,
                      "w": 0 if value is None else round(plot_w * min(value, top) / top, 1),
                      "tx": None if target is None else round(label_width + plot_w * target / top, 1),
                      "colour": colour, "bar_h": row_height - 7})
    height = 6 + len(rows) * row_height + 26
    return {"width": width, "height": height, "x0": label_width, "plot_w": plot_w,
            "rows": drawn, "axis_y": 6 + len(rows) * row_height + 2,
            "ticks": [{"x": round(label_width + plot_w * f, 1), "f": f} for f in (0, 0.25, 0.5, 0.75, 1)]}


def _sla_bars(document: dict) -> list[dict]:
    rows = []
    for priority in PRIORITIES:
        for clock in ("take_charge", "resolution"):
            cell = document["sla"][str(priority)][clock]
            rows.append({"label": _("P{priority} {clock}").format(
                priority=priority, clock=tr(CLOCK_LABELS[clock])),
                "value": cell["compliance"], "target": cell["target"],
                "text": percent(cell["compliance"]) if cell["compliance"] is not None else _("n/a"),
                "target_text": percent(cell["target"]), "na": _("n/a (no decided clock)")})
    return rows


def _age_bars(document: dict) -> list[dict]:
    by_age = document["backlog"]["by_age"]
    top = max([1, *by_age.values()])
    return [{"label": tr(AGE_LABELS[label]), "value": count / top, "text": str(count)}
            for label, count in by_age.items()]


def dashboard(document: dict, settings: dict | None = None) -> str:
    over = document["over_time"]
    unit = over["unit"]
    calls_chart = bar_chart([(short_day(p["start"], unit), p["calls"]) for p in over["points"]])
    flr = document["first_level_resolution"]
    rate = document["first_level_resolution_rate"]
    gauge = hbar_chart([{"label": _("First-level resolution"), "value": rate,
                         "target": flr["target"],
                         "text": percent(rate) if rate is not None else _("n/a"),
                         "target_text": percent(flr["target"]),
                         "na": _("n/a (no closed incident)")}], row_height=26)
    name = ""
    if settings:
        name = settings.get("documents", {}).get("name") or settings["desk"]["company"]
    backlog = document["backlog"]
    cards = [
        (_("Calls received"), i18n.number(document["calls"]), None),
        (_("First-level resolution"), percent(rate) if rate is not None else _("n/a"),
         None if rate is None else rate >= flr["target"]),
        (_("Abandoned calls"), i18n.number(document["abandoned"]), None),
        (_("Backlog"), i18n.number(backlog["total"]), None),
        (_("Past their maximum delay"), i18n.number(len(backlog["past_maximum"])),
         not backlog["past_maximum"]),
    ]
    return render("dashboard.html.j2", d=document, headline=headline_rows(document),
                  desk_name=name, cards=cards,
                  calls_title=tr(CALLS_PER.get(unit, unit)),
                  counts=period_counts(document["period"]), no=_("NO"),
                  sla_rows=sla_rows(document), sla_headers=SLA_HEADERS,
                  resolution=resolution_rows(document),
                  groups=group_rows(document) if document.get("groups") is not None else None,
                  group_headers=GROUP_HEADERS, calls_chart=calls_chart,
                  sla_chart=hbar_chart(_sla_bars(document)), gauge=gauge,
                  age_chart=hbar_chart(_age_bars(document)), colours={"met": MET, "missed": MISSED})
