"""`deskcli doctor`: check the repository, list its snapshots, restore one."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import state
from deskcli.core.base.errors import CorruptFile
from deskcli.i18n import N_, _, ngettext
from deskcli.ui import output


def doctor(
    ctx: typer.Context,
    list_snapshots: Annotated[bool, typer.Option("--list", help=N_("List the automatic snapshots."))] = False,
    restore: Annotated[bool, typer.Option("--restore", help=N_("Put the newest snapshot (or --snapshot NAME) back."))] = False,
    snapshot: Annotated[Optional[str], typer.Option("--snapshot", metavar=N_("NAME"), help=N_("With --restore: which snapshot."))] = None,
) -> None:
    """Check every repository file, ticket by ticket; list or restore the automatic snapshots.

    Exit 0 when the repository is healthy, 3 when something is wrong (each problem named
    with its file, ticket and field).

    Example: deskcli doctor

    Example: deskcli doctor --restore
    """
    from deskcli.core.app import backups, doctor as core
    from deskcli.core.base.paths import repository_home

    st = state(ctx)
    # The doctor reads the files itself: a broken settings file must not keep it out.
    home = repository_home(st.home)
    out = output.answer()
    if list_snapshots:
        found = backups.snapshots(home)
        out.emit([{"name": p.name, "files": sorted(f.name for f in p.iterdir())} for p in found],
                 lambda: _snapshots(found, home / backups.BACKUP_DIR))
        return
    if restore:
        restored = core.restore(home, _lock_timeout(st), snapshot)
        output.message(_("Restored snapshot {name}; the files it replaced are kept in {path}. "
                         "Tickets closed since stay closed, and ticket numbers given since are "
                         "not given again.").format(name=restored.snapshot.name, path=restored.aside))
        if restored.kept:
            output.message(_("Tickets opened after the snapshot were kept: {numbers}.").format(
                numbers=", ".join(f"#{n}" for n in restored.kept)))
    findings = core.examine(home)
    database = _database(st, home)
    if database is not None:
        findings += core.database_findings(st.desk().repo)
    out.emit({"healthy": not findings, "problems": [f.as_dict() for f in findings]},
             lambda: _findings(findings))
    if findings:
        raise CorruptFile(ngettext(
            "{count} problem in {path}; fix it by hand, or run `deskcli doctor --restore` to put "
            "the last snapshot back (`deskcli doctor --list` shows them)",
            "{count} problems in {path}; fix them by hand, or run `deskcli doctor --restore` to put "
            "the last snapshot back (`deskcli doctor --list` shows them)",
            len(findings)).format(count=len(findings), path=home))
    if database:
        output.message(_("The repository {path} is healthy, and so are the tickets of {database}.")
                       .format(path=home, database=database))
    else:
        output.message(_("The repository {path} is healthy.").format(path=home))


def _snapshots(found: list, where) -> None:
    if not found:
        output.message(_("No snapshot yet in {path}.").format(path=where))
    else:
        output.table([[p.name, ", ".join(sorted(f.name for f in p.iterdir()))] for p in found],
                     [_("Snapshot"), _("Files")])


def _findings(findings: list) -> None:
    for finding in findings:
        output.data(output.safe_line(finding.text()))


def _database(st, home) -> str | None:
    """The (masked) URL of the database this desk uses, if it uses one."""
    from deskcli.core.app import settings
    from deskcli.core.base.errors import InvalidInput
    from deskcli.core.store.repository import database_url, masked

    try:
        url = database_url(settings.load(home))
    except InvalidInput:
        return None  # a broken settings file: the files are what the doctor can check
    return masked(url) if url else None


def _lock_timeout(st) -> float:
    """The repository's lock wait; the shipped one when its settings file is the broken part."""
    from deskcli.core.app import settings
    from deskcli.core.base.errors import InvalidInput

    try:
        return st.desk().repo.lock_timeout
    except InvalidInput:
        return settings.defaults()["repository"]["lock_timeout_seconds"]
