"""Customers, their contracts and warranties, and whether a call is admissible (procedure §1)."""

from __future__ import annotations

from datetime import date, datetime

from deskcli.core.calls.choices import pick
from deskcli.core.base.clock import to_iso
from deskcli.core.store.repository import Changes, Desk
from deskcli.core.base.errors import InvalidInput, NotFound, RuleRefused
from deskcli.core.base.names import name_key
from deskcli.i18n import Day, N_, Text, fact, say, term

COVERAGES = ("contract", "warranty")
ORG_KINDS = ("individual", "company")
CONTRACTS = "contracts"
ORGANISATIONS = "organisations"


def check_choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    cleaned = (value or "").strip().lower()
    if cleaned not in allowed:
        raise InvalidInput(say("{option}: {value!r} is not one of {choices}", option=option,
                               value=value, choices=", ".join(allowed)))
    return cleaned


def parse_signer(text: str) -> dict:
    """An authorised signatory written NAME:FUNCTION."""
    name, sep, function = (text or "").partition(":")
    if not sep or not name.strip() or not function.strip():
        raise InvalidInput(say(
            "{signer_field}: {value!r} must be NAME:FUNCTION, for example \"Nadia Alami:Director\"",
            value=text, signer_field=fact("signer")))
    return {"name": name.strip(), "function": function.strip()}


def find_organisation(store: Changes, name: str) -> dict | None:
    return store.find_record(ORGANISATIONS, "name", name, key=name_key)


def ensure_organisation(store: Changes, name: str, kind: str, now: datetime) -> dict:
    """The organisation on record under this name, created when new; its kind must agree."""
    org = find_organisation(store, name)
    if org is None:
        org = {"name": name.strip(), "kind": kind, "callers": [], "created_at": to_iso(now)}
        store.insert_record(ORGANISATIONS, org)
        return org
    if org["kind"] != kind:
        raise InvalidInput(say(
            N_("{name} is on record as an individual, not a company; give {org_kind_field} individual "
               "or leave it out") if org["kind"] == "individual" else
            N_("{name} is on record as a company, not an individual; give {org_kind_field} company or "
               "leave it out"), name=org["name"], org_kind_field=fact("org_kind")),
            field="org_kind", value=kind)
    return org


def remember_caller(store: Changes, org: dict, caller: dict) -> None:
    """Keep the caller in the organisation's directory so the next call can pick them."""
    key = name_key(caller["name"])
    callers = list(org.get("callers", []))
    # Where each caller sits in the directory, built once per change (a batch of 10,000
    # calls would otherwise read every directory once per call).
    places = store.memo(("callers", org["id"]),
                        lambda: {name_key(c["name"]): i for i, c in enumerate(callers)})
    at = places.get(key)
    previous = callers[at] if at is not None else {}
    merged = {
        "name": caller["name"],
        "role": caller.get("role") or previous.get("role"),
        "contact": caller.get("contact") or previous.get("contact"),
    }
    if caller.get("channel") or previous.get("channel"):
        merged["channel"] = caller.get("channel") or previous["channel"]
    # The equipment of the caller's last call, offered again at their next one.
    equipment = {k: v for k, v in (caller.get("equipment") or {}).items() if v}
    if equipment or previous.get("equipment"):
        merged["equipment"] = equipment or previous["equipment"]
    if at is None:
        places[key] = len(callers)
        callers.append(merged)
    else:
        callers[at] = merged
    org["callers"] = callers
    store.update_record(ORGANISATIONS, org)


def organisations(desk: Desk) -> list[dict]:
    with desk.repo.reading() as store:
        return sorted(store.records(ORGANISATIONS), key=lambda o: name_key(o["name"]))


def add_contract(
    desk: Desk,
    *,
    org: str,
    org_kind: str,
    number: str,
    coverage: str,
    valid_from: date,
    valid_until: date,
    signers: list[dict],
    now: datetime,
    address: list[str] | None = None,
) -> dict:
    if not (org or "").strip():
        raise InvalidInput(say("{org_field}: the organisation's name is empty",
                               org_field=fact("org")))
    if not (number or "").strip():
        raise InvalidInput(say("{number_field}: the contract or warranty number is empty",
                               number_field=fact("number")))
    org_kind = pick("org_kind", org_kind, fact("org_kind"))
    coverage = pick("coverage", coverage, fact("coverage"))
    if valid_until < valid_from:
        raise InvalidInput(say(
            "{until_field} {until} is before {from_field} {start}: a contract ends after it starts",
            until=Day(valid_until.isoformat()), start=Day(valid_from.isoformat()),
            until_field=fact("until"), from_field=fact("from")))
    with desk.repo.writing() as store:
        for existing in store.records(CONTRACTS):
            if name_key(existing["number"]) == name_key(number):
                raise RuleRefused(say(
                    "contract numbers are unique: {number} is already on record for "
                    "{organisation}; give another {number_field}",
                    number=existing["number"], organisation=existing["organisation"],
                    number_field=fact("number")))
        organisation = ensure_organisation(store, org, org_kind, now)
        lines = [line.strip() for line in address or [] if line.strip()]
        if lines:
            # The customer's postal address, printed on its intervention reports.
            organisation["address"] = lines
            store.update_record(ORGANISATIONS, organisation)
        contract = {
            "number": number.strip(),
            "organisation": organisation["name"],
            "org_kind": org_kind,
            "coverage": coverage,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "signers": signers,
            "created_at": to_iso(now),
            "created_by": desk.technician,
        }
        store.insert_record(CONTRACTS, contract)
    return contract


def list_contracts(desk: Desk, org: str | None = None, valid_on: date | None = None) -> list[dict]:
    with desk.repo.reading() as store:
        found = store.records(CONTRACTS)
    if org:
        found = [c for c in found if name_key(c["organisation"]) == name_key(org)]
    if valid_on:
        found = [c for c in found if is_valid_on(c, valid_on)]
    return sorted(found, key=lambda c: (name_key(c["organisation"]), c["valid_from"]))


def get_contract(desk: Desk, number: str) -> dict:
    with desk.repo.reading() as store:
        for contract in store.records(CONTRACTS):
            if name_key(contract["number"]) == name_key(number):
                return contract
    raise NotFound(say("no contract or warranty numbered {number!r}; `deskcli contract list` shows "
                       "them", number=number))


def is_valid_on(contract: dict, day: date) -> bool:
    return contract["valid_from"] <= day.isoformat() <= contract["valid_until"]


def assess_admissibility(
    contracts: list[dict],
    *,
    organisation: str,
    contract_number: str | None,
    call_date: date,
    require_contract: bool,
    billable: bool,
    purchase_order: str | None,
    company: str,
    told: bool = True,
) -> dict:
    """Whether a call may be served, on what basis, and what to tell the caller when not.

    `told` is False for a call nobody spoke to (piped in, e-mailed): its explanation then
    says what the caller is still to be told, never that they were told. A contract number
    that does not cover the call, given for an organisation that holds a valid contract,
    leaves that contract's number in `org_contract`, for the command to offer or apply."""
    contract, reason = _covering_contract(contracts, organisation, contract_number, call_date)
    verdict = _assessed(contracts, contract, reason, organisation=organisation, call_date=call_date,
                        require_contract=require_contract, billable=billable,
                        purchase_order=purchase_order, company=company, told=told)
    if contract is None and contract_number:
        own, _reason = _covering_contract(contracts, organisation, None, call_date)
        if own is not None:
            verdict["org_contract"] = own["number"]
    return verdict


def _assessed(contracts, contract, reason, *, organisation, call_date, require_contract,
              billable, purchase_order, company, told) -> dict:
    if contract is not None:
        return _verdict({
            "admissible": True,
            "basis": contract["coverage"],
            "contract": contract["number"],
            "reason": say(N_("contract {number} valid until {until}")
                          if contract["coverage"] == "contract"
                          else N_("warranty {number} valid until {until}"),
                          number=contract["number"], until=Day(contract["valid_until"])),
        })
    if not require_contract:
        return _verdict({
            "admissible": True,
            "basis": "internal",
            "contract": None,
            "reason": say("this desk serves its own staff: no contract is required"),
        })
    if billable:
        order = purchase_order or term("to be received before the work starts")
        return _verdict({
            "admissible": True,
            "basis": "billed",
            "contract": None,
            "purchase_order": purchase_order,
            "reason": say("{reason}; served as a billed service (purchase order: {order})",
                          reason=reason, order=order),
        })
    return _verdict({
        "admissible": False,
        "basis": None,
        "contract": None,
        "reason": reason,
        "explanation": say(
            "{reason}. The caller was told that {company} solves incidents within a contract "
            "or warranty; otherwise the work is a billed service and needs a purchase order "
            "(bon de commande) sent to {company}.", reason=reason, company=company) if told else say(
            "{reason}. The caller is still to be told that {company} solves incidents within a "
            "contract or warranty; otherwise the work is a billed service and needs a purchase "
            "order (bon de commande) sent to {company}.", reason=reason, company=company),
    })


def _verdict(verdict: dict) -> dict:
    """The verdict as a ticket keeps it: its words in English, and beside each the message
    itself (`reason_message`), so that every session can show them in its own language."""
    for key in ("reason", "explanation"):
        if isinstance(verdict.get(key), Text):
            verdict[f"{key}_message"] = verdict[key].record()
            verdict[key] = str(verdict[key])
    return verdict


def _covering_contract(
    contracts: list[dict], organisation: str, number: str | None, day: date
) -> tuple[dict | None, str]:
    if number:
        matches = [c for c in contracts if name_key(c["number"]) == name_key(number)]
        if not matches:
            return None, say("contract {number} is not on record", number=number)
        contract = matches[0]
        if name_key(contract["organisation"]) != name_key(organisation):
            return None, say("contract {number} belongs to {organisation}",
                             number=contract["number"], organisation=contract["organisation"])
        if not is_valid_on(contract, day):
            return None, say(
                N_("contract {number} runs from {start} to {end}, not on {day}")
                if contract["coverage"] == "contract" else
                N_("warranty {number} runs from {start} to {end}, not on {day}"),
                number=contract["number"], start=Day(contract["valid_from"]),
                end=Day(contract["valid_until"]), day=Day(day.isoformat()))
        return contract, ""
    own = [c for c in contracts if name_key(c["organisation"]) == name_key(organisation)]
    if not own:
        return None, say("{organisation} has no contract or warranty on record",
                         organisation=organisation)
    valid = [c for c in own if is_valid_on(c, day)]
    if valid:
        return max(valid, key=lambda c: c["valid_until"]), ""
    latest = max(own, key=lambda c: c["valid_until"])
    if latest["valid_until"] < day.isoformat():
        return None, say("no contract or warranty of {organisation} is valid on {day} (the "
                         "latest, {number}, ended {end})", organisation=organisation,
                         day=Day(day.isoformat()), number=latest["number"],
                         end=Day(latest["valid_until"]))
    return None, say("no contract or warranty of {organisation} is valid on {day} ({number} "
                     "starts {start})", organisation=organisation, day=Day(day.isoformat()),
                     number=latest["number"], start=Day(latest["valid_from"]))


def check_admissibility(
    desk: Desk,
    *,
    organisation: str,
    contract_number: str | None,
    day: date,
    billable: bool = False,
    purchase_order: str | None = None,
) -> dict:
    """The verdict `deskcli open` would record, for the checklist to show before saving."""
    with desk.repo.reading() as store:
        known = store.records(CONTRACTS)
    return assess_admissibility(
        known,
        organisation=organisation,
        contract_number=contract_number,
        call_date=day,
        require_contract=desk.settings["desk"]["require_contract"],
        billable=billable,
        purchase_order=purchase_order,
        company=desk.settings["desk"]["company"],
    )
