"""The guided opening, driven through the real prompts with scripted keystrokes."""

from __future__ import annotations

import threading

import pytest
from freezegun import freeze_time
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from deskcli.core.calls import tickets
from deskcli.core.mailing import drafts
from deskcli.ui import prompts

ENTER = "\r"
DOWN = "\x1b[B"


@pytest.fixture
def guided(deskcli, home):
    """Run `deskcli open` with the prompts reading `keys`; fails instead of hanging.

    The desk is set up beforehand (its settings.toml written), unless `fresh`: the first
    call on a fresh desk offers `deskcli init` first."""

    def run(keys: str, *args: str, fresh: bool = False):
        if not fresh:
            from deskcli.core.app import setup

            setup.write_settings(home, {})
        with create_pipe_input() as pipe:
            pipe.send_text(keys)
            with prompts.scripted(pipe, DummyOutput()):
                outcome = {}
                worker = threading.Thread(target=lambda: outcome.update(r=deskcli("open", *args)))
                worker.daemon = True
                worker.start()
                worker.join(timeout=20)
                assert not worker.is_alive(), "the prompts waited for more keystrokes"
                return outcome["r"]

    return run


def add_contract(deskcli):
    assert deskcli("contract", "add", "--org", "Atlas SARL", "--org-kind", "company",
                   "--number", "C-1", "--coverage", "contract", "--from", "2020-01-01",
                   "--until", "2099-12-31").exit_code == 0


ATLAS_CALL = "".join([
    "y", "y",                       # greeting, introduction
    "Atlas SARL" + ENTER,           # organisation, known from the contract
    "Karim Benali" + ENTER,         # caller
    "Assistant" + ENTER,            # role
    "0611223344" + ENTER,           # contact
    ENTER,                          # channel: phone
    "HP LaserJet 400" + ENTER, "Windows 11" + ENTER, "Wi-Fi" + ENTER, ENTER,
    "The printer blinks and prints nothing" + ENTER,
    "Printer offline" + ENTER,
    ENTER,                          # reformulation: keep the summary
    "y",                            # caller confirms
])


def test_a_call_from_greeting_to_admissibility(guided, deskcli, desk):
    add_contract(deskcli)
    result = guided(ATLAS_CALL)
    assert result.exit_code == 0, result.stderr
    assert "Helpdesk, good morning" in result.stderr
    ticket = tickets.get_ticket(desk, int(result.stdout))
    assert ticket["status"] == "open" and ticket["contract"] == "C-1"
    assert ticket["caller"] == {"name": "Karim Benali", "role": "Assistant", "contact": "0611223344"}
    assert ticket["organisation"] == {"name": "Atlas SARL", "kind": "company"}
    assert ticket["equipment"]["device"] == "HP LaserJet 400"
    assert ticket["description"] == "The printer blinks and prints nothing"
    assert ticket["reformulation"] == "Printer offline" and ticket["reformulation_confirmed"]
    steps = [e["step"] for e in ticket["history"] if e["event"] == "checklist"]
    assert steps == ["greeting", "introduction", "caller_identified", "equipment", "problem",
                     "reformulation_confirmed", "admissibility_checked"]
    assert any(e["event"] == "identification_timed" for e in ticket["history"])


def test_a_refused_reformulation_is_asked_again(guided, deskcli, desk):
    add_contract(deskcli)
    keys = ATLAS_CALL[:-2] + ENTER + "n" + "\x15Printer shows offline" + ENTER + "y"
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    assert tickets.get_ticket(desk, 1)["reformulation"] == "Printer shows offline"


def test_no_contract_stopped_call_is_kept_not_admissible(guided, desk):
    keys = "".join([
        "y", "y",
        ENTER,                           # no organisation: a private individual
        "Yassine Amrani" + ENTER, ENTER, "yassine@example.org" + ENTER, ENTER,
        ENTER, ENTER, ENTER, ENTER,      # equipment unknown
        "My screen is cracked" + ENTER, "Cracked screen" + ENTER, ENTER, "y",
        DOWN + DOWN + ENTER,             # stop: not admissible
    ])
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    assert "purchase order" in result.stderr
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["status"] == "not_admissible"
    assert ticket["organisation"] == {"name": "Yassine Amrani", "kind": "individual"}
    assert ticket["caller"]["contact"] == "yassine@example.org"


def test_no_contract_served_as_billed_with_purchase_order(guided, desk):
    # New organisation: the kind question comes first (company is the default).
    keys = "".join([
        "y", "y", "Mega Corp" + ENTER, ENTER,
        "Bob" + ENTER, ENTER, ENTER, ENTER,
        ENTER, ENTER, ENTER, ENTER,
        "It is slow" + ENTER, "Slow PC" + ENTER, ENTER, "y",
        DOWN + ENTER, "PO-2026-7" + ENTER,
    ])
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["status"] == "open" and ticket["admissibility"]["basis"] == "billed"
    assert ticket["admissibility"]["purchase_order"] == "PO-2026-7"
    assert ticket["organisation"]["kind"] == "company"


def test_flags_given_are_not_asked_again(guided, deskcli, desk):
    add_contract(deskcli)
    keys = "".join([
        "y", "y",
        "Karim" + ENTER, ENTER, ENTER, ENTER,
        ENTER, ENTER, ENTER, ENTER,
        "It blinks" + ENTER, "Printer offline" + ENTER, ENTER, "y",
    ])
    result = guided(keys, "--org", "Atlas SARL")
    assert result.exit_code == 0, result.stderr
    assert tickets.get_ticket(desk, 1)["organisation"]["name"] == "Atlas SARL"


def test_identification_past_the_limit_warns_and_is_recorded(guided, deskcli, desk, monkeypatch):
    add_contract(deskcli)
    # Each look at deskcli's clock: 40 s later (only deskcli's: a database connection
    # keeps the real time).
    from datetime import datetime, timedelta, timezone

    from deskcli.core.base import clock

    start = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.utc)
    ticks = (start + timedelta(seconds=40 * n) for n in range(10_000))
    monkeypatch.setattr(clock, "now", lambda: next(ticks))
    result = guided(ATLAS_CALL)
    assert result.exit_code == 0, result.stderr
    assert "Identification has taken" in result.stderr and "5 minutes" in result.stderr
    timed = [e for e in tickets.get_ticket(desk, 1)["history"] if e["event"] == "identification_timed"]
    assert timed[0]["over_limit"] is True and timed[0]["seconds"] > 300


def test_an_interrupted_call_is_kept_as_a_draft_and_resumed(guided, deskcli, desk):
    add_contract(deskcli)
    # Ctrl-C at the contact question, three minutes into the call.
    with freeze_time("2026-03-10 10:56:00"):
        interrupted = guided("yy" + "Atlas SARL" + ENTER + "Karim Benali" + ENTER + "Assistant"
                             + ENTER + "\x03")
    assert interrupted.exit_code == 130
    assert "kept" in interrupted.stderr
    draft = drafts.load(desk)
    assert draft["caller"] == "Karim Benali" and draft["role"] == "Assistant"
    assert "contact" not in draft
    assert tickets.list_tickets(desk) == []
    # Resumed at 10:59: only "y" (resume it) and the questions not yet answered; the ones
    # answered before are neither asked again nor lost.
    after_role = ATLAS_CALL.split("Assistant" + ENTER, 1)[1]
    with freeze_time("2026-03-10 10:59:00"):
        resumed = guided("y" + after_role)
    assert resumed.exit_code == 0, resumed.stderr
    assert "Resumed: 4 answers kept" in resumed.stderr  # organisation, its kind, caller, role
    assert "Call started 2026-03-10 10:56" in resumed.stderr
    assert "Helpdesk, good morning" not in resumed.stderr  # greeting done before
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["caller"] == {"name": "Karim Benali", "role": "Assistant", "contact": "0611223344"}
    assert ticket["organisation"]["name"] == "Atlas SARL" and ticket["contract"] == "C-1"
    assert ticket["equipment"]["device"] == "HP LaserJet 400"
    # The identification clock ran from 10:56 to 10:59: the caller waited through the break.
    timed = next(e for e in ticket["history"] if e["event"] == "identification_timed")
    assert timed["seconds"] == 180
    assert "Identification took 3min." in resumed.stderr
    steps = [e["step"] for e in ticket["history"] if e["event"] == "checklist"]
    assert steps[:3] == ["greeting", "introduction", "caller_identified"]
    assert drafts.load(desk) is None


def test_a_call_interrupted_at_the_reformulation_resumes_there(guided, deskcli, desk):
    add_contract(deskcli)
    with freeze_time("2026-03-10 10:00:00"):
        first = guided(ATLAS_CALL[:-1] + "\x03")   # Ctrl-C instead of the caller's yes
    assert first.exit_code == 130
    with freeze_time("2026-03-10 10:02:00"):
        resumed = guided("y" + ENTER + "y")        # resume; keep the reformulation; yes
    assert resumed.exit_code == 0, resumed.stderr
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["reformulation"] == "Printer offline" and ticket["reformulation_confirmed"]
    assert ticket["description"] == "The printer blinks and prints nothing"


def test_the_checklist_in_french(guided, deskcli, desk, monkeypatch):
    """The questions, choices and advice of the checklist in French; yes and no are picked,
    since questionary's yes/no question only knows y and n."""
    add_contract(deskcli)
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    keys = "".join([
        ENTER, ENTER,                       # salutation, présentation: oui
        "Atlas SARL" + ENTER, "Karim Benali" + ENTER, "Assistant" + ENTER,
        "0611223344" + ENTER,
        DOWN + ENTER,                       # canal: courriel
        "HP LaserJet 400" + ENTER, "Windows 11" + ENTER, "Wi-Fi" + ENTER, ENTER,
        "Elle clignote et n'imprime rien" + ENTER,
        "Imprimante hors ligne" + ENTER,
        ENTER,                              # reformulation: le résumé
        ENTER,                              # l'appelant confirme: oui
    ])
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    for said in ("«\u00a0Helpdesk, bonjour\u00a0!\u00a0»", "Identifiez l'appelant",
                 "Fiche «\u00a0Atlas SARL\u00a0» enregistrée (entreprise).", "L'identification a pris",
                 "Recevable\u00a0: contrat C-1 valide jusqu'au 31/12/2099.",
                 "Ne promettez aucune date d'intervention"):
        assert said in result.stderr, said
    ticket = tickets.get_ticket(desk, int(result.stdout))
    assert ticket["channel"] == "email" and ticket["reformulation_confirmed"]
    steps = [e["step"] for e in ticket["history"] if e["event"] == "checklist"]
    assert steps[:2] == ["greeting", "introduction"]


def test_a_returning_caller_is_answered_with_enter(guided, deskcli, desk):
    add_contract(deskcli)
    assert deskcli("open", "--caller", "Karim Benali", "--org", "Atlas SARL", "--role", "Assistant",
                   "--contact", "0611223344", "--device", "HP LaserJet 400", "--os", "Windows 11",
                   "--network", "Wi-Fi", "--software", "Word", "--summary", "First call").exit_code == 0
    keys = "".join([
        "y", "y", "Atlas SARL" + ENTER, "Karim Benali" + ENTER,
        ENTER, ENTER, ENTER,              # role, contact, channel: as last time
        ENTER, ENTER, ENTER, ENTER,       # the equipment of the last call
        "Paper jam" + ENTER, "Paper jam" + ENTER, ENTER, "y",
    ])
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    assert "Returning caller" in result.stderr
    ticket = tickets.get_ticket(desk, 2)
    assert ticket["caller"] == {"name": "Karim Benali", "role": "Assistant", "contact": "0611223344"}
    assert ticket["equipment"] == {"device": "HP LaserJet 400", "os": "Windows 11",
                                   "network": "Wi-Fi", "software": "Word"}


def test_a_returning_private_individual_is_recognised_by_name(guided, deskcli, desk):
    assert deskcli("open", "--caller", "Yassine Amrani", "--contact", "yassine@example.org",
                   "--device", "Dell XPS 13", "--summary", "First", "--billable").exit_code == 0
    keys = "".join([
        "y", "y", ENTER, "Yassine Amrani" + ENTER, ENTER, ENTER, ENTER,
        ENTER, ENTER, ENTER, ENTER,
        "Cracked screen" + ENTER, "Cracked screen" + ENTER, ENTER, "y",
        "\x1b[B" + "\x1b[B" + ENTER,      # not covered: stop here
    ])
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    ticket = tickets.get_ticket(desk, 2)
    assert ticket["caller"]["contact"] == "yassine@example.org"
    assert ticket["equipment"]["device"] == "Dell XPS 13"


def test_a_returning_caller_is_recognised_by_contact(guided, deskcli, desk):
    add_contract(deskcli)
    assert deskcli("open", "--caller", "Karim Benali", "--org", "Atlas SARL",
                   "--contact", "06 11 22 33 44", "--device", "HP LaserJet 400",
                   "--summary", "First call").exit_code == 0
    keys = "".join([
        "y", "y", "Atlas SARL" + ENTER, "K. Benali" + ENTER, ENTER,
        "0611223344" + ENTER, ENTER,      # the same phone, written otherwise
        ENTER, ENTER, ENTER, ENTER,       # the equipment of the last call
        "Paper jam" + ENTER, "Paper jam" + ENTER, ENTER, "y",
    ])
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    assert "0611223344 is the contact of Karim Benali (Atlas SARL)" in result.stderr
    assert tickets.get_ticket(desk, 2)["equipment"]["device"] == "HP LaserJet 400"


def test_a_returning_caller_without_an_organisation_is_offered_theirs(guided, deskcli, desk):
    add_contract(deskcli)
    assert deskcli("open", "--caller", "Karim Benali", "--org", "Atlas SARL", "--role", "Assistant",
                   "--channel", "email", "--summary", "First call").exit_code == 0
    keys = "".join([
        "y", "y", ENTER,                  # no organisation said
        "Karim Benali" + ENTER, "y",      # for Atlas SARL again: yes
        ENTER, ENTER, ENTER,              # role, contact, channel (e-mail, as last time)
        ENTER, ENTER, ENTER, ENTER,
        "Paper jam" + ENTER, "Paper jam" + ENTER, ENTER, "y",
    ])
    result = guided(keys)
    assert result.exit_code == 0, result.stderr
    ticket = tickets.get_ticket(desk, 2)
    assert ticket["organisation"] == {"name": "Atlas SARL", "kind": "company"}
    assert ticket["contract"] == "C-1" and ticket["channel"] == "email"
    assert ticket["caller"]["role"] == "Assistant"
