"""`deskcli qualify`, `deskcli sla`, `pending`/`resume` and the SLA columns of list/show."""

import threading

from freezegun import freeze_time
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from deskcli.core.calls import tickets
from deskcli.ui import prompts

DOWN = "\x1b[B"


def open_billable(deskcli, summary="Server down", channel="email"):
    result = deskcli("open", "--caller", "Karim", "--summary", summary, "--billable",
                     "--channel", channel)
    assert result.exit_code == 0, result.stderr
    return int(result.stdout)


def test_qualify_prints_priority_cell_and_deadlines(deskcli):
    with freeze_time("2026-03-10 09:00:00"):
        ticket_id = open_billable(deskcli)
        result = deskcli("qualify", str(ticket_id), "--type", "incident", "--impact", "vip",
                         "--urgency", "bloqué")
    assert result.exit_code == 0, result.stderr
    assert "priority 2 from the grid cell urgency blocked x impact a department or a VIP" in result.stdout
    assert "(a VIP counts as a department)" in result.stdout
    for clock in ("take-charge", "resolution", "maximum delay"):
        assert clock in result.stdout


def test_qualify_json_prints_the_ticket_with_its_clocks(deskcli):
    with freeze_time("2026-03-10 09:00:00"):
        ticket_id = open_billable(deskcli)
        ticket = deskcli("qualify", str(ticket_id), "--type", "request", "--impact", "user",
                         "--urgency", "minor", "--json").json()
    assert ticket["priority"] == 4 and ticket["type"] == "request"
    assert [c["clock"] for c in ticket["sla"]["clocks"]] == ["take_charge", "resolution", "maximum"]
    assert ticket["sla"]["clocks"][1]["deadline"] == "2026-03-11T09:00:00Z"


def test_requalification_without_reason_is_refused_by_rule(deskcli):
    ticket_id = open_billable(deskcli)
    args = ["qualify", str(ticket_id), "--type", "incident", "--impact", "user", "--urgency", "minor"]
    assert deskcli(*args).exit_code == 0
    refused = deskcli(*args[:-1], "blocked")
    assert refused.exit_code == 1 and "--reason" in refused.stderr
    assert deskcli(*args[:-1], "blocked", "--reason", "blocked after all").exit_code == 0


def test_missing_qualification_options_are_named(deskcli):
    ticket_id = open_billable(deskcli)
    result = deskcli("qualify", str(ticket_id), "--type", "incident")
    assert result.exit_code == 2 and "--impact" in result.stderr and "--urgency" in result.stderr


def test_qualify_a_missing_ticket_and_a_bad_value(deskcli):
    assert deskcli("qualify", "9", "--type", "incident", "--impact", "user", "--urgency", "minor").exit_code == 1
    ticket_id = open_billable(deskcli)
    bad = deskcli("qualify", str(ticket_id), "--type", "incident", "--impact", "galaxy", "--urgency", "minor")
    assert bad.exit_code == 2 and "--impact" in bad.stderr


def test_interactive_qualification_picks_from_the_grid(deskcli, desk):
    ticket_id = open_billable(deskcli)
    # type: incident (first); impact: whole company (first); urgency: degraded (second)
    keys = "\r" + "\r" + DOWN + "\r"
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        with prompts.scripted(pipe, DummyOutput()):
            outcome = {}
            worker = threading.Thread(target=lambda: outcome.update(r=deskcli("qualify", str(ticket_id))), daemon=True)
            worker.start()
            worker.join(timeout=20)
    assert not worker.is_alive(), "the prompts waited for more keystrokes"
    assert outcome["r"].exit_code == 0, outcome["r"].stderr
    assert "whole company" in outcome["r"].stdout  # the grid was shown
    assert tickets.get_ticket(desk, ticket_id)["priority"] == 2


def test_sla_prints_grid_and_targets_and_follows_an_override(deskcli, home):
    shown = deskcli("sla")
    assert shown.exit_code == 0
    assert "resolution time               10min  30min  1h     1d" in shown.stdout
    home.mkdir(exist_ok=True)
    (home / "settings.toml").write_text('[targets.2]\nresolution = "45m"\n[grid.blocked]\nuser = 2\n')
    data = deskcli("sla", "--json").json()
    assert data["targets"]["2"]["resolution"] == "45m" and data["grid"]["blocked"]["user"] == 2
    assert "45m" in deskcli("sla").stdout


def test_list_sorts_by_priority_then_deadline_and_filters_clocks(deskcli):
    with freeze_time("2026-03-10 09:00:00"):
        low = open_billable(deskcli, "Mouse")
        high = open_billable(deskcli, "Server")
        deskcli("qualify", str(low), "--type", "incident", "--impact", "user", "--urgency", "minor")
        deskcli("qualify", str(high), "--type", "incident", "--impact", "company", "--urgency", "blocked")
    with freeze_time("2026-03-10 09:08:00"):
        listed = deskcli("list", "--json").json()
        assert [t["id"] for t in listed] == [high, low]
        assert listed[0]["sla"]["worst"] == "breached"  # take-charge: 1 minute
        assert [t["id"] for t in deskcli("list", "--breached", "--json").json()] == [high]
        assert [t["id"] for t in deskcli("list", "--priority", "4", "--json").json()] == [low]
        table = deskcli("list").stdout
        assert "BREACHED" in table
    assert deskcli("list", "--priority", "7").exit_code == 2


def test_pending_pauses_and_show_says_so(deskcli):
    with freeze_time("2026-03-10 09:00:00"):
        ticket_id = open_billable(deskcli, channel="phone")
        deskcli("qualify", str(ticket_id), "--type", "incident", "--impact", "user", "--urgency", "minor")
    with freeze_time("2026-03-10 09:05:00"):
        assert deskcli("pending", str(ticket_id), "--reason", "caller sends the serial number").exit_code == 0
        shown = deskcli("show", str(ticket_id)).stdout
        assert "paused" in shown and "waiting on the caller" in shown
        again = deskcli("pending", str(ticket_id), "--reason", "x")
        assert again.exit_code == 1 and "resume" in again.stderr
    with freeze_time("2026-03-10 10:05:00"):
        resumed = deskcli("resume", str(ticket_id), "--json").json()
    assert resumed["status"] == "open"
    assert resumed["sla"]["pauses"] == [{"from": "2026-03-10T09:05:00Z", "to": "2026-03-10T10:05:00Z"}]
    assert resumed["sla"]["clocks"][1]["deadline"] == "2026-03-11T10:00:00Z"
