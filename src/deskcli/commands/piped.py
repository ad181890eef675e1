"""`deskcli open --from FILE`: tickets piped in by scripts and mail filters."""

from __future__ import annotations

import json
import sys

import typer

from deskcli.core.base import clock
from deskcli.core.incoming import intake
from deskcli.core.base.errors import InvalidInput, RepositoryError
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


def _mapping(pairs: list[str], ignored: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        target = target.strip()
        if not sep or not column.strip() or (target not in intake.FIELDS and target != intake.IGNORED):
            raise InvalidInput(_("--map: {value!r} must be COLUMN=FIELD, FIELD one of {fields}, "
                                 "or COLUMN=- to leave the column out").format(
                value=pair, fields=", ".join(intake.FIELDS)))
        found[column.strip()] = target
    for column in ignored:
        if not column.strip():
            raise InvalidInput(_("--ignore: give the name of a CSV column"))
        found[column.strip()] = intake.IGNORED
    return found


def _defaults(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in intake.FIELDS:
            raise InvalidInput(_("--set: {value!r} must be FIELD=VALUE, FIELD one of {fields}").format(
                value=pair, fields=", ".join(intake.FIELDS)))
        found[name] = value
    return found


def take_piped(st, source: str, *, fmt: str | None, mapping: list[str],
               skip_invalid: bool, rejects: str | None, encoding: str,
               ignored: list[str] = (), defaults: list[str] = (),
               date_format: str | None = None) -> None:
    raw = _read(source)
    fmt = (fmt or "").strip().lower() or intake.guess_format(None if source == "-" else source, raw)
    try:
        desk = st.desk()
        items, rejected = intake.parse(raw, fmt, encoding=encoding,
                                       mapping=_mapping(mapping, list(ignored)),
                                       defaults=_defaults(list(defaults)), date_format=date_format)
        outcome = intake.import_batch(desk, items, rejected, now=clock.now(),
                                      skip_invalid=skip_invalid)
    except RepositoryError as exc:
        if fmt not in intake.MAIL_FORMATS:
            raise
        output.message(_("Error: {message}").format(message=exc))
        output.message(_("The message was not taken; the mail system will deliver it again."))
        raise typer.Exit(EX_TEMPFAIL) from None
    _report(outcome, skip_invalid, rejects, fmt in intake.MAIL_FORMATS)


def _numbers(created: list[int]) -> None:
    for number in created:
        output.data(str(number))


def _json_lines(records: list) -> str:
    return "".join(json.dumps(r.as_dict(), ensure_ascii=False, default=str) + "\n" for r in records)


def _keep_aside(path: str, aside: list, mail: bool) -> None:
    """Add what was set aside to `path`, private to its owner. Added, not overwritten: a
    mail filter runs once per message, and each run must keep what the last one kept."""
    import os

    text = _json_lines(aside)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if os.path.isfile(path) and os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
            handle.write(text)
    except OSError as exc:
        message = _("--rejects: cannot write {path}: {reason}").format(path=path,
                                                                         reason=exc.strerror)
        if not mail:
            raise InvalidInput(message) from None
        # Mail set aside and not kept would be lost: the mail system keeps it instead.
        output.message(_("Error: {message}").format(message=message))
        output.message(_("The message was not taken; the mail system will deliver it again."))
        raise typer.Exit(EX_TEMPFAIL) from None


def _report(outcome: intake.Outcome, skip_invalid: bool, rejects: str | None,
            mail: bool = False) -> None:
    output.answer().emit(outcome.as_dict, lambda: _numbers(outcome.created))
    for message_id in outcome.duplicates:
        output.message(_("Already taken: the message {id} (nothing added).").format(
            id=output.safe_line(message_id)))
    if outcome.appended:
        output.message(_("Added to {tickets}.").format(
            tickets=", ".join(f"#{n}" for n in outcome.appended)))
    for aside in outcome.not_calls:
        # The reason says "not a call" and why, in the session's language.
        output.message(output.safe_line(i18n.shown(aside.reason)))
    # Whatever is set aside is written whole: refused records, and mail that is no call.
    aside = [*outcome.rejected, *outcome.not_calls]
    if aside and rejects:
        _keep_aside(rejects, aside, mail)
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
        if not rejects:
            sys.stderr.write(_json_lines(outcome.rejected))
        imported = ngettext("{count} imported", "{count} imported", len(outcome.created)).format(
            count=len(outcome.created))
        refused = ngettext("{count} refused", "{count} refused", len(outcome.rejected)).format(
            count=len(outcome.rejected))
        output.message((_("{imported}, {refused} (written to {path}).") if rejects
                        else _("{imported}, {refused}.")).format(
            imported=imported, refused=refused, path=rejects))
        raise typer.Exit(InvalidInput.exit_code)
    if outcome.not_calls and rejects:
        output.message(ngettext("{count} message that is not a call is kept in {path}.",
                                "{count} messages that are not calls are kept in {path}.",
                                len(outcome.not_calls)).format(count=len(outcome.not_calls),
                                                               path=rejects))
    if outcome.created:
        output.message(ngettext("Imported {count} ticket.", "Imported {count} tickets.",
                                len(outcome.created)).format(count=len(outcome.created)))
