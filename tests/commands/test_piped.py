"""`deskcli open --from`: records piped in by scripts, validated whole, written at once."""

import json
import subprocess
import sys

import pytest

from deskcli.core.calls import tickets
from deskcli.core.incoming import intake

pytestmark = pytest.mark.usefixtures("utc")


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def stored(desk):
    return sorted(tickets.list_tickets(desk, scope="all"), key=lambda t: t["id"])


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def test_json_lines_open_one_ticket_each_with_the_same_checks_as_open(deskcli, desk, tmp_path):
    source = write(tmp_path, "calls.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"caller": "Karim Benali", "org": "Atlas SARL", "summary": "Imprimante bloquée",
         "contact": "0611223344", "billable": True, "device": "HP 400"},
        {"caller": "Zoé", "summary": "Écran noir 🖥", "channel": "phone",
         "opened_at": "2026-11-20 09:30"},
    ]) + "\n")
    result = ok(deskcli("open", "--from", source))
    assert result.stdout.split() == ["1", "2"]
    first, second = stored(desk)
    assert (first["caller"]["name"], first["organisation"]["name"], first["channel"]) == \
        ("Karim Benali", "Atlas SARL", "web")
    assert first["equipment"]["device"] == "HP 400" and first["status"] == "open"
    assert [e["event"] for e in first["history"]][-1] == "piped_in"
    assert second["opened_at"] == "2026-11-20T09:30:00Z" and second["channel"] == "phone"
    assert second["status"] == "not_admissible"  # no contract, as with `deskcli open`


def test_a_bad_record_imports_nothing_and_every_problem_is_named(deskcli, desk, tmp_path):
    source = write(tmp_path, "calls.jsonl", "\n".join([
        json.dumps({"caller": "A", "summary": "fine"}),
        json.dumps({"caller": "B"}),
        json.dumps({"caller": "C", "summary": "x", "colour": "red"}),
        '{"caller": "D", "summary": ',
        json.dumps({"caller": "E", "summary": "y", "channel": "pigeon"}),
        json.dumps({"caller": "F", "summary": "z", "opened_at": "2999-01-01 10:00"}),
    ]))
    result = deskcli("open", "--from", source)
    assert result.exit_code == 2 and result.stdout == ""
    for expected in ("line 2: summary is required", "line 3: colour: not a field",
                     "line 4: not valid JSON", "line 5: channel:", "line 6: opened_at:",
                     "5 records refused, so nothing was imported"):
        assert expected in result.stderr, expected
    assert "Traceback" not in result.stderr
    assert stored(desk) == []


def test_skip_invalid_imports_the_good_and_writes_the_rest_to_fix(deskcli, desk, tmp_path):
    source = write(tmp_path, "calls.json", json.dumps([
        {"caller": "A", "summary": "fine"}, {"summary": "no caller"}, "not an object",
        {"caller": "B", "summary": "fine too"}]))
    rejects = tmp_path / "rejects.jsonl"
    result = deskcli("open", "--from", source, "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 2 and result.stdout.split() == ["1", "2"]
    assert "2 imported, 2 refused" in result.stderr
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["record"], r["field"]) for r in lines] == [("record 2", "caller"), ("record 3", None)]
    assert lines[0]["data"] == {"summary": "no caller"}
    assert oct(rejects.stat().st_mode & 0o777) == "0o600"
    fixed = write(tmp_path, "fixed.jsonl", json.dumps(dict(lines[0]["data"], caller="C")))
    assert ok(deskcli("open", "--from", fixed)).stdout.split() == ["3"]


def test_csv_columns_map_by_header_and_foreign_headers_by_map(deskcli, desk, tmp_path):
    source = write(tmp_path, "form.csv", "Nom;Objet;Téléphone;billable\n"
                                         "Karim;\"Imprimante; bloquée\";0611;oui\n"
                                         "Ines;VPN;;non\n")
    refused = deskcli("open", "--from", source)
    assert refused.exit_code == 2 and "'Nom'" in refused.stderr and "--map" in refused.stderr
    ok(deskcli("open", "--from", source, "--map", "Nom=caller", "--map", "Objet=summary",
               "--map", "Téléphone=contact"))
    first, second = stored(desk)
    assert (first["caller"]["name"], first["summary"], first["caller"]["contact"]) == \
        ("Karim", "Imprimante; bloquée", "0611")
    assert first["admissibility"]["basis"] == "billed" and second["caller"]["contact"] is None
    assert deskcli("open", "--from", source, "--map", "Nom").exit_code == 2


@pytest.mark.parametrize("content, message", [
    (b"", "the input is empty"),
    (b"   \n\n", "the input is empty"),
    (b'[{"caller": "A", "summary": "x"}', "not valid JSON"),
    (b"\x00\xff\xfe garbage \x9c\x80", "cannot tell the format"),
    ('{"caller": "Zoé", "summary": "x"}\n'.encode("latin-1") * 2, "not utf-8 text"),
])
def test_unreadable_input_gets_a_clear_message(deskcli, desk, tmp_path, content, message):
    result = deskcli("open", "--from", write(tmp_path, "input", content))
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and stored(desk) == []


def test_another_encoding_is_read_when_named(deskcli, desk, tmp_path):
    source = write(tmp_path, "latin.jsonl", '{"caller": "Zoé", "summary": "Écran"}\n'.encode("latin-1"))
    ok(deskcli("open", "--from", source, "--encoding", "latin-1"))
    assert stored(desk)[0]["caller"]["name"] == "Zoé"


def test_a_fifty_megabyte_line_is_refused_without_being_parsed(deskcli, desk, tmp_path):
    huge = '{"caller": "A", "summary": "' + "x" * (50 * 1024 * 1024) + '"}\n'
    source = write(tmp_path, "huge.jsonl", huge + json.dumps({"caller": "B", "summary": "ok"}) + "\n")
    result = deskcli("open", "--from", source)
    assert result.exit_code == 2 and f"line 1 is {len(huge) - 1:,} characters long" in result.stderr
    partial = deskcli("open", "--from", source, "--skip-invalid")
    assert partial.exit_code == 2 and partial.stdout.split() == ["1"]
    assert [t["caller"]["name"] for t in stored(desk)] == ["B"]


def test_options_that_do_not_go_together(deskcli, tmp_path):
    source = write(tmp_path, "a.jsonl", json.dumps({"caller": "A", "summary": "x"}))
    assert deskcli("open", "--from", source, "--caller", "B").exit_code == 2
    assert deskcli("open", "--skip-invalid", "--caller", "B", "--summary", "x").exit_code == 2
    assert deskcli("open", "--caller", "B", "--summary", "x", "--rejects", "r.jsonl").exit_code == 2
    assert deskcli("open", "--from", str(tmp_path / "missing.json")).exit_code == 2
    assert deskcli("open", "--from", source, "--format", "xml").exit_code == 2


def test_the_format_is_guessed_from_the_name_or_the_content():
    assert intake.guess_format("a.csv", b"x") == "csv"
    assert intake.guess_format("a.NDJSON", b"x") == "jsonl"
    assert intake.guess_format(None, b'[{"a": 1}]') == "json"
    assert intake.guess_format(None, b'{"a": 1}\n{"a": 2}\n') == "jsonl"
    assert intake.guess_format(None, b'{\n "a": 1\n}\n') == "json"
    assert intake.guess_format(None, b"From a@b Mon Jan  1 00:00:00 2026\n") == "mbox"
    assert intake.guess_format(None, b"Subject: hello\nFrom: a@b\n\nbody") == "email"
    assert intake.guess_format(None, b"caller,summary\nA,x\n") == "csv"


def test_a_batch_is_one_atomic_write_seen_whole_or_not_at_all(home, desk, tmp_path):
    """A reader running while 2,000 records are written sees 0 or 2,000 of them."""
    records = "\n".join(json.dumps({"caller": f"C{n}", "summary": "batch"}) for n in range(2000))
    source = write(tmp_path, "batch.jsonl", records)
    writer = subprocess.Popen([sys.executable, "-m", "deskcli", "open", "--from", source],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = set()
    while writer.poll() is None:
        with desk.repo.reading() as store:
            seen.add(len(store.tickets()))
    assert writer.wait() == 0, writer.stderr.read()
    with desk.repo.reading() as store:
        seen.add(len(store.tickets()))
    assert seen <= {0, 2000} and 2000 in seen
