"""The output object: a command hands it both forms, and the run's --json picks one."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import typer

from deskcli.cli import TEXT_ONLY, app
from deskcli.core.base.errors import InvalidInput
from deskcli.ui import output

SOURCES = Path(__file__).resolve().parents[2] / "src" / "deskcli"


@pytest.fixture(autouse=True)
def text_run():
    """A run without --json, as every run starts (a run before may have asked for JSON)."""
    output.configure()
    yield
    output.configure()


@pytest.fixture
def as_json():
    output.configure(json=True)


def test_text_is_written_and_the_document_never_built(capsys):
    built = []
    output.answer().emit(lambda: built.append(1) or {"id": 1}, lambda: output.data("#1"))
    assert (capsys.readouterr().out, built) == ("#1\n", [])


def test_with_json_the_document_alone_is_written(capsys, as_json):
    output.answer().emit(lambda: {"id": 1}, lambda: output.data("#1"))
    assert json.loads(capsys.readouterr().out) == {"id": 1}


def test_a_change_is_said_on_stderr_or_given_as_its_record(capsys, as_json):
    output.answer().done({"id": 1}, "Ticket #1 closed.")
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"id": 1} and captured.err == ""
    output.configure()
    output.answer().done({"id": 1}, "Ticket #1 closed.", "deskcli list")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "Ticket #1 closed.\n"


def test_a_refusal_with_reasons_as_data(capsys, as_json):
    with pytest.raises(SystemExit) as left:
        output.answer().refuse({"problems": ["x"]}, InvalidInput("x"))
    assert left.value.code == 2 and json.loads(capsys.readouterr().out) == {"problems": ["x"]}
    output.configure()
    with pytest.raises(InvalidInput):
        output.answer().refuse({"problems": ["x"]}, InvalidInput("x"))
    assert capsys.readouterr().out == ""


def _leaves(command=None, path=()):
    command = command or typer.main.get_command(app)
    if not hasattr(command, "list_commands"):
        yield path, command
        return
    ctx = command.make_context("deskcli", [], resilient_parsing=True)
    if path and command.params:  # a verb that runs on its own (`deskcli practice`)
        yield path, command
    for name in command.list_commands(ctx):
        yield from _leaves(command.get_command(ctx, name), (*path, name))


@pytest.mark.parametrize("path, command", list(_leaves()), ids=lambda p: " ".join(p)
                         if isinstance(p, tuple) else "")
def test_each_verb_that_prints_offers_json_once(path, command):
    declared = [p for p in command.params if "--json" in getattr(p, "opts", ())]
    assert len(declared) == (0 if path[0] in TEXT_ONLY else 1)


def test_json_is_declared_in_one_place_and_asked_of_no_command():
    """`--json` is an option in commands/options.py alone; commands ask the output object."""
    places = []
    for path in sorted(SOURCES.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "wants_json" not in source, path
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Option" \
                    and any(isinstance(a, ast.Constant) and a.value == "--json" for a in node.args):
                places.append(path.relative_to(SOURCES).as_posix())
    assert places == ["commands/options.py"]
