"""Each path of a call, walked end to end from the shell (seed 001 §6.1)."""

import itertools
import threading

from freezegun import freeze_time

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from deskcli.core.calls import tickets
from deskcli.ui import prompts

DOWN = "\x1b[B"


@pytest.fixture
def call(deskcli):
    def start(summary="PC does not start"):
        assert deskcli("contract", "add", "--org", "Atlas SARL", "--org-kind", "company",
                       "--number", "C-1", "--coverage", "contract", "--from", "2020-01-01",
                       "--until", "2099-12-31", "--signer", "Nadia Alami:Director").exit_code in (0, 1)
        opened = deskcli("open", "--caller", "Karim", "--org", "Atlas SARL", "--summary", summary,
                         "--device", "Dell 7010", "--description", "nothing happens")
        assert opened.exit_code == 0, opened.stderr
        ticket_id = opened.stdout.strip()
        assert deskcli("qualify", ticket_id, "--type", "incident", "--impact", "user",
                       "--urgency", "blocked").exit_code == 0
        return ticket_id
    return start


def events(desk, ticket_id):
    return [e["event"] for e in tickets.get_ticket(desk, int(ticket_id))["history"]]


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def test_direct_treatment(deskcli, desk, call):
    t = call()
    ok(deskcli("treat", t, "--diagnosis", "power cable loose", "--action", "plugged it back",
               "--minutes", "4", "--solution", "cable plugged back", "--definitive"))
    ok(deskcli("close", t))
    assert tickets.get_ticket(desk, int(t))["status"] == "closed"
    shown = ok(deskcli("show", t)).stdout
    for text in ("call opened", "qualified", "diagnosis: power cable loose", "action: plugged it back",
                 "definitive solution: cable plugged back", "closed"):
        assert text in shown
    assert shown.index("qualified") < shown.index("definitive solution") < shown.rindex("closed")


def test_deferred_treatment(deskcli, desk, call):
    t = call()
    ok(deskcli("treat", t, "--defer", "--to", "bob"))
    assert "call the caller back" in ok(deskcli("--as", "bob", "inbox")).stdout
    ok(deskcli("--as", "bob", "treat", t, "--diagnosis", "driver", "--solution", "driver reinstalled", "--definitive"))
    refused = deskcli("--as", "bob", "close", t)
    assert refused.exit_code == 1 and "opened by alice" in refused.stderr
    assert t in ok(deskcli("list", "--mine")).stdout
    assert "solved by bob" in ok(deskcli("inbox")).stdout
    ok(deskcli("close", t))
    assert "deferred to bob" in deskcli("show", t).stdout


def test_transfer_path(deskcli, desk, call):
    t = call("VPN does not connect")
    transferred = ok(deskcli("transfer", t, "--to", "network", "--reason", "VPN concentrator"))
    assert "Knowledge base consulted" in transferred.stderr
    ok(deskcli("--as", "nadir", "treat", t, "--diagnosis", "expired certificate",
               "--solution", "certificate renewed", "--definitive"))
    ok(deskcli("close", t))
    assert events(desk, t).index("kb_consulted") < events(desk, t).index("transferred")


def test_transfer_refused_before_qualification(deskcli):
    opened = ok(deskcli("open", "--caller", "K", "--summary", "S", "--billable"))
    refused = deskcli("transfer", opened.stdout.strip(), "--to", "network", "--reason", "x")
    assert refused.exit_code == 1 and "qualified" in refused.stderr


def test_escalation_to_level_three(deskcli, desk, call):
    t = call("Table of contents broken")
    ok(deskcli("treat", t, "--action", "regenerated the TOC", "--minutes", "11"))
    first = ok(deskcli("escalate", t, "--reason", "not solved in 10 minutes"))
    assert "past the level-1 budget" in first.stderr
    ok(deskcli("--as", "bob", "escalate", t, "--reason", "editor bug", "--kind", "hierarchical"))
    ticket = tickets.get_ticket(desk, int(t))
    assert ticket["level"] == 3
    kinds = [e["kind"] for e in ticket["history"] if e["event"] == "escalated"]
    assert kinds == ["functional", "hierarchical"]
    ok(deskcli("--as", "vendor", "treat", t, "--solution", "patch applied", "--definitive"))
    ok(deskcli("close", t))


def test_on_site_intervention_with_its_report(deskcli, desk, call):
    with freeze_time("2026-03-10 09:00:00"):
        t = call()
        refused = deskcli("intervene", t, "--nature", "replace PSU")
        assert refused.exit_code == 1 and "diagnosis" in refused.stderr and "transfer" in refused.stderr
        ok(deskcli("treat", t, "--diagnosis", "PSU dead: no fan, no LED"))
        ok(deskcli("intervene", t, "--nature", "replace the power supply",
                   "--deadline", "2026-03-11T12:00:00Z"))
    with freeze_time("2026-03-10 14:00:00"):
        early = deskcli("--as", "carl", "intervene", t, "--report", "1", "--start", "2026-03-10T12:00:00Z",
                        "--end", "2026-03-10T11:00:00Z", "--done", "x", "--outcome", "y")
        assert early.exit_code == 2 and "--end must come after --start" in early.stderr
        reported = ok(deskcli("--as", "carl", "intervene", t, "--report", "1",
                              "--start", "2026-03-10T11:00:00Z", "--end", "2026-03-10T12:15:00Z",
                              "--done", "power supply replaced", "--outcome", "the PC starts",
                              "--part", "PSU 500W", "--signed-by", "Karim", "--signer-function", "Assistant"))
        assert "does not commit the customer" in reported.stderr
        ok(deskcli("--as", "carl", "treat", t, "--solution", "power supply replaced", "--definitive"))
        assert "intervention 1 done by carl" in ok(deskcli("inbox")).stdout
        ok(deskcli("close", t))
    ticket = tickets.get_ticket(desk, int(t))
    report = ticket["interventions"][0]["report"]
    assert report["minutes"] == 75 and report["parts"] == ["PSU 500W"] and report["technician"] == "carl"
    assert ticket["time_spent_minutes"] == 75
    shown = deskcli("show", t).stdout
    assert "Intervention 1" in shown and "does not commit the customer" in shown


def test_loan_then_replacement(deskcli, desk, call):
    t = call("Printer broken")
    ok(deskcli("treat", t, "--diagnosis", "fuser broken", "--solution", "printer loaned", "--temporary"))
    refused = deskcli("close", t)
    assert refused.exit_code == 1 and "temporary" in refused.stderr and "loan" in refused.stderr
    ok(deskcli("treat", t, "--solution", "printer replaced under the contract", "--definitive"))
    ok(deskcli("close", t))
    solutions = [e["kind"] for e in tickets.get_ticket(desk, int(t))["history"] if e["event"] == "solution"]
    assert solutions == ["temporary", "definitive"]


def test_reopen_and_close_again(deskcli, desk, call):
    t = call()
    ok(deskcli("treat", t, "--solution", "rebooted", "--definitive"))
    ok(deskcli("close", t))
    assert deskcli("treat", t, "--diagnosis", "x").exit_code == 1
    ok(deskcli("reopen", t, "--reason", "fails again"))
    assert ok(deskcli("show", t, "--json")).json()["status"] == "open"


def test_pending_blocks_treatment_until_resumed(deskcli, call):
    t = call()
    ok(deskcli("pending", t, "--reason", "caller in a meeting"))
    refused = deskcli("treat", t, "--diagnosis", "x")
    assert refused.exit_code == 1 and "resume" in refused.stderr
    ok(deskcli("resume", t))
    ok(deskcli("treat", t, "--diagnosis", "x"))


def test_option_mistakes_are_bad_usage(deskcli, call):
    t = call()
    assert deskcli("treat", t, "--solution", "x").exit_code == 2
    assert deskcli("treat", t, "--solution", "x", "--definitive", "--temporary").exit_code == 2
    assert deskcli("treat", t, "--defer").exit_code == 2
    assert deskcli("treat", t).exit_code == 2  # nothing to record, and no terminal
    assert deskcli("escalate", t, "--reason", "x", "--kind", "diagonal").exit_code == 2
    assert deskcli("intervene", t, "--report", "1", "--start", "yesterday").exit_code == 2


def treat_at_the_terminal(deskcli, monkeypatch, ticket, keys):
    """`deskcli treat` at a terminal typed `keys`, the clock 4 minutes later at each look."""
    ticks = itertools.count(0, 240.0)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        with prompts.scripted(pipe, DummyOutput()):
            import deskcli.commands.treat as treat_command

            class SlowClock:
                @staticmethod
                def monotonic():
                    return next(ticks)

            monkeypatch.setattr(treat_command, "time", SlowClock)
            outcome = {}
            worker = threading.Thread(target=lambda: outcome.update(r=deskcli("treat", ticket)),
                                      daemon=True)
            worker.start()
            worker.join(timeout=20)
    assert not worker.is_alive(), "the prompts waited for more keystrokes"
    return outcome["r"]


def test_interactive_treatment_offers_a_handover_at_the_budget(deskcli, desk, call, monkeypatch):
    t = call("Table of contents broken")
    keys = "".join([
        "\r", "Styles not applied to headings\r",  # diagnosis (first step)
        DOWN + "\r", "Applied Heading 1 style\r",  # action
        "\r",                                         # budget spent: escalate (default)
        "Not solved in time\r", "\r",               # reason, functional
    ])
    result = treat_at_the_terminal(deskcli, monkeypatch, t, keys)
    assert result.exit_code == 0, result.stderr
    assert "level-1 budget of 10 min is spent" in result.stderr
    ticket = tickets.get_ticket(desk, int(t))
    assert ticket["level"] == 2 and ticket["diagnosis"] == "Styles not applied to headings"
    treated = [e for e in ticket["history"] if e["event"] == "treatment"]
    assert treated[1]["actions"] == ["Applied Heading 1 style"]
    assert sum(e.get("minutes", 0) for e in treated) > 10
    escalated = [e for e in ticket["history"] if e["event"] == "escalated"][0]
    assert escalated["budget_exceeded"] is True


def test_interactive_treatment_in_french(deskcli, desk, call, monkeypatch):
    """The clock, the steps and the handover offered at the budget, all in French."""
    t = call("Table des matières cassée")
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    keys = "".join(["\r", "Styles non appliqués aux titres\r", DOWN + "\r",
                    "Style Titre 1 appliqué\r", "\r", "Non résolu à temps\r", DOWN + "\r"])
    result = treat_at_the_terminal(deskcli, monkeypatch, t, keys)
    assert result.exit_code == 0, result.stderr
    for said in ("Traitement du n° 1\u00a0: Table des matières cassée (niveau 1)",
                 "Chronomètre du niveau 1\u00a0: 4 min sur 10 min.",
                 "Attention\u00a0: les 10 min imparties au niveau 1 sont écoulées."):
        assert said in result.stderr, said
    escalated = [e for e in tickets.get_ticket(desk, int(t))["history"] if e["event"] == "escalated"]
    assert escalated[0]["kind"] == "hierarchical" and escalated[0]["budget_exceeded"] is True
