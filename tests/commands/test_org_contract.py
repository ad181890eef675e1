"""A contract number the desk does not know, for an organisation that holds a valid one;
what the stored explanation says of a call nobody spoke to."""

from __future__ import annotations

import json

from deskcli.core.calls import tickets
from tests.commands.test_open_interactive import ENTER, add_contract, guided  # noqa: F401


def test_flags_apply_the_organisations_contract_with_a_warning(deskcli, desk):
    add_contract(deskcli)
    result = deskcli("open", "--org", "Atlas SARL", "--contract", "C-9999", "--caller", "Karim",
                     "--summary", "Printer offline")
    assert result.exit_code == 0, result.stderr
    assert "Warning: contract C-9999 is not on record; Atlas SARL's valid contract C-1 is " \
           "applied instead." in result.stderr
    ticket = tickets.get_ticket(desk, int(result.stdout))
    assert ticket["status"] == "open" and ticket["contract"] == "C-1"
    assert ticket["admissibility"]["admissible"] is True


def test_an_organisation_without_a_valid_contract_is_still_refused(deskcli, desk):
    result = deskcli("open", "--org", "Zed", "--contract", "C-9999", "--caller", "K", "--summary", "S")
    assert result.exit_code == 0
    assert "applied instead" not in result.stderr
    assert tickets.get_ticket(desk, 1)["status"] == "not_admissible"


def test_the_terminal_offers_the_organisations_contract(guided, deskcli, desk):  # noqa: F811
    add_contract(deskcli)
    keys = "".join([
        "y", "y", "Karim Benali" + ENTER, ENTER, ENTER, ENTER,
        ENTER, ENTER, ENTER, ENTER,
        "It blinks" + ENTER, "Printer offline" + ENTER, ENTER, "y",
        ENTER,                      # the first offer: Atlas SARL's contract C-1
    ])
    result = guided(keys, "--org", "Atlas SARL", "--contract", "C-9999")
    assert result.exit_code == 0, result.stderr
    assert "Atlas SARL holds a valid contract: C-1." in result.stderr
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["contract"] == "C-1" and ticket["status"] == "open"


def test_a_piped_call_is_not_said_to_have_been_told(deskcli, desk):
    record = {"caller": "Karim", "org": "Nowhere Ltd", "summary": "Printer offline"}
    result = deskcli("open", "--from", "-", "--format", "json", input=json.dumps([record]))
    assert result.exit_code == 0, result.stderr
    ticket = tickets.list_tickets(desk, scope="all")[0]
    explanation = ticket["admissibility"]["explanation"]
    assert "was told" not in explanation and "is still to be told" in explanation


def test_a_call_on_the_phone_was_told(deskcli, desk):
    deskcli("open", "--caller", "K", "--org", "Nowhere Ltd", "--summary", "S")
    assert "The caller was told" in tickets.get_ticket(desk, 1)["admissibility"]["explanation"]
