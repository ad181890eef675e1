"""What a person at a terminal gets besides the data: the next step, and questions for
the facts a script would have to give as options."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from deskcli.core.calls import contracts, tickets
from deskcli.core.knowledge import problems
from tests.commands.test_kb import scripted
from tests.commands.test_open_interactive import ENTER, add_contract
from tests.commands.test_usage import run_real


@pytest.fixture
def at_terminal(monkeypatch):
    from deskcli.ui import output

    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)


def ok(result):
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def test_each_verb_says_what_comes_next(deskcli, at_terminal):
    add_contract(deskcli)
    opened = ok(deskcli("open", "--caller", "Karim", "--org", "Atlas SARL", "--summary", "S"))
    assert opened.stdout == ""  # the number is in the message, not printed bare
    assert "Ticket #1 opened" in opened.stderr and "Next: deskcli qualify 1" in opened.stderr
    qualified = ok(deskcli("qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "minor"))
    assert "Next: deskcli treat 1" in qualified.stderr
    solved = ok(deskcli("treat", "1", "--solution", "restarted", "--definitive"))
    assert "Next: deskcli close 1" in solved.stderr
    assert "Next: deskcli close 1" in ok(deskcli("show", "#1")).stderr
    assert "Next: deskcli list" in ok(deskcli("close", "1")).stderr
    assert "Next:" not in ok(deskcli("list", "--all", "--quiet")).stderr
    assert "Next:" not in ok(deskcli("show", "1", "--json")).stderr


def test_a_script_gets_no_next_step_and_the_bare_number(deskcli):
    opened = ok(deskcli("open", "--caller", "Karim", "--summary", "S"))
    assert opened.stdout.strip() == "1" and "Next:" not in opened.stderr


def test_next_step_on_a_real_terminal_not_through_a_pipe(deskcli):
    ok(deskcli("open", "--caller", "Karim", "--summary", "S", "--billable"))
    assert "Next: deskcli qualify 1" in run_real(["show", "1"], {}, terminal=True)
    assert "Next:" not in run_real(["show", "1"], {}, terminal=False)
    assert "Next:" not in run_real(["show", "1", "-q"], {}, terminal=True)


def test_reopen_asks_the_reason_in_a_terminal(deskcli, desk):
    ok(deskcli("open", "--caller", "Karim", "--summary", "S", "--billable"))
    ok(deskcli("treat", "1", "--solution", "restarted", "--definitive"))
    result = scripted(deskcli, "The printer jams again" + ENTER, "reopen", "1")
    assert result.exit_code == 0, result.stderr
    assert tickets.get_ticket(desk, 1)["history"][-1]["reason"] == "The printer jams again"
    refused = deskcli("reopen", "1", "--no-input")
    assert refused.exit_code == 2 and "missing --reason" in refused.stderr


def test_contract_add_asks_what_is_missing(deskcli, desk):
    keys = ENTER + "C-7" + ENTER + ENTER + "2026-01-01" + ENTER + "2026-12-31" + ENTER + \
        "Nadia Alami:Director" + ENTER
    result = scripted(deskcli, keys, "contract", "add", "--org", "Atlas SARL")
    assert result.exit_code == 0, result.stderr
    record = contracts.get_contract(desk, "C-7")
    assert record["organisation"] == "Atlas SARL" and record["coverage"] == "contract"
    assert record["signers"] == [{"name": "Nadia Alami", "function": "Director"}]


def test_an_intervention_report_is_asked_in_a_terminal(deskcli, desk, utc):
    add_contract(deskcli)
    with freeze_time("2030-01-01 09:00"):
        ok(deskcli("open", "--caller", "Karim", "--org", "Atlas SARL", "--summary", "S"))
        ok(deskcli("qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "minor"))
        ok(deskcli("treat", "1", "--diagnosis", "dead power supply"))
        ok(deskcli("intervene", "1", "--nature", "replace the power supply"))
    keys = "".join(["2030-01-01 10:00" + ENTER, "2030-01-01 11:15" + ENTER, "PSU replaced" + ENTER,
                    "PC starts" + ENTER, "PSU 500 W, cable" + ENTER, ENTER])
    with freeze_time("2030-01-01 12:00"):
        result = scripted(deskcli, keys, "intervene", "1", "--report", "1")
    assert result.exit_code == 0, result.stderr
    report = tickets.get_ticket(desk, 1)["interventions"][0]["report"]
    assert report["done"] == "PSU replaced" and report["parts"] == ["PSU 500 W", "cable"]
    assert report["minutes"] == 75 and report["signer"] is None


def test_problem_open_asks_the_incident(deskcli, desk):
    ok(deskcli("open", "--caller", "Karim", "--summary", "Blank pages", "--billable"))
    result = scripted(deskcli, "#1" + ENTER, "problem", "open")
    assert result.exit_code == 0, result.stderr
    assert problems.list_problems(desk)[0]["title"] == "Blank pages"
