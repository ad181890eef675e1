"""`deskcli report`: a call's intervention report, or the desk's indicators over a period."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import OptionalTicketId, OutputOption, state
from deskcli.core.base import clock
from deskcli.core.calls import choices
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _
from deskcli.ui import output

TICKET_FORMATS = tuple(choices.CHOICES["ticket_format"])
DESK_FORMATS = tuple(choices.CHOICES["desk_format"])


def _complete_format(ctx: typer.Context, incomplete: str) -> list[str]:
    kind = "desk_format" if ctx.params.get("ticket_id") is None else "ticket_format"
    return choices.completions(kind, incomplete)


def report(
    ctx: typer.Context,
    ticket_id: OptionalTicketId = None,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help=N_("text (default), markdown, html or pdf for a ticket; text, html, pdf or csv "
        "for the indicators; json for both (pdf needs deskcli[pdf])."), show_default=False,
        autocompletion=_complete_format)] = "text",
    since: Annotated[Optional[str], typer.Option(
        "--since", help=N_("Start of the period: YYYY-MM-DD, YYYY-MM-DD HH:MM or a span back "
        "from --until such as 7d (default 30d)."))] = None,
    until: Annotated[Optional[str], typer.Option(
        "--until", help=N_("End of the period, that day included (default now)."))] = None,
    by: Annotated[Optional[str], typer.Option(
        "--by", help=N_("Also break the figures down by technician, organisation, priority or channel "
                        "(also technicien, priorité, canal)."),
        autocompletion=choices.completer("report_by"))] = None,
    chart: Annotated[bool, typer.Option(
        "--chart/--no-chart", show_default=False,
        help=N_("Draw the terminal charts under the tables (text format; the default), or not."))] = True,
    history: Annotated[bool, typer.Option(
        "--history", show_default=False,
        help=N_("Add the call's history as an annex to the printed report (html, pdf).")
    )] = False,
    to_file: OutputOption = None,
) -> None:
    """Print a call's intervention report, or the desk's indicators for a period.

    The indicators count the calls received in the period as they stood at its end, from
    their histories: a past period gives the same figures whenever it is reported.

    Example: deskcli report 42 --format pdf -o report-42.pdf

    Example: deskcli report --since 2026-11-01 --until 2026-11-30 --by technician
    """
    if output.answer().json:
        fmt = "json"
    kind = "ticket_format" if ticket_id is not None else "desk_format"
    fmt = choices.pick(kind, fmt, "--format")
    desk = state(ctx).desk()
    now = clock.now()
    if ticket_id is not None:
        if since or until or by:
            raise InvalidInput(_("--since, --until and --by choose the period of the indicators; "
                                 "a ticket's report covers the whole call"))
        from deskcli.core.reporting.reports import intervention_report

        document = intervention_report(desk, ticket_id, now)
        if fmt == "json":
            _deliver(to_file, json_document=document)
        else:
            from deskcli.ui.reports import intervention

            page = intervention(document, fmt, annex=history)
            if fmt == "pdf":
                _deliver_pdf(to_file, page)
            else:
                _deliver(to_file, text=output.document_lines(page) if fmt == "text" else page)
        return
    from deskcli.core.reporting import indicators

    start, end = indicators.period(since, until, now)
    document = indicators.report(desk, start, end,
                                 by=choices.pick("report_by", by, "--by") if by else None)
    if fmt == "json":
        _deliver(to_file, json_document=document)
    elif fmt == "csv":
        _deliver(to_file, text=_csv(document))
    elif fmt == "html":
        from deskcli.ui.reports import dashboard

        _deliver(to_file, text=dashboard(document, desk.settings))
    elif fmt == "pdf":
        from deskcli.ui.reports import dashboard

        _deliver_pdf(to_file, dashboard(document, desk.settings))
    elif to_file:
        raise InvalidInput(_("--output writes the html, csv or json formats; the text format is "
                             "for the screen (redirect it if you want it in a file)"))
    else:
        from deskcli.ui.reports import indicators_text

        indicators_text(document, chart=chart)


def _csv(document: dict) -> str:
    import csv
    import io

    from deskcli.ui.reports import csv_rows

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "group", "item", "value"])
    writer.writerows(csv_rows(document))
    return buffer.getvalue()


def _deliver_pdf(to_file: str | None, html: str) -> None:
    """A PDF to its file, or to a pipe; never to a terminal, where it would be noise."""
    import sys

    from deskcli.ui.reports import pdf

    if to_file is None and sys.stdout.isatty():
        raise InvalidInput(_("--format pdf writes a file: give --output FILE.pdf, or redirect "
                             "the output to a file"))
    document = pdf(html)
    if to_file is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    output.write_private(to_file, document)
    output.message(_("Report written to {path}.").format(path=to_file))


def _deliver(to_file: str | None, *, text: str | None = None, json_document=None) -> None:
    if json_document is not None and to_file is None:
        output.emit_json(json_document)
        return
    if json_document is not None:
        import json

        text = json.dumps(json_document, ensure_ascii=False, indent=2) + "\n"
    if to_file is None:
        output.data(text.rstrip("\n"))
        return
    output.write_private(to_file, text)
    output.message(_("Report written to {path}.").format(path=to_file))
