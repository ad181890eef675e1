"""`deskcli export`: every ticket with its whole history, as JSON lines or CSV."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from deskcli.commands.options import state, wants_json
from deskcli.core import clock
from deskcli.core.errors import InvalidInput
from deskcli.ui import output

FORMATS = ("jsonl", "csv")


def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl (default: what `deskcli open --from` reads back) or csv.")] = "jsonl",
    active: Annotated[bool, typer.Option("--active", help="Active tickets only.")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Closed tickets only.")] = False,
    since: Annotated[Optional[str], typer.Option("--since", help="Tickets opened from this date (YYYY-MM-DD, or 30d).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Tickets opened up to this date, included.")] = None,
    to_file: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (private to you) instead of stdout.")] = None,
) -> None:
    """Write every ticket (active and closed by default) with its whole history.

    Example: deskcli export > desk.jsonl   (read back with `deskcli open --from desk.jsonl`)

    Example: deskcli export --format csv --closed --since 2026-01-01 -o closed.csv
    """
    fmt = (fmt or "").strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if wants_json(ctx, False):
        raise InvalidInput("--json: an export is JSON lines already (--format jsonl)")
    if active and closed:
        raise InvalidInput("--active and --closed exclude each other; leave both out for all tickets")
    from deskcli.core import export as core, indicators

    start = end = None
    if since or until:
        start, end = indicators.period(since or "36500d", until, clock.now())
    chosen = core.selected(state(ctx).desk(), "active" if active else "closed" if closed else "all",
                           start, end)
    if fmt == "jsonl":
        text = "".join(core.jsonl_lines(chosen))
    else:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(core.CSV_COLUMNS)
        writer.writerows([[output.spreadsheet_cell(v) for v in core.csv_row(t)] for t in chosen])
        text = buffer.getvalue()
    if to_file:
        output.write_private(to_file, text)
    else:
        sys.stdout.write(text)
    output.message(f"Exported {len(chosen)} ticket(s) ({fmt}) to {to_file or 'stdout'}.")
