"""A call interrupted mid-checklist is kept as a draft, so what was typed is never lost."""

from __future__ import annotations

import json
from pathlib import Path

from deskcli.core.store.repository import Desk
from deskcli.core.base.names import name_key
from deskcli.core.base.files import write_atomically

DRAFTS_DIR = "drafts"


def _path(desk: Desk) -> Path:
    safe = "".join(c if c.isalnum() else "_" for c in name_key(desk.technician)) or "technician"
    return desk.home / DRAFTS_DIR / f"open-{safe}.json"


def save(desk: Desk, answers: dict) -> Path:
    path = _path(desk)
    from deskcli.core.base.paths import private_directory

    private_directory(desk.home, DRAFTS_DIR)  # 0700 whatever the umask, never through a link
    write_atomically(path, json.dumps(answers, ensure_ascii=False, indent=1))
    return path


def load(desk: Desk) -> dict | None:
    try:
        return json.loads(_path(desk).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def discard(desk: Desk) -> None:
    try:
        _path(desk).unlink()
    except OSError:
        pass
