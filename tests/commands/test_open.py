"""`deskcli open` with options, through the entry point."""

from deskcli.core.calls import tickets


def contract(deskcli, org="Atlas SARL", number="C-1", until="2099-12-31"):
    result = deskcli("contract", "add", "--org", org, "--org-kind", "company", "--number", number,
                     "--coverage", "contract", "--from", "2020-01-01", "--until", until)
    assert result.exit_code == 0, result.stderr


def test_open_with_flags_prints_the_number_and_records_everything(deskcli, desk):
    contract(deskcli)
    result = deskcli("open", "--caller", "Karim", "--org", "Atlas SARL", "--role", "Assistant",
                     "--contact", "0600000000", "--channel", "phone", "--device", "HP LaserJet",
                     "--os", "Windows 11", "--network", "Wi-Fi", "--software", "Word",
                     "--summary", "Printer offline", "--description", "It blinks orange",
                     "--reformulation", "The printer is offline")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert "contract C-1" in result.stderr
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["equipment"] == {"device": "HP LaserJet", "os": "Windows 11",
                                   "network": "Wi-Fi", "software": "Word"}
    assert ticket["reformulation"] == "The printer is offline"


def test_json_prints_the_ticket_as_one_document(deskcli):
    result = deskcli("open", "--caller", "Karim", "--summary", "Printer offline", "--json")
    assert result.exit_code == 0
    ticket = result.json()
    assert ticket["id"] == 1 and ticket["status"] == "not_admissible"
    assert ticket["priority"] is None and ticket["level"] == 1
    assert ticket["opener"] == "alice" and ticket["assignee"] == "alice"
    assert {"at", "by", "event"} <= set(ticket["history"][0])


def test_global_json_and_technician_options(deskcli):
    result = deskcli("--json", "--as", "bob", "open", "--caller", "K", "--summary", "S")
    assert result.json()["opener"] == "bob"


def test_missing_required_facts_are_each_named_without_prompting(deskcli, desk):
    result = deskcli("open", "--no-input", "--org", "Atlas SARL")
    assert result.exit_code == 2
    assert "--caller" in result.stderr and "--summary" in result.stderr
    assert "Traceback" not in result.stderr
    assert tickets.list_tickets(desk) == []


def test_stdin_not_a_terminal_never_prompts(deskcli):
    result = deskcli("open", "--caller", "Karim", input="")
    assert result.exit_code == 2 and "--summary" in result.stderr


def test_bad_channel_is_bad_input(deskcli):
    result = deskcli("open", "--caller", "K", "--summary", "S", "--channel", "fax")
    assert result.exit_code == 2 and "--channel" in result.stderr


def test_not_admissible_call_is_kept_with_its_explanation(deskcli, desk):
    result = deskcli("open", "--caller", "Bob", "--org", "Mega", "--contact", "bob@mega.ma",
                     "--summary", "Cracked screen")
    assert result.exit_code == 0
    assert "NOT admissible" in result.stderr and "purchase order" in result.stderr
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["status"] == "not_admissible" and ticket["caller"]["contact"] == "bob@mega.ma"


def test_billable_call_goes_on_without_a_contract(deskcli, desk):
    result = deskcli("open", "--caller", "Bob", "--summary", "S", "--billable",
                     "--purchase-order", "PO-12", "--json")
    ticket = result.json()
    assert ticket["status"] == "open" and ticket["admissibility"]["basis"] == "billed"
    assert ticket["admissibility"]["purchase_order"] == "PO-12"


def test_internal_desk_turns_contracts_off(deskcli, home):
    home.mkdir()
    (home / "settings.toml").write_text("[desk]\nrequire_contract = false\n")
    assert deskcli("open", "--caller", "Bob", "--summary", "S", "--json").json()["status"] == "open"


def test_invalid_settings_are_refused_with_the_key(deskcli, home):
    home.mkdir()
    (home / "settings.toml").write_text("[desk]\nrequire_contract = 'maybe'\n")
    result = deskcli("open", "--caller", "Bob", "--summary", "S")
    assert result.exit_code == 2 and "desk.require_contract" in result.stderr


def test_terminal_control_characters_are_escaped_on_output(deskcli):
    deskcli("open", "--caller", "Evil\x1b[31m", "--summary", "S\x07")
    shown = deskcli("show", "1").stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\\x1b" in shown


def test_a_private_individual_is_named_once(deskcli):
    alone = deskcli("open", "--caller", "Karim Benali", "--summary", "Printer offline", "--billable")
    assert alone.exit_code == 0, alone.stderr
    assert "Ticket #1 opened for Karim Benali: " in alone.stderr
    assert "(Karim Benali)" not in alone.stderr
    own_name = deskcli("open", "--caller", "Léa Martin", "--org", "léa martin", "--summary", "Mail",
                       "--billable")
    assert "Ticket #2 opened for Léa Martin: " in own_name.stderr
    shown = deskcli("show", "1").stdout
    assert "Karim Benali (" not in shown and "Organisation: individual\n" in shown
    contract(deskcli)
    member = deskcli("open", "--caller", "Nadia", "--org", "Atlas SARL", "--summary", "Scanner")
    assert "Ticket #3 opened for Nadia (Atlas SARL): " in member.stderr
