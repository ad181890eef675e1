"""Every command has help text, answers --help, and is described in the documentation."""

from pathlib import Path

import pytest
import typer

from deskcli.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTATION = "\n".join(page.read_text(encoding="utf-8")
                          for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def command_paths(command=None, prefix=("deskcli",)):
    command = command or typer.main.get_command(app)
    if not hasattr(command, "list_commands"):
        return
    ctx = command.make_context(prefix[-1], [], resilient_parsing=True)
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        path = (*prefix, name)
        yield path, sub
        yield from command_paths(sub, path)


PATHS = list(command_paths())


def test_there_are_commands():
    assert {" ".join(p) for p, _ in PATHS} >= {"deskcli open", "deskcli contract add"}


@pytest.mark.parametrize("path, command", PATHS, ids=[" ".join(p) for p, _ in PATHS])
def test_command_has_help_and_is_documented(path, command, deskcli):
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
    assert " ".join(path) in DOCUMENTATION, f"{' '.join(path)} is not described in README.md or docs/"
    result = deskcli(*path[1:], "--help")
    first_line = " ".join(command.help.strip().splitlines()[0].split())
    assert result.exit_code == 0 and first_line in " ".join(result.stdout.split())
