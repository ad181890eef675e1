"""`deskcli export`: every ticket with its whole history, as JSON lines or CSV."""

from __future__ import annotations

from typing import Annotated, Iterable, Iterator, Optional

import typer

from deskcli.commands.options import OutputOption, state
from deskcli.core.base import clock
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _, ngettext
from deskcli.ui import output


def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help=N_("jsonl (default): the stored tickets, what `deskcli open --from` "
        "reads back; csv: one flat row per ticket, for a spreadsheet."))] = "jsonl",
    active: Annotated[bool, typer.Option("--active", help=N_("Active tickets only."))] = False,
    closed: Annotated[bool, typer.Option("--closed", help=N_("Closed tickets only."))] = False,
    all_tickets: Annotated[bool, typer.Option(
        "--all", help=N_("Active and closed tickets (the default)."))] = False,
    since: Annotated[Optional[str], typer.Option(
        "--since", help=N_("Only tickets opened from this time: YYYY-MM-DD, YYYY-MM-DD HH:MM or "
        "a span back from --until such as 30d."))] = None,
    until: Annotated[Optional[str], typer.Option(
        "--until", help=N_("Only tickets opened up to this time, that day included."))] = None,
    to_file: OutputOption = None,
) -> None:
    """Write every ticket (active and closed by default) with its whole history.

    JSON lines hold each ticket exactly as stored; the global --json is refused, since
    the export is JSON already. Without --since or --until, tickets of every date.

    Example: deskcli export > desk.jsonl   (read back with `deskcli open --from desk.jsonl`)

    Example: deskcli export --format csv --closed --since 2026-01-01 -o closed.csv
    """
    from deskcli.core.reporting import export as core

    fmt = (fmt or "").strip().lower()
    if fmt not in core.FORMATS:
        raise InvalidInput(_("--format: {value!r} is not an export format; use {formats}").format(
            value=fmt, formats=_(" or ").join(core.FORMATS)))
    if output.answer().json:
        raise InvalidInput(_("--json does not apply to an export, which is JSON lines already: "
                             "leave --json out (--format jsonl is the default)"))
    if active + closed + all_tickets > 1:
        raise InvalidInput(_("--active, --closed and --all each choose the tickets: give one of them"))
    start, end = core.opening_period(since, until, clock.now())
    count = 0

    def counted(documents):
        nonlocal count
        for document in documents:
            count += 1
            yield document

    # Written as read, in batches: a history of 100,000 tickets is never held whole.
    chosen = counted(core.documents(state(ctx).desk(), "active" if active else "closed" if closed
                                    else "all", start, end))
    chunks = core.jsonl_text(chosen) if fmt == "jsonl" else _csv_lines(map(core.as_ticket, chosen))
    if to_file:
        output.write_private(to_file, chunks)
    else:
        output.stream(chunks)
    output.message(ngettext("Exported {count} ticket ({format}) to {target}",
                            "Exported {count} tickets ({format}) to {target}", count).format(
        count=count, format=fmt, target=to_file or _("stdout")))


def _csv_lines(chosen: Iterable[dict]) -> Iterator[str]:
    """The header, then one CSV line per ticket; a cell a spreadsheet would run as a formula
    is neutralised."""
    import csv
    import io

    from deskcli.core.reporting.export import CSV_COLUMNS, csv_row

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for ticket in chosen:
        yield line([output.spreadsheet_cell(v) for v in csv_row(ticket)])
