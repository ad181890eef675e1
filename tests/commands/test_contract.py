"""`deskcli contract add|list|show` through the entry point."""

ADD = ["contract", "add", "--org", "Atlas SARL", "--org-kind", "company", "--number", "C-1",
       "--coverage", "contract", "--from", "2026-01-01", "--until", "2026-12-31",
       "--signer", "Nadia Alami:Director", "--signer", "Omar Idrissi:IT manager"]


def test_add_then_show_and_list(deskcli):
    added = deskcli(*ADD, "--json")
    assert added.exit_code == 0
    assert [s["name"] for s in added.json()["signers"]] == ["Nadia Alami", "Omar Idrissi"]
    shown = deskcli("contract", "show", "C-1")
    assert "Atlas SARL (company)" in shown.stdout and "Omar Idrissi (IT manager)" in shown.stdout
    listed = deskcli("contract", "list", "--json").json()
    assert [c["number"] for c in listed] == ["C-1"]
    assert deskcli("contract", "list", "--valid-on", "2027-01-01", "--json").json() == []


def test_missing_options_are_all_named(deskcli):
    result = deskcli("contract", "add", "--org", "X")
    assert result.exit_code == 2
    for option in ("--org-kind", "--number", "--coverage", "--from", "--until"):
        assert option in result.stderr


def test_bad_date_and_kind_are_bad_input(deskcli):
    bad_date = [a if a != "2026-12-31" else "31/12/2026" for a in ADD]
    result = deskcli(*bad_date)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr
    bad_kind = [a if a != "company" else "club" for a in ADD]
    assert deskcli(*bad_kind).exit_code == 2


def test_duplicate_number_is_refused_by_rule(deskcli):
    deskcli(*ADD)
    result = deskcli(*ADD)
    assert result.exit_code == 1 and "unique" in result.stderr


def test_unknown_contract_is_not_found(deskcli):
    result = deskcli("contract", "show", "X-9")
    assert result.exit_code == 1 and "X-9" in result.stderr


def test_empty_list_prints_an_empty_array(deskcli):
    result = deskcli("contract", "list", "--json")
    assert result.exit_code == 0 and result.json() == []
