"""Ticket and record numbers run from 1 to 2^31-1 on both backends: an import outside is
refused with exit 2 naming the record, and nothing of it is stored."""

import json

import pytest

pytestmark = pytest.mark.both_backends

LAST = 2**31 - 1


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def exported(deskcli, tmp_path):
    """One exported ticket, to be read back under another number."""
    ok(deskcli("open", "--caller", "Karim", "--summary", "Imprimante", "--billable", "--no-input"))
    return json.loads(ok(deskcli("export")).stdout)


@pytest.fixture
def other(tmp_path, backend, monkeypatch, request):
    """Another, empty repository of the same backend: its --home."""
    if backend.url:
        monkeypatch.setenv("DESKCLI_DATABASE_URL", request.getfixturevalue("fresh_database")())
    return str(tmp_path / "other")


def import_as(deskcli, other, tmp_path, ticket, **changes):
    path = tmp_path / "import.jsonl"
    path.write_text(json.dumps(dict(ticket, **changes)) + "\n", encoding="utf-8")
    return deskcli("--home", other, "open", "--from", str(path))


@pytest.mark.parametrize("number", [2**63 - 1, 2**31, 0, -5])
def test_an_imported_ticket_number_outside_the_range_is_refused(deskcli, exported, other, tmp_path, number):
    result = import_as(deskcli, other, tmp_path, exported, id=number)
    assert result.exit_code == 2, result.stderr
    assert "line 1" in result.stderr and "id" in result.stderr and str(number) in result.stderr
    assert "Traceback" not in result.stderr
    assert ok(deskcli("--home", other, "list", "--all", "--json")).json() == []
    assert ok(deskcli("--home", other, "open", "--caller", "Zoé", "--summary", "Écran",
                      "--billable", "--no-input")).stdout.strip() == "1"


def test_the_last_number_is_taken_and_then_no_number_is_left(deskcli, exported, other, tmp_path):
    ok(import_as(deskcli, other, tmp_path, exported, id=LAST))
    assert ok(deskcli("--home", other, "show", str(LAST), "--json")).json()["id"] == LAST
    full = deskcli("--home", other, "open", "--caller", "Zoé", "--summary", "Écran", "--billable",
                   "--no-input")
    assert full.exit_code == 3 and "no ticket number is left" in full.stderr
    assert [t["id"] for t in ok(deskcli("--home", other, "list", "--all", "--json")).json()] == [LAST]


def test_an_intervention_number_outside_the_range_is_refused(deskcli, exported, other, tmp_path):
    ticket = dict(exported, interventions=[{"number": 2**40, "nature": "x"}])
    result = import_as(deskcli, other, tmp_path, ticket)
    assert result.exit_code == 2 and "interventions[0].number" in result.stderr, result.stderr


def test_a_ticket_number_outside_the_range_on_the_command_line_is_bad_usage(deskcli, exported):
    result = deskcli("show", str(2**31))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
