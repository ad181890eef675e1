"""The architecture as import contracts (pyproject.toml, [tool.importlinter]): the layers
cli -> commands -> ui -> core, core's packages in their order with no cycle, the domain
working through the repository interface, and core free of the terminal libraries.

import-linter counts every import, at module top or inside a function. Each contract is
also shown failing on a copy of the package given the import it forbids."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "deskcli"
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the checkout at `root` (its pyproject.toml, its src/)."""
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


@pytest.fixture
def copy(tmp_path) -> Path:
    """A checkout of the package alone (no catalogs), to break on purpose."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(SOURCE, tmp_path / "src" / "deskcli",
                    ignore=shutil.ignore_patterns("__pycache__", "locale"))
    return tmp_path


def add_import(root: Path, module: str, statement: str) -> None:
    """Add `statement` inside a new function of `module` (a dotted name under deskcli)."""
    path = root / "src" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n\ndef _added():\n    {statement}\n")


LAYERS = "cli -> commands -> ui -> core: nothing imports a layer above it"
CORE_LAYERS = "core: practice -> app -> domain -> repository -> model -> base"
BACKENDS = "the backends below the repository interface, which names none of them"
INTERFACE = "the domain works through the repository interface, never a backend"
ACYCLIC = "no import cycle in core, between packages or modules"
NO_UI = "core never imports the terminal libraries"


def broken_contracts(report: str) -> set[str]:
    return {line.removesuffix(" BROKEN") for line in report.splitlines() if line.endswith(" BROKEN")}


@pytest.mark.parametrize("module, statement, broken, chain", [
    # An upward import inside core (the base layer reaching for a call's record), which
    # closes a cycle too: clock is imported by tickets.
    ("deskcli.core.base.clock", "from deskcli.core.calls import tickets",
     {CORE_LAYERS, ACYCLIC}, "deskcli.core.base.clock -> deskcli.core.calls.tickets"),
    # An upward import between the top layers: core reaching for the terminal UI (and,
    # through it, for the terminal libraries).
    ("deskcli.core.calls.sla", "from deskcli.ui import output",
     {LAYERS, NO_UI}, "deskcli.core.calls.sla -> deskcli.ui.output"),
    # A cycle inside one package, which no layer between packages can see.
    ("deskcli.core.calls.contracts", "from deskcli.core.calls import tickets",
     {ACYCLIC}, "in deskcli.core.calls.\nIt could be made acyclic by removing 1 dependency"),
    # The domain naming a backend instead of the repository interface.
    ("deskcli.core.knowledge.kb", "from deskcli.core.store.storage import KB_FILE",
     {INTERFACE}, "deskcli.core.knowledge.kb -> deskcli.core.store.storage"),
    # The interface naming a backend: a cycle too (the backend implements the interface),
    # and the domain would reach the backend through the interface.
    ("deskcli.core.store.repository", "from deskcli.core.store import postgres",
     {BACKENDS, ACYCLIC, INTERFACE}, "deskcli.core.store.repository -> deskcli.core.store.postgres"),
    # Core printing through a terminal library.
    ("deskcli.core.reporting.reports", "import tabulate",
     {NO_UI}, "deskcli.core.reporting.reports -> tabulate"),
])
def test_a_forbidden_import_breaks_its_contract(copy, module, statement, broken, chain):
    add_import(copy, module, statement)
    result = lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken_contracts(result.stdout) == broken
    assert chain in result.stdout.split("Broken contracts", 1)[1]
