"""Kill a deskcli command at each of its write steps in turn, with SIGKILL.

The same steps can fail instead, as on a full disk (`full_disk_at_every_step`).
A run can also be paused (KILLPOINTS_PAUSE_MOVING=active.json) just before a file is
moved into backups/, to let another command run at that instant.

A write step is a call that changes what is on disk or in a database: os.replace,
os.rename, os.unlink, os.fsync, os.mkdir, an archive transaction (before and after it)
and a PostgreSQL COMMIT (before and after it). The command is run once per step, on a
fresh copy of the same starting state, killed just before its 1st step, then its 2nd...,
until a run completes without reaching the step: every instant at which a crash leaves
different files is tried once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

BOOT = r"""
import os, signal, sys
kill_at, counter, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
steps = [0]

failing = os.environ.get("KILLPOINTS_MODE") == "full-disk"
FAILABLE = ("replace", "rename", "fsync", "mkdir", "archive transaction")

def step(name):
    steps[0] += 1
    with open(counter, "w") as out:
        out.write(f"{steps[0]} {name}")
    if steps[0] == kill_at and not failing:
        os.kill(os.getpid(), signal.SIGKILL)
    if failing and steps[0] >= kill_at > 0:
        if name in FAILABLE:
            # The disk is full from here on: this step and every later one fail.
            import errno
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

pause = os.environ.get("KILLPOINTS_PAUSE_MOVING")  # a file name: wait before it is moved aside

def wrap(owner, attribute, label, after=False):
    original = getattr(owner, attribute)
    def wrapped(*a, **k):
        if pause and label in ("replace", "rename") and str(a[0]).endswith("/" + pause) \
                and "backups" in str(a[1]):
            import time
            with open(counter + ".paused", "w"):
                pass
            time.sleep(3)
        step(label)
        result = original(*a, **k)
        if after:
            step(label + " done")
        return result
    setattr(owner, attribute, wrapped)

for name in ("replace", "rename", "unlink", "fsync", "mkdir", "rmdir"):
    wrap(os, name, name)
from deskcli.core.store import archive
original_apply = archive.Archive.apply
def apply(self, *a, **k):
    try:
        step("archive transaction")
    except OSError:
        import sqlite3
        raise self._fail(sqlite3.OperationalError("database or disk is full")) from None
    result = original_apply(self, *a, **k)
    step("archive transaction done")
    return result
archive.Archive.apply = apply
try:
    import psycopg
except ImportError:
    psycopg = None
if psycopg is not None:
    execute = psycopg.Connection.execute
    def execute_step(self, query, *a, **k):
        commit = isinstance(query, str) and query.strip().upper().startswith("COMMIT")
        if commit:
            step("database commit")
        result = execute(self, query, *a, **k)
        if commit:
            step("database commit done")
        return result
    psycopg.Connection.execute = execute_step
sys.argv = ["deskcli", *args]
from deskcli.cli import main
main()
"""


def _command(home: Path, args: list[str], env: dict | None, kill_at: int,
             counter: Path | None) -> tuple[list[str], dict]:
    full_env = dict(os.environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice", DESKCLI_LANG="en",
                    **(env or {}))
    counter = counter or home.parent / f"{home.name}.steps"
    return [sys.executable, "-c", BOOT, str(kill_at), str(counter), *args], full_env


def run_deskcli(home: Path, args: list[str], env: dict | None = None, kill_at: int = 0,
                counter: Path | None = None) -> subprocess.CompletedProcess:
    command, full_env = _command(home, args, env, kill_at, counter)
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=120,
                          stdin=subprocess.DEVNULL)


def start_deskcli(home: Path, args: list[str], env: dict | None = None) -> subprocess.Popen:
    command, full_env = _command(home, args, env, 0, None)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full_env, stdin=subprocess.DEVNULL)


def kill_at_every_step(start: Path, work: Path, args: list[str] | Callable[[int], list[str]],
                       check: Callable[[Path, int, str], None],
                       env: Callable[[int], dict] | dict | None = None,
                       limit: int = 400) -> int:
    """Run `deskcli ARGS` on a copy of the directory `start` (at `work`), killed at its
    1st write step, then on a new copy killed at its 2nd, and so on; after each kill,
    `check(work, step, what)` looks at what the next commands see. Returns how many kill
    points were tried; the run that is not killed must succeed."""
    for kill_at in range(1, limit + 1):
        if work.exists():
            shutil.rmtree(work)
        if start.exists():
            shutil.copytree(start, work, symlinks=True)
        counter = work.parent / f"{work.name}.steps"
        counter.unlink(missing_ok=True)
        extra = env(kill_at) if callable(env) else env
        given = args(kill_at) if callable(args) else args
        result = run_deskcli(work, given, extra, kill_at, counter)
        if result.returncode != -signal.SIGKILL:
            assert result.returncode == 0, (kill_at, result.stderr)
            return kill_at - 1
        what = counter.read_text().split(" ", 1)[1]
        check(work, kill_at, what)
    raise AssertionError(f"{args} still had write steps after {limit} kills")


def full_disk_at_every_step(start: Path, work: Path, args: list[str],
                            check: Callable[[Path, int, str, subprocess.CompletedProcess], None],
                            limit: int = 400) -> int:
    """As `kill_at_every_step`, but the disk fills up at the chosen step instead: that
    write and every later one fail with ENOSPC (an archive transaction with SQLite's
    "database or disk is full"). `check(work, step, what, result)` judges what the
    command said against what it left. Returns how many steps were tried."""
    for fail_at in range(1, limit + 1):
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(start, work, symlinks=True)
        counter = work.parent / f"{work.name}.steps"
        counter.unlink(missing_ok=True)
        result = run_deskcli(work, args, {"KILLPOINTS_MODE": "full-disk"}, fail_at, counter)
        reached, what = counter.read_text().split(" ", 1)
        if int(reached) < fail_at:
            return fail_at - 1
        check(work, fail_at, what, result)
    raise AssertionError(f"{args} still had write steps after {limit} failures")
