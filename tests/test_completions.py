"""completions/ matches what the app generates, and completion offers the real commands."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deskcli.completions import FILES, generate

COMPLETIONS = Path(__file__).resolve().parents[1] / "completions"


@pytest.mark.parametrize("shell", sorted(FILES))
def test_shipped_script_is_up_to_date(shell):
    shipped = (COMPLETIONS / FILES[shell]).read_text(encoding="utf-8")
    assert shipped == generate(shell), (
        f"completions/{FILES[shell]} is out of date: run `python -m deskcli.completions completions`")


def test_zsh_script_starts_with_compdef():
    assert (COMPLETIONS / "_deskcli").read_text().splitlines()[0] == "#compdef deskcli"


def complete(words: str, cword: int, language: str = "en") -> list[str]:
    env = dict(os.environ, _DESKCLI_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(cword),
               DESKCLI_LANG=language)
    out = subprocess.run([sys.executable, "-c", "from deskcli.cli import main; main()"],
                         env=env, capture_output=True, text=True)
    return out.stdout.split()


def test_completion_offers_commands_and_subcommands():
    assert "contract" in complete("deskcli con", 1)
    assert {"qualify", "treat", "transfer", "escalate", "intervene", "close"} <= set(complete("deskcli ", 1))
    assert {"add", "list", "show"} <= set(complete("deskcli contract ", 2))


def test_completion_offers_the_values_of_both_languages():
    assert complete("deskcli qualify 1 --urgency ", 4) == [
        "blocked", "degraded", "minor", "can-live-with-it", "bloqué", "ralenti", "dégradé",
        "peut-vivre-avec", "mineur"]
    assert complete("deskcli qualify 1 --urgency bl", 4, language="fr") == ["bloqué", "blocked"]
    assert complete("deskcli open --channel co", 3, language="fr") == ["courriel"]
    assert complete("deskcli escalate 1 --kind hi", 4, language="fr") == ["hiérarchique", "hierarchical"]
    assert complete("deskcli report --by te", 3, language="fr") == ["technicien", "technician"]
    assert complete("deskcli report 1 --format te", 4, language="fr") == ["texte", "text"]
