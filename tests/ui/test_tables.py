"""tabulate imported without the version lookup and wcwidth, which deskcli does not use."""

import subprocess
import sys

SCRIPT = """
import sys
from deskcli.ui.tables import tabulate_module
module = tabulate_module()
print('wcwidth' in sys.modules, 'importlib.metadata' in sys.modules, module.WIDE_CHARS_MODE)
print(module.tabulate([["Zoé", "1"]], headers=["name", "n"], tablefmt="simple"))
import wcwidth, importlib.metadata  # the real ones are still there for whoever needs them
print(wcwidth.wcswidth("ab"), callable(importlib.metadata.distributions))
print(tabulate_module() is module)
"""


def test_tabulate_comes_without_wcwidth_and_the_version_lookup():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "False False False"
    assert lines[1:4] == ["name      n", "------  ---", "Zoé       1"]
    assert lines[4:] == ["2 True", "True"]
