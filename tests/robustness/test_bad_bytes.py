"""Bytes that are not UTF-8, lone surrogates, absurd nesting and settings that parse but
mean nothing: exit 2 (3 for a repository file) naming the field, no traceback, nothing
stored and no temporary file left."""

import json
import os

import pytest

OPEN = ["open", "--caller", "Karim", "--summary", "Imprimante", "--billable", "--no-input"]
XFF = os.fsdecode(b"\xff")  # what Python makes of the byte 0xff in argv or the environment


def refused(result, code, *words):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def untouched(home):
    assert not list(home.glob(".*.tmp")), "a temporary file was left behind"
    if (home / "active.json").exists():
        assert json.loads((home / "active.json").read_text())["tickets"].keys() <= {"1"}


@pytest.mark.parametrize("args, option", [
    (["open", "--caller", XFF, "--summary", "Imprimante", "--billable", "--no-input"], "--caller"),
    (["open", "--caller", "Karim", f"--summary=Impr{XFF}", "--billable", "--no-input"], "--summary"),
    (["--as", f"al{XFF}ce", *OPEN], "--as"),
])
def test_an_argument_that_is_not_utf8_is_refused_naming_it(run_cli, home, args, option):
    assert run_cli(*OPEN).returncode == 0
    refused(run_cli(*args), 2, option, "UTF-8", "0xff")
    untouched(home)


def test_a_technician_name_that_is_not_utf8_is_refused(run_cli, home):
    assert run_cli(*OPEN).returncode == 0
    refused(run_cli(*OPEN, env={"DESKCLI_USER": f"al{XFF}ce"}), 2, "$DESKCLI_USER", "UTF-8")
    untouched(home)


def test_a_path_that_is_not_utf8_is_still_a_path(run_cli, tmp_path):
    home = os.fsdecode(os.fsencode(str(tmp_path)) + b"/d\xe9sk")
    assert run_cli("--home", home, *OPEN).returncode == 0


@pytest.mark.parametrize("record, field", [
    ('{"caller": "\\ud800", "summary": "Imprimante", "billable": true}', "caller"),
    ('{"caller": "Karim", "summary": "Imprimante", "billable": true, "description": "a\\udfffb"}',
     "description"),
    ('{"caller": "Karim", "summary": "x", "billable": true, "extra": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested"),
    ("[" * 100_000 + "]" * 100_000, "nested"),
])
def test_piped_json_that_cannot_be_stored_is_refused_naming_the_field(run_cli, home, tmp_path, record, field):
    assert run_cli(*OPEN).returncode == 0
    source = tmp_path / "calls.jsonl"
    source.write_text(record + "\n", encoding="utf-8")
    refused(run_cli("open", "--from", str(source)), 2, field)
    untouched(home)


@pytest.mark.parametrize("text, words", [
    (b"[desk]\ncompany = \"Atl\xe9s\"\n", ["settings.toml", "not UTF-8", "0xe9"]),
    (b"[repository]\nlock_timeout_seconds = nan\n", ["repository.lock_timeout_seconds", "finite"]),
    (b"[repository]\nlock_timeout_seconds = inf\n", ["repository.lock_timeout_seconds", "finite"]),
    (b"[repository]\nlock_timeout_seconds = -1\n", ["repository.lock_timeout_seconds", "above 0"]),
    (b"[repository]\nlock_timeout_seconds = 0\n", ["repository.lock_timeout_seconds", "above 0"]),
    (b"[repository]\nbackups_kept = -3\n", ["repository.backups_kept", "0 or more"]),
    (b"[sla]\nat_risk = nan\n", ["sla.at_risk", "finite"]),
])
def test_settings_that_parse_but_mean_nothing_are_refused_naming_the_key(run_cli, home, text, words):
    home.mkdir()
    (home / "settings.toml").write_bytes(text)
    refused(run_cli(*OPEN), 2, *words)
    assert not (home / "active.json").exists()


def test_a_repository_file_nested_absurdly_deep_is_refused(run_cli, home):
    home.mkdir()
    content = b'{"tickets": {"1": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    (home / "active.json").write_bytes(content)
    refused(run_cli("list"), 3, "active.json", "nested too deep")
    assert (home / "active.json").read_bytes() == content
