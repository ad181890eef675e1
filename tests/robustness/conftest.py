"""Helpers to run deskcli and small writers in separate processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # killpoints, beside this file


@pytest.fixture
def run_cli(home):
    def run(*args, env=None, timeout=60):
        full_env = {**os.environ, "DESKCLI_HOME": str(home), "DESKCLI_USER": "alice", **(env or {})}
        return subprocess.run([sys.executable, "-m", "deskcli", *args], capture_output=True,
                              text=True, env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)
    return run
