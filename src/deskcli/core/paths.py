"""Where the repository and the shipped defaults live: resolved here and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "DESKCLI_HOME"
USER_ENV = "DESKCLI_USER"


def repository_home(explicit: str | os.PathLike | None = None) -> Path:
    """The repository directory: --home, else DESKCLI_HOME, else the user data directory."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(HOME_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("deskcli", appauthor=False))


def data_dir() -> Path:
    """The shipped defaults (grid, targets, checklist, settings)."""
    # The package directory itself: importlib.resources would cost every command its import.
    installed = Path(__file__).resolve().parents[1] / "data"
    if installed.is_dir():
        return installed
    # Running from a source checkout: data/ sits at the top of the repository.
    return Path(__file__).resolve().parents[3] / "data"


def data_file(name: str) -> Path:
    return data_dir() / name
