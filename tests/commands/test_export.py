"""`deskcli export`: stored tickets out as JSON lines or CSV, ready to be read back."""

import csv
import io
import json

import pytest

pytestmark = pytest.mark.usefixtures("utc")


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def two_calls(deskcli):
    ok(deskcli("open", "--caller", 'Zoé "Z"', "--summary", "=SUM(A1)", "--description",
               "ligne 1\nligne 2 🖥", "--billable"))
    ok(deskcli("open", "--caller", "Karim", "--summary", "VPN", "--billable"))
    ok(deskcli("qualify", "2", "--type", "incident", "--impact", "user", "--urgency", "minor"))
    ok(deskcli("treat", "2", "--diagnosis", "profil", "--solution", "profil refait", "--definitive"))
    ok(deskcli("close", "2"))


def stored(deskcli, number):
    ticket = ok(deskcli("show", str(number), "--json")).json()
    ticket.pop("sla")
    return ticket


def test_jsonl_holds_each_stored_ticket_whole(deskcli, two_calls):
    lines = ok(deskcli("export")).stdout.rstrip("\n").split("\n")
    assert [json.loads(line) for line in lines] == [stored(deskcli, 1), stored(deskcli, 2)]
    assert [json.loads(x)["id"] for x in ok(deskcli("export", "--active")).stdout.split("\n") if x] == [1]
    assert [json.loads(x)["id"] for x in ok(deskcli("export", "--closed")).stdout.split("\n") if x] == [2]
    assert ok(deskcli("export", "--since", "2999-01-01", "--until", "2999-01-02")).stdout == ""


def test_csv_rows_read_back_with_the_history_and_no_formula(deskcli, two_calls):
    rows = list(csv.DictReader(io.StringIO(ok(deskcli("export", "--format", "csv")).stdout)))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["summary"] == "'=SUM(A1)" and rows[0]["caller_name"] == 'Zoé "Z"'
    assert rows[0]["description"] == "ligne 1\nligne 2 🖥"
    assert json.loads(rows[1]["history"]) == stored(deskcli, 2)["history"]
    assert rows[1]["solution"] == "profil refait" and rows[1]["status"] == "closed"


def test_an_export_file_is_private_and_bad_options_are_refused(deskcli, two_calls, tmp_path):
    target = tmp_path / "desk.jsonl"
    ok(deskcli("export", "-o", str(target)))
    assert oct(target.stat().st_mode & 0o777) == "0o600" and len(target.read_text().splitlines()) == 2
    assert deskcli("export", "--format", "xml").exit_code == 2
    assert deskcli("export", "--active", "--closed").exit_code == 2
    assert deskcli("--json", "export").exit_code == 2
