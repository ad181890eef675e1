"""`deskcli open --from FILE`: tickets piped in by scripts and mail filters."""

from __future__ import annotations

import json
import sys

import typer

from deskcli.commands.options import wants_json
from deskcli.core import clock, intake
from deskcli.core.errors import InvalidInput, RepositoryError
from deskcli.ui import output

# sysexits' EX_TEMPFAIL: a mail system keeps the message and delivers it again later.
EX_TEMPFAIL = 75


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InvalidInput(f"--from: cannot read {source}: {exc.strerror}") from None


def _mapping(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or target.strip() not in intake.FIELDS:
            raise InvalidInput(f"--map: {pair!r} must be COLUMN=FIELD, FIELD one of "
                               f"{', '.join(intake.FIELDS)}")
        found[column.strip()] = target.strip()
    return found


def take_piped(ctx: typer.Context, st, source: str, *, fmt: str | None, mapping: list[str],
               skip_invalid: bool, rejects: str | None, encoding: str, json_output: bool) -> None:
    if rejects and not skip_invalid:
        raise InvalidInput("--rejects goes with --skip-invalid: without it a batch with a bad "
                           "record imports nothing, and every bad record is listed")
    raw = _read(source)
    fmt = (fmt or "").strip().lower() or intake.guess_format(None if source == "-" else source, raw)
    try:
        desk = st.desk()
        items, rejected = intake.parse(raw, fmt, encoding=encoding, mapping=_mapping(mapping))
        outcome = intake.import_batch(desk, items, rejected, now=clock.now(),
                                      skip_invalid=skip_invalid)
    except RepositoryError as exc:
        if fmt not in intake.MAIL_FORMATS:
            raise
        output.message(f"Error: {exc}")
        output.message("The message was not taken; the mail system will deliver it again.")
        raise typer.Exit(EX_TEMPFAIL) from None
    _report(ctx, outcome, skip_invalid, rejects, json_output)


def _report(ctx, outcome: intake.Outcome, skip_invalid: bool, rejects: str | None,
            json_output: bool) -> None:
    if wants_json(ctx, json_output):
        output.emit_json(outcome.as_dict())
    else:
        for number in outcome.created:
            output.data(str(number))
    for message_id in outcome.duplicates:
        output.message(f"Already taken: the message {output.safe_line(message_id)} (nothing added).")
    if outcome.appended:
        output.message("Added to " + ", ".join(f"#{n}" for n in outcome.appended) + ".")
    if outcome.rejected and not skip_invalid:
        for problem in outcome.rejected:
            output.message(f"Error: {output.safe_line(problem.reason)}")
        raise InvalidInput(f"{len(outcome.rejected)} record(s) refused, so nothing was imported; "
                           f"fix them, or add --skip-invalid to import the others")
    if outcome.rejected:
        lines = "".join(json.dumps(p.as_dict(), ensure_ascii=False, default=str) + "\n"
                        for p in outcome.rejected)
        if rejects:
            output.write_private(rejects, lines)
        else:
            sys.stderr.write(lines)
        output.message(f"Imported {len(outcome.created)}, refused {len(outcome.rejected)}"
                       + (f" (written to {rejects})" if rejects else "") + ".")
        raise typer.Exit(InvalidInput.exit_code)
    if outcome.created:
        output.message(f"Imported {len(outcome.created)} ticket(s).")
