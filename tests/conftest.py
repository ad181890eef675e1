"""Shared fixtures: an isolated repository per test and a `deskcli` runner."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskcli.cli import app
from deskcli.core.desk import Desk, open_desk


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    home = tmp_path / "repo"
    monkeypatch.setenv("DESKCLI_HOME", str(home))
    monkeypatch.setenv("DESKCLI_USER", "alice")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DESKCLI_DEBUG", raising=False)
    # English unless a test asks otherwise, whatever the machine's locale; each run of
    # the CLI chooses its language again, core's own calls use the one active here.
    monkeypatch.setenv("DESKCLI_LANG", "en")
    from deskcli import i18n

    i18n.activate("en")
    return home


@pytest.fixture
def utc(monkeypatch):
    """Local time is UTC, so that dates typed and printed read as they are stored."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def home(isolated) -> Path:
    return isolated


@pytest.fixture
def desk(home) -> Desk:
    return open_desk(home, "alice")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def deskcli():
    """Run deskcli through its entry point; a bug raises instead of hiding in an exit code."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False,
                               prog_name="deskcli")
        return Result(result.exit_code, result.stdout, result.stderr)

    return run
