"""Generate the shell completion scripts in completions/: `python -m deskcli.completions completions`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FILES = {"bash": "deskcli.bash", "zsh": "_deskcli", "fish": "deskcli.fish"}


def generate(shell: str) -> str:
    """The script Typer writes for `shell`, as the installed `deskcli` would print it."""
    env = dict(os.environ, _DESKCLI_COMPLETE=f"source_{shell}")
    result = subprocess.run(
        [sys.executable, "-c", "from deskcli.cli import main; main()"],
        env=env, capture_output=True, text=True, check=True,
    )
    # zsh reads `#compdef deskcli` only from the very first line.
    return result.stdout.lstrip("\n")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "completions")
    target.mkdir(parents=True, exist_ok=True)
    for shell, name in FILES.items():
        (target / name).write_text(generate(shell), encoding="utf-8")
        print(target / name)


if __name__ == "__main__":
    main()
