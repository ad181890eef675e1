"""Rotating snapshots of the daily files, taken before a change and pruned by themselves.

A hand-edited file, a disk that lied, a script gone wrong: the previous good state is a
copy away. Only healthy files are copied, so a snapshot is always one to restore.
The archive is SQLite, with its own journal and integrity check (see `doctor`).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

BACKUP_DIR = "backups"
SNAPSHOT_FILES = ("active.json", "kb.json")
_STAMP = "%Y%m%dT%H%M%S"


_NAME = re.compile(r"^(?:(?P<sequence>\d{6,})-)?(?P<stamp>\d{8}T\d{6})(?:\.\d+)?$")


def _sequence(snapshot: Path) -> int:
    found = _NAME.match(snapshot.name)
    return int(found["sequence"] or 0) if found else -1


def snapshots(home: Path) -> list[Path]:
    """Snapshots, newest first: in the order they were taken (their sequence number), not
    by their clock stamp, which a clock set wrong can put years ahead or behind."""
    folder = Path(home) / BACKUP_DIR
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _NAME.match(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: (_sequence(p), p.name), reverse=True)


def is_repair_copy(folder: Path) -> bool:
    """A snapshot, or the files a restore replaced (not a repository moved to a database)."""
    return bool(_NAME.match(folder.name)) or folder.name.startswith("broken-")


def _stamp_time(stamp: str) -> datetime:
    """The UTC time of a stamp YYYYMMDDTHHMMSS, read by hand: strptime would load _strptime
    (locale, calendar) at every write; ValueError when it is not one."""
    if len(stamp) != 15 or stamp[8] != "T" or not (stamp[:8] + stamp[9:]).isdigit() \
            or not stamp.isascii():
        raise ValueError(stamp)
    return datetime(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[9:11]),
                    int(stamp[11:13]), int(stamp[13:15]), tzinfo=timezone.utc)


def _age_minutes(snapshot: Path) -> float:
    found = _NAME.match(snapshot.name)
    try:
        taken = _stamp_time(found["stamp"])
    except (TypeError, ValueError):
        return float("inf")
    age = (datetime.now(timezone.utc) - taken).total_seconds() / 60
    # A stamp in the future was taken with a clock set ahead (or this one is behind): it
    # says nothing of how old the snapshot is, and must not stop the next one.
    return age if age >= 0 else float("inf")


def take(home: Path, every_minutes: float, kept: int) -> Path | None:
    """Copy the daily files that parse, if the newest snapshot is old enough; prune the rest.

    Called under the repository lock, before a change: a failure to copy never stops the
    change itself (the change is atomic on its own), it only skips this snapshot. Only
    files `doctor` finds nothing wrong with are copied.
    """
    home = Path(home)
    existing = snapshots(home)
    if kept <= 0 or (existing and _age_minutes(existing[0]) < every_minutes):
        return None
    from deskcli.core.app.checks import file_findings  # only when a snapshot is due
    # A file with a problem (a hand edit gone wrong) is not worth keeping as a backup of itself.
    sources = [home / name for name in SNAPSHOT_FILES
               if (home / name).exists() and not file_findings(home / name)]
    if not sources:
        return None
    # The sequence orders snapshots; the stamp (microseconds: several in one second) says when.
    sequence = max([0, *(_sequence(p) for p in existing)]) + 1
    stamp = f"{sequence:06d}-" + datetime.now(timezone.utc).strftime(_STAMP + ".%f")
    target = home / BACKUP_DIR / stamp
    staging = home / BACKUP_DIR / f".{stamp}"
    from deskcli.core.base.paths import private_directory

    try:
        private_directory(home, BACKUP_DIR)  # never through a link planted in its place
        staging.mkdir(mode=0o700)
        for path in sources:
            shutil.copy2(path, staging / path.name)
            os.chmod(staging / path.name, 0o600)
        staging.rename(target)  # a snapshot is whole or absent
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return None
    for old in snapshots(home)[kept:]:
        shutil.rmtree(old, ignore_errors=True)
    return target
