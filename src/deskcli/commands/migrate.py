"""`deskcli migrate`: move the repository to PostgreSQL and back, or upgrade a database's schema."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import state
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _, ngettext, say, shown
from deskcli.ui import output


def migrate(
    ctx: typer.Context,
    to: Annotated[Optional[str], typer.Option(
        "--to", metavar=N_("URL"), help=N_("Copy this repository into the empty PostgreSQL database at URL, then use it."))] = None,
    from_: Annotated[Optional[str], typer.Option(
        "--from", metavar=N_("URL"), help=N_("Copy the database at URL into this (empty) repository directory, then use the files."))] = None,
    schema: Annotated[bool, typer.Option(
        "--schema", help=N_("Upgrade the configured database's schema to this deskcli's."))] = False,
) -> None:
    """Move the repository to a PostgreSQL database and back, or upgrade a database's schema.

    --to copies every ticket (numbers and histories), closed call, record and setting
    into an empty database, checks the copy, sets database_url in settings.toml and
    moves the embedded files into backups/. --from copies a database back into an
    empty repository directory. Attachments stay in the repository directory.

    Example: deskcli migrate --to postgresql://desk@server/hotline

    Example: deskcli migrate --from postgresql://desk@server/hotline

    Example: deskcli migrate --schema
    """
    from deskcli.core.app import migrate as core
    from deskcli.core.base.paths import repository_home
    from deskcli.core.store.repository import database_url

    chosen = [name for name, given in (("--to", to is not None), ("--from", from_ is not None),
                                       ("--schema", schema)) if given]
    if len(chosen) != 1:
        raise InvalidInput(say("give exactly one of --to URL, --from URL or --schema ({given} given)",
                               given=" and ".join(chosen) if chosen else "none"))
    st = state(ctx)
    home = repository_home(st.home)
    if to is not None:
        outcome = core.to_database(home, to)
        said = _("Moved {tally} to {url}; this desk now uses it (database_url in settings.toml). "
                 "Attachments stay in {path}.").format(tally=_tally(outcome), url=outcome["to"],
                                                       path=home)
        if outcome["moved_aside"]:
            said += " " + _("The embedded files are kept in {path}.").format(
                path=outcome["moved_aside"])
    elif from_ is not None:
        outcome = core.from_database(home, from_)
        said = _("Copied {tally} from {url} into {path}; this desk now uses its files. The "
                 "database was left as it was.").format(tally=_tally(outcome), url=outcome["from"],
                                                        path=home)
    else:
        from deskcli.core.app import settings

        outcome = core.upgrade_schema(home, database_url(settings.load(home)))
        if outcome["schema_before"] != outcome["schema_after"]:
            said = _("The schema of {database} is at version {after} (was {before}).")
        else:
            said = _("The schema of {database} is at version {after}; nothing to upgrade.")
        said = said.format(database=shown(outcome["database"]), after=outcome["schema_after"],
                           before=outcome["schema_before"])
    # The sentence is said in both forms: it goes to stderr, beside the document.
    output.answer().emit(outcome)
    output.message(said)
    if outcome.get("warning"):
        output.warn(shown(outcome["warning"]))


def _tally(outcome: dict) -> str:
    active, closed = outcome["active_tickets"], outcome["closed_tickets"]
    abandoned, records = outcome["abandoned_calls"], sum(outcome["records"].values())
    return _("{active}, {closed}, {abandoned} and {records}").format(
        active=ngettext("{count} active ticket", "{count} active tickets", active).format(count=active),
        closed=ngettext("{count} closed ticket", "{count} closed tickets", closed).format(count=closed),
        abandoned=ngettext("{count} abandoned call", "{count} abandoned calls",
                           abandoned).format(count=abandoned),
        records=ngettext("{count} record", "{count} records", records).format(count=records))
