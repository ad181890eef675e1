"""tabulate, imported without what deskcli's tables do not use.

tabulate's import looks its own version up in the installed distributions
(importlib.metadata scans every package's metadata) and loads wcwidth for wide characters
when it is installed (it is, for prompt_toolkit). deskcli reads neither: the version is
never shown, and the tables are cut to the terminal by counting characters
(`output.fit`), as tabulate does in its documented mode without wcwidth. Together they
are most of tabulate's import time, which `deskcli list` pays at every run; they are
kept out of that one import, and nothing else in the process is changed.
"""

from __future__ import annotations

import sys
import types


class _NoMetadata(Exception):
    """What tabulate's version lookup gets instead of a scan of the installed packages."""


def _no_version(name: str) -> str:
    raise _NoMetadata(name)


def tabulate_module() -> types.ModuleType:
    """The tabulate module, imported (once) without wcwidth and without the version lookup."""
    if "tabulate" in sys.modules:
        return sys.modules["tabulate"]
    placed = {}
    if "wcwidth" not in sys.modules:
        placed["wcwidth"] = None  # `import wcwidth` fails: tabulate's documented narrow mode
    if "importlib.metadata" not in sys.modules:
        stand_in = types.ModuleType("importlib.metadata")
        stand_in.version = _no_version
        stand_in.PackageNotFoundError = _NoMetadata
        placed["importlib.metadata"] = stand_in
    sys.modules.update(placed)
    try:
        import tabulate
    finally:
        # Only for that import: prompt_toolkit may load the real wcwidth later.
        for name, module in placed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return tabulate
