"""How deskcli takes its command line: global options anywhere, ticket numbers as people
write them, suggestions for slips, usage errors in deskcli's own words and language, and
colour on a terminal only."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def ok(result):
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def opened(deskcli, caller="Karim"):
    return int(ok(deskcli("open", "--caller", caller, "--summary", "Printer offline")).stdout)


@pytest.mark.parametrize("args", [
    ("list", "--as", "bob", "--json", "--mine"),
    ("list", "--mine", "--as=bob", "--json"),
    ("--json", "list", "--as", "bob", "--mine"),
    ("list", "--mine", "--json", "--as", "bob", "--no-input", "--no-color", "--quiet", "--lang", "fr"),
])
def test_global_options_go_before_or_after_the_verb(deskcli, args):
    ok(deskcli("--as", "bob", "open", "--caller", "Karim", "--summary", "S"))
    ok(deskcli("open", "--caller", "Sara", "--summary", "S"))  # alice's
    found = ok(deskcli(*args)).json()
    assert [t["opener"] for t in found] == ["bob"]


@pytest.mark.tinydb_only("--home chooses a directory; a database is chosen by its URL")
def test_home_after_the_verb_and_export_json(deskcli, tmp_path):
    other = tmp_path / "other"
    ok(deskcli("open", "--caller", "Karim", "--summary", "S", "--home", str(other)))
    assert len(ok(deskcli("list", "--home", str(other), "--json")).json()) == 1
    assert ok(deskcli("list", "--json")).json() == []
    # export streams JSON lines: --json, wherever it stands, gets deskcli's reason, not
    # the framework's "No such option".
    for args in (("export", "--json"), ("--json", "export")):
        refused = deskcli(*args, "--home", str(other))
        assert refused.exit_code == 2 and "leave --json out" in refused.stderr
        assert "No such option" not in refused.stderr


def test_what_follows_a_double_dash_stays_where_it_is():
    from deskcli.cli import hoist_global_options

    assert hoist_global_options(["show", "1", "--as", "bob", "--", "--json"]) == \
        ["--as", "bob", "show", "1", "--", "--json"]
    assert hoist_global_options(["list", "--home=/x", "-q"]) == ["--home=/x", "-q", "list"]


@pytest.mark.parametrize("written", ["1", "#1", "T-1", "t1", " #1 "])
def test_ticket_numbers_as_people_write_them(deskcli, written):
    number = opened(deskcli)
    assert ok(deskcli("show", written, "--json")).json()["id"] == number


@pytest.mark.parametrize("written", ["abc", "#", "0", "-3", "#1x"])
def test_a_ticket_number_that_is_not_one(deskcli, written):
    result = deskcli("show", "--", written) if written.startswith("-") else deskcli("show", written)
    assert result.exit_code == 2
    assert "is not a ticket number (write 42, #42 or T-42)" in result.stderr
    assert "int range" not in result.stderr and "Traceback" not in result.stderr


def test_a_mistyped_verb_gets_the_nearest_ones(deskcli):
    result = deskcli("lis")
    assert result.exit_code == 2
    assert "'lis' is not a command of deskcli. Did you mean list?" in result.stderr
    assert "No such command" not in result.stderr
    sub = deskcli("kb", "serch", "printer")
    assert sub.exit_code == 2 and "Did you mean search?" in sub.stderr
    nothing = deskcli("zzzz")
    assert "See 'deskcli help'." in nothing.stderr


def test_a_mistyped_option_gets_the_nearest_one(deskcli):
    result = deskcli("list", "--staus", "open")
    assert result.exit_code == 2
    assert "No such option: --staus. Did you mean --status?" in result.stderr


def test_help_verb(deskcli):
    assert "Show a ticket's facts" in ok(deskcli("help", "show")).stdout
    assert "Find how an identical incident" in ok(deskcli("help", "kb", "search")).stdout
    assert "Commands" in ok(deskcli("help")).stdout
    unknown = deskcli("help", "shwo")
    assert unknown.exit_code == 2 and "Did you mean show?" in unknown.stderr


def test_usage_errors_in_french_without_the_framework_words(deskcli, monkeypatch):
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    verb = deskcli("lis")
    assert verb.exit_code == 2
    assert "Erreur\u00a0: 'lis' n'est pas une commande de deskcli. Vouliez-vous dire list\u00a0?" \
        in verb.stderr
    option = deskcli("list", "--staus", "x")
    assert "Option inconnue\u00a0: --staus. Vouliez-vous dire --status\u00a0?" in option.stderr
    number = deskcli("show", "#x")
    assert "n'est pas un numéro de ticket (écrivez 42, #42 ou T-42)" in number.stderr
    extra = deskcli("show", "1", "2")
    assert extra.exit_code == 2 and "Arguments en trop\u00a0: 2" in extra.stderr
    english = deskcli("list", "--lang", "en", "--staus", "x")
    assert "No such option: --staus." in english.stderr
    for text in (verb.stderr, option.stderr, number.stderr, extra.stderr):
        assert "No such" not in text and "Usage:" not in text and "not a valid" not in text


# -- colour: a real terminal (a pseudo-terminal) against a pipe ---------------------------

def run_real(args, env_changes, terminal):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    env.update(env_changes)
    command = [sys.executable, "-m", "deskcli", *args]
    if not terminal:
        done = subprocess.run(command, env=env, capture_output=True, timeout=60)
        return (done.stdout + done.stderr).decode()
    import pty

    primary, secondary = pty.openpty()
    process = subprocess.Popen(command, env=env, stdin=secondary, stdout=secondary,
                               stderr=secondary, close_fds=True)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(primary)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_not_on_a_pipe(deskcli):
    opened(deskcli)
    assert "\x1b[1;31mError:" in run_real(["show", "99"], {}, terminal=True)
    assert "\x1b[" not in run_real(["show", "99"], {}, terminal=False)
    assert "\x1b[" not in run_real(["show", "99"], {"NO_COLOR": "1"}, terminal=True)
    assert "\x1b[" not in run_real(["show", "99", "--no-color"], {}, terminal=True)
    assert "\x1b[1;31mError:" in run_real(["show", "99"], {"FORCE_COLOR": "1"}, terminal=False)
    assert "\x1b[1;31mError:" in run_real(["show", "99"], {"CLICOLOR_FORCE": "1"}, terminal=False)


def test_lang_chooses_the_language_of_one_run(deskcli):
    french = deskcli("list", "--lang", "fr")
    assert french.exit_code == 0 and "Aucun ticket" in french.stderr
    assert "No ticket matches." in deskcli("list").stderr
    refused = deskcli("list", "--lang", "de")
    assert refused.exit_code == 2 and "'de': deskcli speaks en, fr." in refused.stderr


def test_priorities_and_clock_states_in_colour_on_a_terminal(deskcli):
    opened(deskcli)
    ok(deskcli("open", "--caller", "Sara", "--summary", "Mail down", "--billable"))
    ok(deskcli("qualify", "2", "--type", "incident", "--impact", "company", "--urgency", "blocked"))
    screen = run_real(["list", "--wide"], {}, terminal=True)
    assert "\x1b[1;31m1\x1b[0m" in screen          # priority 1, bold red
    assert "\x1b[32mok\x1b[0m" in screen            # a clock on time, green
    piped = run_real(["list"], {}, terminal=False)
    assert "\x1b[" not in piped and " 1 " in piped
