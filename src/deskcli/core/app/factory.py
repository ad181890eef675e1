"""Which repository a desk's settings name, opened with what the desk asks of it.

The one module that names a backend for a desk: the embedded TinyDB directory by default,
PostgreSQL for a database URL ($DESKCLI_DATABASE_URL or the settings). The domain only
sees the `Repository` it returns.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from deskcli.core.store.repository import (DATABASE_URL_ENV, Repository, database_url, is_database_url,
                                     masked)


def open_repository(home: Path, settings: dict,
                    settle_move: Callable[[Path], None] | None = None) -> Repository:
    """The repository the settings name: PostgreSQL for a database URL, TinyDB otherwise.

    psycopg is imported only here, only for a database URL: an embedded desk never loads it.
    `settle_move` settles a move to or from a database that an embedded repository finds
    under its lock (`deskcli migrate`).
    """
    url = database_url(settings)
    if url is not None:
        if not is_database_url(url):
            from deskcli.core.base.errors import InvalidInput

            from deskcli.i18n import say

            where = f"${DATABASE_URL_ENV}" if os.environ.get(DATABASE_URL_ENV) else \
                "database_url in settings.toml"
            raise InvalidInput(say("{where}: {url!r} is not a PostgreSQL URL; give one like "
                                   "postgresql://desk@server/hotline, or leave it empty for the "
                                   "embedded repository", where=where, url=masked(url)))
        return database_repository(url, home, settings)
    return embedded_repository(home, settings, settle_move)


def embedded_repository(home: Path, settings: dict | None = None,
                        settle_move: Callable[[Path], None] | None = None) -> Repository:
    """The TinyDB directory at `home`, snapshotting its daily files before a change; without
    settings, with the repository's own defaults (a practice sandbox, practice results)."""
    from deskcli.core.store.storage import TinyDBRepository

    options = {}
    if settings is not None:
        repository = settings["repository"]
        options = dict(lock_timeout=repository["lock_timeout_seconds"],
                       backup_every_minutes=repository["backup_every_minutes"],
                       backups_kept=repository["backups_kept"])
    return TinyDBRepository(home, **options, settle_move=settle_move, take_snapshot=take_snapshot)


def take_snapshot(home: Path, every_minutes: float, kept: int) -> None:
    from deskcli.core.app.backups import take  # only when a change is made

    take(home, every_minutes, kept)


def database_repository(url: str, home: Path, settings: dict) -> Repository:
    from deskcli.core.store.postgres import PostgresRepository

    return PostgresRepository(url, home, lock_timeout=settings["repository"]["lock_timeout_seconds"])
