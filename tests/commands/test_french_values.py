"""A French session types what it reads: group names and option values in French (the English
kept as aliases), dates as the session shows them (JJ/MM/AAAA, 7j)."""

from datetime import date, datetime, timezone

import pytest
from freezegun import freeze_time

from deskcli.core.calls import contracts, qualify, tickets

pytestmark = pytest.mark.usefixtures("utc")
T0 = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def qualified(desk):
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31), signers=[], now=T0)
    number = tickets.open_ticket(desk, tickets.CallFacts(
        caller="Karim", org="Atlas SARL", summary="VPN en panne", contract="C-1"), T0)["id"]
    qualify.qualify(desk, number, call_type="incident", impact="department", urgency="blocked",
                    reason=None, now=T0)
    return str(number)


def test_a_shipped_group_is_typed_and_read_in_french(deskcli, qualified, monkeypatch):
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    moved = ok(deskcli("transfer", qualified, "--to", "réseau", "--reason", "concentrateur VPN"))
    assert "transféré à réseau" in moved.stderr + moved.stdout
    shown = ok(deskcli("show", qualified)).stdout
    assert "transféré à réseau" in shown and "network" not in shown
    assert ok(deskcli("show", qualified, "--json")).json()["group"] == "network"
    refused = deskcli("transfer", qualified, "--to", "cuisine", "--reason", "x")
    assert refused.exit_code == 2 and "réseau" in refused.stderr and "network" not in refused.stderr


def test_the_english_group_name_stays_an_alias(deskcli, qualified):
    ok(deskcli("transfer", qualified, "--to", "network", "--reason", "VPN concentrator"))
    assert "transferred to network" in ok(deskcli("show", qualified)).stdout


@freeze_time("2026-11-30 18:00:00")
def test_dates_and_spans_are_typed_as_a_french_session_shows_them(deskcli, qualified, monkeypatch):
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    week = ok(deskcli("report", "--since", "7j", "--json")).json()["period"]
    assert week["since"] == "2026-11-23T18:00:00Z"
    days = ok(deskcli("report", "--since", "01/11/2026", "--until", "30/11/2026", "--json")).json()
    assert days["period"] == {**days["period"], "since": "2026-11-01T00:00:00Z",
                              "until": "2026-12-01T00:00:00Z"}
    assert days["calls"] == 1
    moment = ok(deskcli("report", "--since", "03/11/2026 14:00", "--json")).json()["period"]
    assert moment["since"] == "2026-11-03T14:00:00Z"
    refused = deskcli("report", "--since", "31/02/2026")
    assert refused.exit_code == 2 and "JJ/MM/AAAA" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_an_english_session_keeps_iso_dates(deskcli):
    refused = deskcli("report", "--since", "01/11/2026")
    assert refused.exit_code == 2 and "YYYY-MM-DD" in refused.stderr


@freeze_time("2026-11-30 18:00:00")
def test_report_by_priority_names_unqualified_calls_in_french(deskcli, desk, monkeypatch):
    tickets.open_ticket(desk, tickets.CallFacts(caller="Zoé", summary="lent", billable=True), T0)
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    text = ok(deskcli("report", "--by", "priorité", "--no-chart")).stdout
    assert "non qualifiés" in text and "unqualified" not in text
