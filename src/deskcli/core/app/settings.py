"""The desk's settings: shipped defaults merged with the repository's settings.toml."""

from __future__ import annotations

import copy
import importlib
import json
import math
from pathlib import Path
from typing import Any

from deskcli.core.base.errors import InvalidInput
from deskcli.core.base.paths import data_file
from deskcli.i18n import N_, say, term

SETTINGS_FILE = "settings.toml"


def _type_name(value: Any) -> Any:
    if isinstance(value, bool):
        return term("true or false")
    if isinstance(value, int):
        return term("a whole number")
    if isinstance(value, float):
        return term("a number")
    if isinstance(value, str):
        return term("a text in quotes")
    if isinstance(value, list):
        return term("a list")
    if isinstance(value, dict):
        return term("a table")
    return type(value).__name__


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _merge(defaults: dict, override: dict, path: Path, prefix: str = "") -> dict:
    merged = copy.deepcopy(defaults)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in defaults:
            known = ", ".join(sorted(f"{prefix}{k}" for k in defaults)) or term("none")
            raise InvalidInput(say(
                "settings file {path}: unknown key {key!r}; known keys here: {known}",
                path=str(path), key=dotted, known=known))
        default = defaults[key]
        if isinstance(default, dict) and not default.get("_open"):
            if not isinstance(value, dict):
                raise InvalidInput(say("settings file {path}: {key} must be a table [{key}]",
                                       path=str(path), key=dotted))
            merged[key] = _merge(default, value, path, dotted + ".")
        elif isinstance(default, dict):
            # An open table (marked _open in the defaults) is replaced whole by the user's.
            if not isinstance(value, dict):
                raise InvalidInput(say("settings file {path}: {key} must be a table [{key}]",
                                       path=str(path), key=dotted))
            merged[key] = {"_open": True, **value}
        elif not _same_kind(default, value):
            raise InvalidInput(say("settings file {path}: {key} must be {expected}, got {value!r}",
                                   path=str(path), key=dotted, expected=_type_name(default),
                                   value=value))
        elif isinstance(value, float) and not math.isfinite(value):
            # nan and inf parse as numbers, and mean nothing here (nan makes a wait endless).
            raise InvalidInput(say("settings file {path}: {key} must be a finite number, got {value}",
                                   path=str(path), key=dotted, value=value))
        else:
            merged[key] = value
    return merged


def load_toml(path: Path) -> dict:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(say("settings file {path} is not valid TOML: {reason}", path=str(path),
                               reason=str(exc))) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(say("settings file {path} is not UTF-8 text (byte 0x{byte:02x} at "
                               "position {position}); save it as UTF-8", path=str(path),
                               byte=exc.object[exc.start], position=exc.start + 1)) from None
    except OSError as exc:
        raise InvalidInput(say("settings file {path} cannot be read: {reason}", path=str(path),
                               reason=exc.strerror)) from None


DEFAULT_FILES = (SETTINGS_FILE, "priority.toml")
# The shipped defaults parsed once, when the package is built (hatch_build.py), with the
# text of the files they were parsed from: every command needs them, and tomllib's import
# and two parses cost each start about 3 ms where reading this JSON costs a tenth of it.
PARSED_DEFAULTS = "defaults.json"


def parsed_defaults_text(directory: Path) -> str:
    """What PARSED_DEFAULTS holds for the default files in `directory`."""
    sources = [(directory / name).read_text(encoding="utf-8") for name in DEFAULT_FILES]
    merged: dict = {}
    for name in DEFAULT_FILES:
        merged.update(load_toml(directory / name))
    return json.dumps({"sources": sources, "defaults": merged}, ensure_ascii=False) + "\n"


def _parsed_defaults() -> dict | None:
    """The defaults from PARSED_DEFAULTS while it was made from the files as they are now
    (one edited since, or a build without it, and the files are parsed instead)."""
    try:
        parsed = json.loads(data_file(PARSED_DEFAULTS).read_text(encoding="utf-8"))
        current = [data_file(name).read_text(encoding="utf-8") for name in DEFAULT_FILES]
    except (OSError, ValueError):
        return None
    if not isinstance(parsed, dict) or parsed.get("sources") != current:
        return None
    return parsed.get("defaults")


def defaults() -> dict:
    found = _parsed_defaults()
    if found is not None:
        return found
    merged: dict = {}
    for name in DEFAULT_FILES:
        merged.update(load_toml(data_file(name)))
    return merged


# The checks other modules make of the settings, in the order they are reported, and the
# tables each reads: a check runs only when the desk's settings change one of its tables.
# The shipped defaults pass them all (the tests check it), and importing them would cost
# every command of a set-up desk (a settings.toml naming the company) tens of
# milliseconds. tests/core/test_settings.py checks that no check reads a table unnamed here.
CHECKS = {"deskcli.core.calls.sla": ("grid", "targets", "sla", "hours"),
          "deskcli.core.treating.treatment": ("treatment", "groups"),
          "deskcli.core.reporting.reports": ("documents", "technicians")}
# Where a database's shared settings are named in messages (they have no file).
SHARED_LABEL = N_("the database's shared settings")
# Each machine's own: how it reaches the repository and how long it waits for it.
LOCAL_ONLY = ("repository", "technician")


def _repository_problems(settings: dict) -> list[tuple[str, str]]:
    options = settings["repository"]
    found = []
    if not options["lock_timeout_seconds"] > 0:
        found.append(("repository.lock_timeout_seconds", term("a number of seconds above 0")))
    for key in ("backup_every_minutes", "backups_kept"):
        if options[key] < 0:
            found.append((f"repository.{key}", term("a number of 0 or more")))
    return found


def load(home: Path, shared: dict | None = None) -> dict:
    """Settings for the repository at `home`; an invalid override is refused, naming the key.

    `shared` are the settings a team's database holds for every technician (see
    `deskcli migrate`); the machine's settings.toml applies over them.
    """
    path = home / SETTINGS_FILE
    if not path.exists() and not shared:
        return defaults()  # the shipped defaults are checked by the tests, not at each start
    merged = defaults()
    changed: set[str] = set()
    if shared:
        applied = {k: v for k, v in shared.items() if k not in LOCAL_ONLY}
        merged = _merge(merged, applied, SHARED_LABEL)
        changed.update(applied)
    if path.exists():
        override = load_toml(path)
        merged = _merge(merged, override, path)
        changed.update(override)
    wrong = _repository_problems(merged)
    for module, sections in CHECKS.items():
        if changed.intersection(sections):
            wrong += importlib.import_module(module).problems(merged)
    if wrong:
        key, expected = wrong[0]
        where = (say("settings file {path}", path=str(path)) if path.exists()
                 else term(SHARED_LABEL))
        raise InvalidInput(say("{where}: {key} must be {expected}", where=where, key=key,
                               expected=expected))
    return merged
