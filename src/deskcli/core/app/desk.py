"""Opening the desk a command works on: its settings, its repository and the technician."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from deskcli.core.app import settings as settings_module
from deskcli.core.app.factory import open_repository
from deskcli.core.base.paths import USER_ENV, repository_home
from deskcli.core.store.repository import MIGRATION_FILE, Desk


def technician_name(explicit: str | None = None, recorded: str | None = None) -> str:
    """--as, else $DESKCLI_USER, else the name `deskcli init` recorded, else the login."""
    from deskcli.core.base.decoding import check_text
    from deskcli.i18n import fact

    name = explicit or os.environ.get(USER_ENV)
    if name:
        return check_text(name, fact("as") if explicit else f"${USER_ENV}").strip()
    if recorded:
        return check_text(recorded, "technician.name").strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "technician"


def open_desk(home: str | os.PathLike | None = None, technician: str | None = None) -> Desk:
    path = repository_home(home)
    if (path / MIGRATION_FILE).exists():
        from deskcli.core.app.migrate import settle

        settle(path)  # a migration a crash cut short is finished or undone first
    settings = settings_module.load(path)
    repo = open_repository(path, settings, settle_move=refuse_if_moved)
    # A team's database holds the settings every technician shares (the grid, the
    # targets, the hours...); this machine's settings.toml still applies over them.
    shared = repo.shared_settings()
    if shared:
        settings = settings_module.load(path, shared)
    recorded = settings.get("technician", {}).get("name") or None
    return Desk(home=path, settings=settings, repo=repo,
                technician=technician_name(technician, recorded))


def refuse_if_moved(home: Path) -> None:
    from deskcli.core.app.migrate import refuse_if_moved as refuse

    refuse(home)
