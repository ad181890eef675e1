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

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

# Run as `python -c BOOT KILL_AT COUNTER ARGS...`: one deskcli command, killed at its
# KILL_AT-th write step (0: never). With KILL_AT -1 it is a fork server instead (`_Server`):
# it imports deskcli once, then forks one child per request read on stdin, each child a
# process of its own that runs one command exactly as above (its own environment, working
# directory, stdout and stderr files, step counter), and answers with the child's pid, then
# its exit status, on the file descriptor given as COUNTER. A fresh interpreter spends about
# 0.3 s importing before its first step, and the harness runs hundreds of commands. The
# server's own stdout and stderr stay empty, so that a child's sys.stdout and sys.stderr
# write only to its own files.
BOOT = r"""
import os, signal, sys
kill_at, counter, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
steps = [0]

FAILABLE = ("replace", "rename", "fsync", "mkdir", "archive transaction")

def modes():
    global failing, pause
    failing = os.environ.get("KILLPOINTS_MODE") == "full-disk"
    pause = os.environ.get("KILLPOINTS_PAUSE_MOVING")  # a file name: wait before it is moved aside

modes()

def step(name):
    if kill_at < 0:
        return  # the fork server itself: only its children run commands
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
from deskcli.cli import main
if kill_at >= 0:
    sys.argv = ["deskcli", *args]
    main()
    sys.exit(0)

import json
answers = os.fdopen(int(counter), "w")
for line in sys.stdin:
    request = json.loads(line)
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        answers.close()
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                                (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            opened = os.open(path, flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        modes()
        kill_at, counter = request["kill_at"], request["counter"]
        sys.argv = ["deskcli", *request["args"]]
        # Out of the loop as a fresh interpreter leaves main(): SystemExit or a traceback.
        main()
        sys.exit(0)
    print(json.dumps({"pid": child}), file=answers, flush=True)
    _, status = os.waitpid(child, 0)
    print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), file=answers, flush=True)
"""


def _command(home: Path, args: list[str], env: dict | None, kill_at: int,
             counter: Path | None) -> tuple[list[str], dict]:
    full_env = dict(os.environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice", DESKCLI_LANG="en",
                    **(env or {}))
    counter = counter or home.parent / f"{home.name}.steps"
    return [sys.executable, "-c", BOOT, str(kill_at), str(counter), *args], full_env


class _Server:
    """BOOT as a fork server (KILL_AT -1), started at the first command of a test process."""

    def __init__(self) -> None:
        self.files = Path(tempfile.mkdtemp(prefix="deskcli-killpoints-"))
        self.answers, write_end = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", BOOT, "-1", str(write_end)], stdin=subprocess.PIPE, text=True,
            pass_fds=(write_end,), env=dict(os.environ, DESKCLI_LANG="en"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_end)
        self.pending = b""

    def _answer(self, timeout: float, command: list[str]) -> dict:
        while b"\n" not in self.pending:
            ready, _, _ = select.select([self.answers], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired(command, timeout)
            chunk = os.read(self.answers, 4096)
            if not chunk:
                raise RuntimeError(f"the kill-point server stopped ({self.process.poll()})")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def run(self, args: list[str], env: dict, kill_at: int, counter: Path,
            timeout: float) -> subprocess.CompletedProcess:
        out, err = self.files / "stdout", self.files / "stderr"
        self.process.stdin.write(json.dumps({
            "args": args, "env": env, "kill_at": kill_at, "counter": str(counter),
            "cwd": os.getcwd(), "stdout": str(out), "stderr": str(err)}) + "\n")
        self.process.stdin.flush()
        command = ["deskcli", *args]
        child = self._answer(30, command)["pid"]
        try:
            returncode = self._answer(timeout, command)["returncode"]
        except subprocess.TimeoutExpired:
            os.kill(child, signal.SIGKILL)
            self._answer(30, command)
            raise
        return subprocess.CompletedProcess(command, returncode, out.read_text(), err.read_text())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        os.close(self.answers)
        shutil.rmtree(self.files, ignore_errors=True)


_server: _Server | None = None


def run_deskcli(home: Path, args: list[str], env: dict | None = None, kill_at: int = 0,
                counter: Path | None = None) -> subprocess.CompletedProcess:
    """`deskcli ARGS` in a process of its own on the repository `home`, killed at its
    KILL_AT-th write step (0: never), as by `python -m deskcli` with stdin closed."""
    global _server
    _, full_env = _command(home, args, env, kill_at, counter)
    if _server is None or _server.process.poll() is not None:
        _server = _Server()
        atexit.register(_server.stop)
    counter = counter or home.parent / f"{home.name}.steps"
    return _server.run(args, full_env, kill_at, counter, timeout=120)


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
