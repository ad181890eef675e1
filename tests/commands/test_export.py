"""`deskcli export`: stored tickets out as JSON lines or CSV, ready to be read back."""

import csv
import io
import json
import os

import pytest
from freezegun import freeze_time

pytestmark = pytest.mark.usefixtures("utc")

COLUMNS = ["id", "status", "type", "priority", "level", "channel", "opener", "assignee", "group",
           "opened_at", "taken_in_charge_at", "resolved_at", "closed_at", "caller_name",
           "caller_role", "caller_contact", "organisation", "organisation_kind", "contract",
           "device", "os", "network", "software", "summary", "description", "reformulation",
           "diagnosis", "solution", "solution_definitive", "time_spent_minutes", "problem",
           "history"]
DESCRIPTION = 'ligne 1\nligne 2: l\'écran dit "erreur" 🖥'


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def calls(deskcli):
    """#1 active (2 March), #2 closed after an on-site intervention (10 March), #3 active
    (20 March)."""
    with freeze_time("2026-03-02 09:00:00"):
        ok(deskcli("open", "--caller", 'Zoé "Z" Müller', "--org", "Crèche Les Étoiles",
                   "--contact", "+33 6 12 34 56 78", "--summary", "=SUM(A1)",
                   "--description", DESCRIPTION, "--billable"))
    with freeze_time("2026-03-10 09:00:00"):
        ok(deskcli("contract", "add", "--org", "Atlas SARL", "--org-kind", "company",
                   "--number", "C-1", "--coverage", "contract", "--from", "2020-01-01",
                   "--until", "2099-12-31", "--signer", "Nadia Alami:Director"))
        ok(deskcli("open", "--caller", "Karim", "--org", "Atlas SARL", "--summary", "PC dead",
                   "--device", "Dell 7010"))
        ok(deskcli("qualify", "2", "--type", "incident", "--impact", "user", "--urgency", "blocked"))
        ok(deskcli("treat", "2", "--diagnosis", "PSU dead"))
        ok(deskcli("intervene", "2", "--nature", "replace the power supply",
                   "--deadline", "2026-03-11T12:00:00Z"))
    with freeze_time("2026-03-10 14:00:00"):
        ok(deskcli("--as", "carl", "intervene", "2", "--report", "1",
                   "--start", "2026-03-10T11:00:00Z", "--end", "2026-03-10T12:15:00Z",
                   "--done", "power supply replaced", "--outcome", "the PC starts"))
        ok(deskcli("treat", "2", "--solution", "power supply replaced", "--definitive"))
        ok(deskcli("close", "2"))
    with freeze_time("2026-03-20 09:00:00"):
        ok(deskcli("open", "--caller", "Léa", "--summary", "VPN", "--billable"))


def stored(deskcli, number):
    ticket = ok(deskcli("show", str(number), "--json")).json()
    ticket.pop("sla")
    return ticket


def ids(result):
    return [json.loads(line)["id"] for line in ok(result).stdout.splitlines()]


def test_jsonl_holds_each_stored_ticket_whole_and_nothing_else(deskcli, calls):
    result = ok(deskcli("export"))
    lines = result.stdout.splitlines()
    exported = [json.loads(line) for line in lines]
    assert exported == [stored(deskcli, n) for n in (1, 2, 3)]
    # Keys in their stored order; no derived view.
    assert [list(t) for t in exported] == [list(stored(deskcli, n)) for n in (1, 2, 3)]
    assert all("sla" not in t for t in exported)
    assert exported[1]["status"] == "closed" and exported[1]["interventions"][0]["report"]
    assert exported[0]["description"] == DESCRIPTION
    # UTF-8 as it is, not \u escapes; the newline of the description stays inside its line.
    assert "Zoé" in result.stdout and "🖥" in result.stdout and len(lines) == 3
    assert result.stderr.strip() == "Exported 3 tickets (jsonl) to stdout"


def test_scopes(deskcli, calls):
    assert ids(deskcli("export", "--active")) == [1, 3]
    assert ids(deskcli("export", "--closed")) == [2]
    assert ids(deskcli("export", "--all")) == ids(deskcli("export")) == [1, 2, 3]


def test_the_period_is_on_the_opening_date(deskcli, calls):
    assert ids(deskcli("export", "--since", "2026-03-05")) == [2, 3]
    assert ids(deskcli("export", "--until", "2026-03-10")) == [1, 2]  # that day included
    assert ids(deskcli("export", "--since", "2026-03-05", "--until", "2026-03-15")) == [2]
    assert ids(deskcli("export", "--since", "5d", "--until", "2026-03-10")) == [2]
    assert ids(deskcli("export", "--active", "--since", "2026-03-05")) == [3]
    assert ids(deskcli("export", "--closed", "--since", "2026-03-11")) == []
    assert ok(deskcli("export", "--since", "2999-01-01", "--until", "2999-01-02")).stdout == ""


def test_csv_reads_back_with_its_history_and_no_formula(deskcli, calls):
    result = ok(deskcli("export", "--format", "csv"))
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == COLUMNS and len(rows) == 4
    records = [dict(zip(COLUMNS, row)) for row in rows[1:]]
    first, closed = records[0], records[1]
    assert [r["id"] for r in records] == ["1", "2", "3"]
    assert first["summary"] == "'=SUM(A1)" and first["caller_contact"] == "'+33 6 12 34 56 78"
    assert first["caller_name"] == 'Zoé "Z" Müller' and first["description"] == DESCRIPTION
    assert first["organisation"] == "Crèche Les Étoiles"
    assert first["status"] == stored(deskcli, 1)["status"] and first["level"] == "1"
    assert first["solution"] == "" and first["closed_at"] == ""
    for number, record in zip((1, 2, 3), records):
        assert json.loads(record["history"]) == stored(deskcli, number)["history"]
    ticket = stored(deskcli, 2)
    assert closed["status"] == "closed" and closed["closed_at"] == ticket["closed_at"]
    assert closed["solution"] == "power supply replaced" and closed["solution_definitive"] == "true"
    assert closed["diagnosis"] == "PSU dead" and closed["device"] == "Dell 7010"
    assert closed["priority"] == str(ticket["priority"]) and closed["contract"] == "C-1"
    for record in records:
        for column, cell in record.items():
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (column, cell)
    assert result.stderr.strip() == "Exported 3 tickets (csv) to stdout"


def test_output_file_is_private(deskcli, calls, tmp_path):
    target = tmp_path / "desk.jsonl"
    result = ok(deskcli("export", "-o", str(target)))
    assert result.stdout == "" and str(target) in result.stderr
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert target.read_text(encoding="utf-8") == ok(deskcli("export")).stdout
    # A file that was already there, readable by others, is made private too.
    sheet = tmp_path / "desk.csv"
    sheet.write_text("old", encoding="utf-8")
    os.chmod(sheet, 0o644)
    ok(deskcli("export", "--format", "csv", "--closed", "--output", str(sheet)))
    assert oct(sheet.stat().st_mode & 0o777) == "0o600"
    assert sheet.read_text(encoding="utf-8") == ok(deskcli("export", "-f", "csv", "--closed")).stdout


def test_an_export_reads_back_into_an_empty_repository(deskcli, calls, tmp_path, backend,
                                                      monkeypatch, request):
    target = tmp_path / "desk.jsonl"
    ok(deskcli("export", "-o", str(target)))
    other = str(tmp_path / "other")
    if backend.url:  # on PostgreSQL, another repository is another database
        monkeypatch.setenv("DESKCLI_DATABASE_URL", request.getfixturevalue("fresh_database")())
    ok(deskcli("--home", other, "open", "--from", str(target)))
    assert ok(deskcli("--home", other, "export")).stdout == target.read_text(encoding="utf-8")


def test_an_empty_repository(deskcli):
    result = ok(deskcli("export"))
    assert result.stdout == "" and "Exported 0 tickets (jsonl)" in result.stderr
    assert ok(deskcli("export", "--format", "csv")).stdout == ",".join(COLUMNS) + "\n"


@pytest.mark.parametrize("args, option", [
    (["--format", "xml"], "--format"),
    (["--since", "yesterday"], "--since"),
    (["--until", "2026-13-01"], "--until"),
    (["--since", "2026-03-10", "--until", "2026-03-01"], "--since"),
    (["--active", "--closed"], "--active"),
    (["--closed", "--all"], "--all"),
])
def test_bad_usage_exits_2_naming_the_option(deskcli, args, option):
    result = deskcli("export", *args)
    assert result.exit_code == 2 and option in result.stderr and "Traceback" not in result.stderr


def test_the_global_json_flag_is_refused(deskcli):
    result = deskcli("--json", "export")
    assert result.exit_code == 2 and "--json" in result.stderr and result.stdout == ""


def test_closed_tickets_are_written_as_the_archive_stores_them(deskcli, calls, backend, home):
    """The archive's JSON text goes out unchanged, never decoded and encoded again."""
    if backend.url:
        import psycopg

        with psycopg.connect(backend.url) as conn:
            text = conn.execute("SELECT doc::text FROM deskcli.tickets WHERE id = 2").fetchone()[0]
    else:
        import sqlite3

        with sqlite3.connect(home / "archive.sqlite3") as db:
            text = db.execute("SELECT doc FROM tickets WHERE id = 2").fetchone()[0]
    lines = ok(deskcli("export")).stdout.splitlines()
    assert lines[1] == text and json.loads(lines[1]) == stored(deskcli, 2)
    assert ok(deskcli("export", "--closed")).stdout == text + "\n"


def test_reading_an_export_back_leaves_the_garbage_collector_as_it_was(deskcli, calls, tmp_path, backend,
                                                                       monkeypatch, request):
    import gc

    target = tmp_path / "desk.jsonl"
    ok(deskcli("export", "-o", str(target)))
    if backend.url:
        monkeypatch.setenv("DESKCLI_DATABASE_URL", request.getfixturevalue("fresh_database")())
    assert gc.isenabled()
    ok(deskcli("--home", str(tmp_path / "other"), "open", "--from", str(target)))
    assert gc.isenabled()
    # Refused input too.
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    assert deskcli("--home", str(tmp_path / "third"), "open", "--from", str(tmp_path / "bad.jsonl")).exit_code != 0
    assert gc.isenabled()


def _elsewhere(tmp_path, backend, monkeypatch, request) -> str:
    """Another, empty repository (on PostgreSQL, another database)."""
    if backend.url:
        monkeypatch.setenv("DESKCLI_DATABASE_URL", request.getfixturevalue("fresh_database")())
    return str(tmp_path / "other")


def _closed_line(deskcli, tmp_path) -> str:
    target = tmp_path / "closed.jsonl"
    ok(deskcli("export", "--closed", "-o", str(target)))
    return target.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("change, field", [
    # A lone surrogate as a JSON escape, in an event: UTF-8 cannot store it.
    (lambda t: t["history"][-1].update(note="a\\udc80b"), "history"),
    # Nested deeper than any record deskcli writes.
    (lambda t: t["history"][-1].update(note="DEEP"), "nested"),
])
def test_an_exported_ticket_that_cannot_be_stored_is_refused_and_nothing_is_written(
        deskcli, calls, tmp_path, change, field, backend, monkeypatch, request):
    ticket = json.loads(_closed_line(deskcli, tmp_path))
    change(ticket)
    line = json.dumps(ticket, ensure_ascii=False).replace('"a\\\\udc80b"', '"a\\udc80b"') \
        .replace('"DEEP"', "[" * 80 + "]" * 80)
    source = tmp_path / "bad.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    other = _elsewhere(tmp_path, backend, monkeypatch, request)
    result = deskcli("--home", other, "open", "--from", str(source))
    assert result.exit_code == 2 and field in result.stderr and "Traceback" not in result.stderr
    assert ok(deskcli("--home", other, "export", "--all")).stdout == ""


def test_texts_that_only_look_like_surrogates_or_deep_nesting_read_back(deskcli, calls, tmp_path, backend,
                                                                       monkeypatch, request):
    """An escaped backslash before "ud800", and many brackets side by side (not nested),
    are ordinary text: the quick look at the line sends them to the full check, which
    keeps them."""
    ticket = json.loads(_closed_line(deskcli, tmp_path))
    ticket["history"][-1]["note"] = "C:\\ud800 " + "[]{}" * 40
    ticket["history"][-1]["list"] = [[1], [2], {"a": [3]}] * 30
    source = tmp_path / "odd.jsonl"
    source.write_text(json.dumps(ticket, ensure_ascii=False) + "\n", encoding="utf-8")
    other = _elsewhere(tmp_path, backend, monkeypatch, request)
    ok(deskcli("--home", other, "open", "--from", str(source)))
    assert json.loads(ok(deskcli("--home", other, "export", "--closed")).stdout) == ticket


def test_a_ticket_written_otherwise_reads_back_as_the_same_ticket(deskcli, calls, tmp_path, backend,
                                                                 monkeypatch, request):
    """Spaces, escaped accents and a surrogate pair: the text read is stored as it is, and
    is the same ticket."""
    ticket = json.loads(_closed_line(deskcli, tmp_path))
    ticket["summary"] = "Écran noir 🖥"
    source = tmp_path / "spaced.jsonl"
    source.write_text(json.dumps(ticket, ensure_ascii=True, indent=None) + "\n", encoding="utf-8")
    other = _elsewhere(tmp_path, backend, monkeypatch, request)
    ok(deskcli("--home", other, "open", "--from", str(source)))
    assert json.loads(ok(deskcli("--home", other, "export", "--closed")).stdout) == ticket
    assert ok(deskcli("--home", other, "show", str(ticket["id"]), "--json")).json()["summary"] == \
        "Écran noir 🖥"
