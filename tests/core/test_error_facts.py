"""Core's errors carry facts (field, value, limit, rule) and never name a command-line flag:
the command line says how each fact is typed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from deskcli import i18n
from deskcli.core.calls import choices
from deskcli.core.model import workflow
from deskcli.core.treating import treatment
from deskcli.core.base.errors import InvalidInput, RuleRefused
from deskcli.i18n import fact

CORE = Path(__file__).resolve().parents[2] / "src" / "deskcli" / "core"
# A flag as a person types it: --minutes, --date-format (a bare "--" builds one too).
FLAG = re.compile(r"(?<![\w-])--(?:[a-z]|$)")


def flags_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal that names a flag, docstrings left aside: they
    describe the program, they are never said to anyone."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            docstrings.add(id(node.body[0].value))
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and id(node) not in docstrings and FLAG.search(node.value))


def test_the_scan_finds_a_flag_in_a_message_but_not_in_a_docstring():
    source = ('def f():\n    """Said by --json."""\n'
              '    raise ValueError(say("--limit: {value} is too high"))\n'
              'PREFIX = "--"\n')
    assert [line for line, _text in flags_in(source)] == [3, 4]


def test_core_names_no_command_line_flag():
    found = [f"{path.relative_to(CORE)}:{line}: {text!r}"
             for path in sorted(CORE.rglob("*.py"))
             for line, text in flags_in(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.fixture
def core_words():
    """Facts said as core names them, as a program other than the command line would."""
    i18n.name_fields(str)
    yield
    from deskcli.commands.options import option_name

    i18n.name_fields(option_name)


def test_a_range_refusal_carries_its_field_value_and_limit():
    with pytest.raises(InvalidInput) as refused:
        treatment.check_minutes(99999)
    assert (refused.value.field, refused.value.value, refused.value.limit) == \
        ("minutes", 99999, (0, treatment.MAX_MINUTES))


def test_a_choice_refusal_carries_the_values_allowed():
    with pytest.raises(InvalidInput) as refused:
        choices.pick("sort", "sideways", fact("sort"))
    assert refused.value.field == "sort" and refused.value.value == "sideways"
    assert set(refused.value.limit) == {"priority", "newest", "oldest"}


def test_a_workflow_refusal_names_its_rule_and_the_status():
    with pytest.raises(RuleRefused) as refused:
        workflow.next_status({"id": 7, "status": "closed"}, "treat")
    assert (refused.value.rule, refused.value.value) == ("workflow", "closed")


def test_core_says_the_fact_and_the_command_line_its_flag(core_words):
    with pytest.raises(InvalidInput) as in_core:
        treatment.check_minutes(-1)
    assert str(in_core.value) == "minutes: -1 is not between 0 and 1440"
    from deskcli.commands.options import option_name

    i18n.name_fields(option_name)
    with pytest.raises(InvalidInput) as on_the_line:
        treatment.check_minutes(-1)
    assert str(on_the_line.value) == "--minutes: -1 is not between 0 and 1440"
    assert option_name("date_format") == "--date-format"
