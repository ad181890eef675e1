"""What the benchmarks share: how to run the real command and how to report its times."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def command() -> list[str]:
    """The installed `deskcli` beside this Python, as a user runs it."""
    script = Path(sys.executable).with_name("deskcli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "deskcli"]


def environment(home: Path) -> dict:
    env = dict(os.environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice")
    # Installed packages carry compiled bytecode; let an editable checkout have it too.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(args: list[str], env: dict, runs: int, before=None) -> list[float]:
    """Wall times in ms of `runs` runs, after one untimed run that warms the file cache."""
    subprocess.run(args, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        if before:
            before()
        began = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
        times.append((time.perf_counter() - began) * 1000)
    return times


def report(label: str, times: list[float], width: int = 48) -> float:
    median = statistics.median(times)
    print(f"{label[:width]:<{width}} median {median:7.1f} ms   min {min(times):7.1f}   "
          f"max {max(times):7.1f}")
    return median


@contextmanager
def scratch(prefix: str = "deskcli-bench-") -> Iterator[Path]:
    """A directory for the benchmark's repositories, removed afterwards whatever happens."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)

class Desk:
    """One benchmark repository and the commands that move a fresh call through its life."""

    def __init__(self, home: Path, runs: int = 0) -> None:
        self.home, self.runs = home, runs
        self.env = environment(home)
        self.base = command()
        self.number = 0

    def deskcli(self, *args: str) -> list[str]:
        return [*self.base, *args]

    def opened(self) -> None:
        result = subprocess.run(self.deskcli("open", "--no-input", "--caller", "Karim", "--org", "Organisation 3",
                                             "--summary", "Imprimante bloquée", "--billable"),
                                env=self.env, capture_output=True, text=True, check=True)
        self.number = int(result.stdout.strip())

    def qualified(self) -> None:
        self.opened()
        subprocess.run(self.deskcli("qualify", str(self.number), "--type", "incident", "--impact", "user",
                                    "--urgency", "blocked"), env=self.env, capture_output=True, check=True)

    def solved(self) -> None:
        self.qualified()
        subprocess.run(self.deskcli("treat", str(self.number), "--solution", "câble rebranché", "--definitive"),
                       env=self.env, capture_output=True, check=True)
