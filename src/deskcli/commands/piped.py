"""`deskcli open --from FILE`: tickets piped in by scripts and mail filters."""

from __future__ import annotations

import json
import sys

import typer

from deskcli.commands.options import wants_json
from deskcli.core import clock, intake
from deskcli.core.errors import InvalidInput, RepositoryError
from deskcli import i18n
from deskcli.i18n import _, ngettext
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
        raise InvalidInput(_("--from: cannot read {path}: {reason}").format(
            path=source, reason=exc.strerror)) from None


def _mapping(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or target.strip() not in intake.FIELDS:
            raise InvalidInput(_("--map: {value!r} must be COLUMN=FIELD, FIELD one of {fields}").format(
                value=pair, fields=", ".join(intake.FIELDS)))
        found[column.strip()] = target.strip()
    return found


def take_piped(ctx: typer.Context, st, source: str, *, fmt: str | None, mapping: list[str],
               skip_invalid: bool, rejects: str | None, encoding: str, json_output: bool) -> None:
    if rejects and not skip_invalid:
        raise InvalidInput(_("--rejects goes with --skip-invalid: without it a batch with a bad "
                             "record imports nothing, and every bad record is listed"))
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
        output.message(_("Error: {message}").format(message=exc))
        output.message(_("The message was not taken; the mail system will deliver it again."))
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
        output.message(_("Already taken: the message {id} (nothing added).").format(
            id=output.safe_line(message_id)))
    if outcome.appended:
        output.message(_("Added to {tickets}.").format(
            tickets=", ".join(f"#{n}" for n in outcome.appended)))
    if outcome.rejected and not skip_invalid:
        for problem in outcome.rejected:
            output.message(_("Error: {message}").format(
                message=output.safe_line(i18n.shown(problem.reason))))
        raise InvalidInput(ngettext(
            "{count} record refused, so nothing was imported; fix it, or add --skip-invalid to "
            "import the others",
            "{count} records refused, so nothing was imported; fix them, or add --skip-invalid to "
            "import the others", len(outcome.rejected)).format(count=len(outcome.rejected)))
    if outcome.rejected:
        lines = "".join(json.dumps(p.as_dict(), ensure_ascii=False, default=str) + "\n"
                        for p in outcome.rejected)
        if rejects:
            output.write_private(rejects, lines)
        else:
            sys.stderr.write(lines)
        imported = ngettext("{count} imported", "{count} imported", len(outcome.created)).format(
            count=len(outcome.created))
        refused = ngettext("{count} refused", "{count} refused", len(outcome.rejected)).format(
            count=len(outcome.rejected))
        output.message((_("{imported}, {refused} (written to {path}).") if rejects
                        else _("{imported}, {refused}.")).format(
            imported=imported, refused=refused, path=rejects))
        raise typer.Exit(InvalidInput.exit_code)
    if outcome.created:
        output.message(ngettext("Imported {count} ticket.", "Imported {count} tickets.",
                                len(outcome.created)).format(count=len(outcome.created)))
