"""Setting a desk up on first use: the settings `deskcli init` writes into settings.toml."""

from __future__ import annotations

import json
import re
from pathlib import Path

from deskcli.core.app.settings import SETTINGS_FILE


def is_set_up(home: Path, shared: dict | None = None) -> bool:
    """Whether the desk was set up (or its settings written by hand, or shared by a team)."""
    return (home / SETTINGS_FILE).exists() or bool(shared)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    # A TOML basic string is a JSON string without the non-ASCII escapes.
    return json.dumps(str(value), ensure_ascii=False)


def settings_text(text: str, values: dict[tuple[str, str], object]) -> str:
    """settings.toml's `text` with each (table, key) set to its value: a key already there
    is changed in place, a missing one added under its table (made at the end if need be),
    every other line and comment kept as the hotline wrote it."""
    lines = text.splitlines()
    for (table, key), value in values.items():
        line = f"{key} = {_toml_value(value)}"
        header = next((i for i, l in enumerate(lines) if l.strip() == f"[{table}]"), None)
        if header is None:
            if lines and lines[-1].strip():
                lines.append("")
            lines += [f"[{table}]", line]
            continue
        end = next((i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")),
                   len(lines))
        existing = next((i for i in range(header + 1, end)
                         if re.match(rf"\s*{re.escape(key)}\s*=", lines[i])), None)
        if existing is not None:
            lines[existing] = line
        else:
            lines.insert(header + 1, line)
    return "\n".join(lines) + "\n"


def write_settings(home: Path, values: dict[tuple[str, str], object]) -> Path:
    """Set `values` in the desk's settings.toml (created private if need be); checked by
    loading it back, so a value the desk would refuse is never left in the file."""
    from deskcli.core.app import settings
    from deskcli.core.base.files import write_atomically

    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / SETTINGS_FILE
    old = path.read_text(encoding="utf-8") if path.exists() else (
        "# This desk's settings; deskcli's defaults are in its data/settings.toml.\n")
    new = settings_text(old, values)
    write_atomically(path, new)
    try:
        settings.load(home)
    except Exception:
        write_atomically(path, old)
        raise
    return path
