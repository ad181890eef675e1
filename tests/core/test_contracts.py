"""Contracts and admissibility as plain functions."""

from datetime import date, datetime, timezone

import pytest

from deskcli.core.calls import contracts
from deskcli.core.base.errors import InvalidInput, NotFound, RuleRefused

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def add(desk, number="C-1", org="Atlas SARL", kind="company", coverage="contract",
        start=date(2026, 1, 1), end=date(2026, 12, 31), signers=()):
    return contracts.add_contract(
        desk, org=org, org_kind=kind, number=number, coverage=coverage,
        valid_from=start, valid_until=end, signers=list(signers), now=NOW,
    )


def assess(known, org="Atlas SARL", number=None, day=date(2026, 3, 10), require=True,
           billable=False, po=None):
    return contracts.assess_admissibility(
        known, organisation=org, contract_number=number, call_date=day,
        require_contract=require, billable=billable, purchase_order=po, company="Hotline",
    )


def test_contract_is_recorded_with_its_signers(desk):
    add(desk, signers=[contracts.parse_signer("Nadia Alami:Director")])
    found = contracts.get_contract(desk, "c-1")
    assert found["organisation"] == "Atlas SARL"
    assert found["signers"] == [{"name": "Nadia Alami", "function": "Director"}]


def test_contract_numbers_are_unique(desk):
    add(desk)
    with pytest.raises(RuleRefused, match="already on record"):
        add(desk, org="Other")


def test_contract_cannot_end_before_it_starts(desk):
    with pytest.raises(InvalidInput, match="before --from"):
        add(desk, start=date(2026, 5, 1), end=date(2026, 4, 1))


def test_organisation_kind_must_agree(desk):
    add(desk)
    with pytest.raises(InvalidInput, match="on record as a company"):
        add(desk, number="W-1", kind="individual", coverage="warranty")


@pytest.mark.parametrize("text", ["Nadia", ":Director", "Nadia:", ""])
def test_signer_needs_name_and_function(text):
    with pytest.raises(InvalidInput, match="NAME:FUNCTION"):
        contracts.parse_signer(text)


def test_unknown_contract_is_not_found(desk):
    with pytest.raises(NotFound):
        contracts.get_contract(desk, "nope")


def test_valid_contract_makes_the_call_admissible(desk):
    add(desk)
    verdict = assess(contracts.list_contracts(desk))
    assert verdict["admissible"] and verdict["contract"] == "C-1" and verdict["basis"] == "contract"


@pytest.mark.parametrize("day, admissible", [
    (date(2025, 12, 31), False), (date(2026, 1, 1), True),
    (date(2026, 12, 31), True), (date(2027, 1, 1), False),
])
def test_validity_dates_are_inclusive(desk, day, admissible):
    add(desk)
    assert assess(contracts.list_contracts(desk), day=day)["admissible"] is admissible


def test_expired_warranty_names_its_end_and_explains_the_purchase_order(desk):
    add(desk, number="W-9", coverage="warranty", end=date(2026, 2, 28))
    verdict = assess(contracts.list_contracts(desk))
    assert not verdict["admissible"]
    assert "W-9" in verdict["reason"] and "2026-02-28" in verdict["reason"]
    assert "purchase order" in verdict["explanation"]


def test_contract_of_another_organisation_does_not_count(desk):
    add(desk, org="Other Co")
    verdict = assess(contracts.list_contracts(desk), number="C-1")
    assert not verdict["admissible"] and "belongs to Other Co" in verdict["reason"]


def test_billed_service_is_admissible_with_its_purchase_order():
    verdict = assess([], billable=True, po="PO-77")
    assert verdict["admissible"] and verdict["basis"] == "billed"
    assert verdict["purchase_order"] == "PO-77"


def test_internal_desk_needs_no_contract():
    verdict = assess([], require=False)
    assert verdict["admissible"] and verdict["basis"] == "internal"


def test_list_filters_by_organisation_and_day(desk):
    add(desk)
    add(desk, number="W-1", org="Zed", coverage="warranty", end=date(2026, 2, 1))
    assert [c["number"] for c in contracts.list_contracts(desk, org="zed")] == ["W-1"]
    assert [c["number"] for c in contracts.list_contracts(desk, valid_on=date(2026, 6, 1))] == ["C-1"]
