"""Refusals of core are worded at the command line: each fact core names is said as its
option, in English and in French, with the exit code of its kind."""

from __future__ import annotations

import pytest


def ok(result):
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


@pytest.mark.parametrize("language, said", [
    ("en", "Error: --minutes: 99999 is not between 0 and 1440\n"),
    ("fr", "Erreur\u00a0: --minutes\u00a0: 99999 n'est pas entre 0 et 1440\n"),
])
def test_a_range_refusal_names_the_option(deskcli, language, said):
    ok(deskcli("open", "--caller", "Karim", "--summary", "Printer offline", "--billable"))
    result = deskcli("--lang", language, "treat", "1", "--minutes", "99999", "--json")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", said)


@pytest.mark.parametrize("language, way_out", [
    ("en", "; `deskcli reopen ID --reason TEXT` brings it back\n"),
    ("fr", "\u00a0; «\u00a0deskcli reopen N° --reason TEXTE\u00a0» le fait revenir\n"),
])
def test_a_workflow_refusal_gives_the_way_out_with_its_options(deskcli, language, way_out):
    ok(deskcli("open", "--caller", "Karim", "--summary", "Printer offline", "--billable"))
    ok(deskcli("treat", "1", "--solution", "toner replaced", "--definitive"))
    ok(deskcli("close", "1"))
    result = deskcli("--lang", language, "close", "1")
    assert result.exit_code == 1 and result.stderr.endswith(way_out)
