"""What a technician reads names the procedure's rules in plain words: no course references
(seed 001 §4.3.4, procedure §5) outside practice, where students keep the sections."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src" / "deskcli"
MESSAGE_FUNCTIONS = {"_", "N_", "say", "term", "ngettext"}


def messages(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in MESSAGE_FUNCTIONS:
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield node.lineno, arg.value


def test_no_course_reference_in_messages_outside_practice():
    found = [f"{path.relative_to(SOURCE)}:{line}: {text}"
             for path in sorted(SOURCE.rglob("*.py"))
             if not any("practice" in part for part in path.relative_to(SOURCE).parts)
             for line, text in messages(path) if "§" in text or "seed 0" in text]
    assert found == []


def test_the_check_sees_practice_sections():
    # The same reading finds the sections that practice keeps for students.
    practice = sorted((SOURCE / "core" / "practice").glob("*.py"))
    assert any("§" in text for path in practice for _line, text in messages(path))
