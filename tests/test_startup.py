"""A daily command pays for itself only: one verb's command built, its own module imported,
no table or archive library it does not use, no annotation compiled at each run.

Checked in a fresh interpreter, as a user runs deskcli; what these save in milliseconds is
measured in bench/bench_side.py, never here.
"""

import json
import os
import subprocess
import sys

import pytest

from deskcli import cli
from deskcli.core.app import settings
from deskcli.core.base.paths import data_dir

RUN = """
import json, sys
from deskcli import cli
try:
    cli.app(args=json.loads(sys.argv[1]), prog_name="deskcli")
except SystemExit as exit_:
    assert not exit_.code, exit_.code
print(json.dumps({
    "built": cli.load_command.cache_info().currsize,
    "verbs": sorted(m for m in sys.modules if m.startswith("deskcli.commands.")),
    "libraries": sorted(m for m in ("tabulate", "sqlite3", "tomllib", "questionary") if m in sys.modules),
}))
"""


@pytest.fixture(scope="module", autouse=True)
def parsed_defaults():
    """The shipped defaults parsed as the build parses them (after an edit of their TOML
    since the last install, deskcli parses the TOML instead: right, only slower)."""
    path = data_dir() / settings.PARSED_DEFAULTS
    wanted = settings.parsed_defaults_text(data_dir())
    if not path.exists() or path.read_text(encoding="utf-8") != wanted:
        path.write_text(wanted, encoding="utf-8")


def _run(home, *args) -> dict:
    env = dict(os.environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice", DESKCLI_LANG="en")
    out = subprocess.run([sys.executable, "-c", RUN, json.dumps(list(args))], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def closed_and_active(home, deskcli):
    """A repository with a ticket in the archive (#1) and one at work (#2)."""
    for _ in range(2):
        deskcli("open", "--no-input", "--caller", "Karim", "--summary", "Mail down", "--billable")
    deskcli("qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "blocked")
    deskcli("treat", "1", "--solution", "cable plugged back", "--definitive")
    deskcli("close", "1")
    assert (home / "archive.sqlite3").exists()
    return home


# Each daily verb, the module that holds it, and the libraries it may load: qualify shows
# the ticket's clocks as a table; treat consults the knowledge base's index (SQLite); close
# moves the ticket into the SQLite archive, and show reads a closed one there.
DAILY = [
    (("open", "--no-input", "--caller", "K", "--summary", "S", "--billable"), "open", ["sqlite3"]),
    (("qualify", "2", "--type", "incident", "--impact", "user", "--urgency", "blocked"), "qualify",
     ["tabulate"]),
    (("treat", "2", "--solution", "restarted", "--definitive"), "treat", ["sqlite3"]),
    (("close", "2"), "close", ["sqlite3"]),
    (("list", "--json"), "listing", []),
    (("show", "1", "--json"), "listing", ["sqlite3"]),
]


def test_a_daily_command_builds_and_imports_its_own_verb_only(closed_and_active):
    for args, module, libraries in DAILY:
        seen = _run(closed_and_active, *args)
        assert seen["built"] == 1, args
        assert set(seen["verbs"]) == {"deskcli.commands.options", f"deskcli.commands.{module}"}, args
        assert seen["libraries"] == libraries, args


def test_daily_verbs_hand_typer_evaluated_annotations():
    """Typer reads a callback's type hints twice per build: hints left as strings (`from
    __future__ import annotations`) are compiled and evaluated again at every run."""
    callbacks = [cli.main_options] + [cli.load_command(verb).callback.__wrapped__
                                      for verb in ("open", "qualify", "treat", "close", "list", "show")]
    for callback in callbacks:
        hints = [hint for name, hint in callback.__annotations__.items() if name != "return"]
        assert hints and not any(isinstance(hint, str) for hint in hints), callback.__name__
