"""Hooks: the team's own programs, run after a change is recorded (Taskwarrior's model).

An executable named after the event (`on-open`, `on-close`...) in the repository's
hooks/ directory is run without a shell, with the event and the ticket as one JSON
document on its standard input. It runs after the change is committed, so it can
neither block nor undo it: a hook that fails, or outlives its timeout (then it is
killed with everything it started), is reported and the command goes on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOOKS_DIR = "hooks"
# event of the history -> hook name
EVENT_HOOKS = {
    "opened": "on-open",
    "qualified": "on-qualify",
    "requalified": "on-qualify",
    "transferred": "on-transfer",
    "escalated": "on-escalate",
    "reply": "on-reply",     # the technician's answer
    "message": "on-reply",   # the caller's, added to their ticket
    "closed": "on-close",
}
ALERT_HOOKS = {"at_risk": "on-at-risk", "breached": "on-breach"}
NAMES = ("on-open", "on-qualify", "on-transfer", "on-escalate", "on-at-risk", "on-breach",
         "on-reply", "on-close")
# What a hook printed is quoted in a report up to this length.
_QUOTED = 300


def hook_for(event: dict) -> str | None:
    if event["event"] == "sla_alert":
        return ALERT_HOOKS.get(event.get("state"))
    return EVENT_HOOKS.get(event["event"])


@dataclass
class Run:
    hook: str
    ticket: int
    ok: bool
    problem: str | None = None


def path(home: Path, name: str) -> Path | None:
    candidate = home / HOOKS_DIR / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    return None


def run(home: Path, name: str, event: dict, ticket: dict, timeout: float) -> Run | None:
    """Run one hook if the repository has it; None when it has not."""
    program = path(home, name)
    if program is None:
        return None
    import json
    import subprocess
    document = json.dumps({"hook": name, "event": event, "ticket": ticket}, ensure_ascii=False,
                          default=str)
    environment = dict(os.environ, DESKCLI_HOOK=name, DESKCLI_HOME=str(home),
                       DESKCLI_TICKET=str(ticket.get("id")))
    try:
        # A session of its own: on a timeout the whole group goes, grandchildren included,
        # or one of them holding the pipes open would keep the command waiting.
        child = subprocess.Popen([str(program)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, cwd=home, env=environment,
                                 start_new_session=True)
    except OSError as exc:
        return Run(name, ticket.get("id"), False, exc.strerror or str(exc))
    try:
        out, err = child.communicate(document.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(child)
        return Run(name, ticket.get("id"), False, f"stopped after {timeout:g} s")
    except BrokenPipeError:
        out, err = b"", b""
        child.wait()
    if child.returncode != 0:
        said = " ".join((err or out).decode("utf-8", "replace").split())[:_QUOTED]
        reason = f"exit status {child.returncode}" if child.returncode > 0 else \
            f"killed by signal {-child.returncode}"
        return Run(name, ticket.get("id"), False, f"{reason}: {said}" if said else reason)
    return Run(name, ticket.get("id"), True)


def _kill(child) -> None:
    import signal
    import subprocess

    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        pass  # already gone
    try:
        child.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        pass  # a process that does not die of SIGKILL: leave it to the system
