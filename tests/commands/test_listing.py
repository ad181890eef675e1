"""`deskcli list` and `deskcli show` through the entry point."""

from freezegun import freeze_time


def open_call(deskcli, caller, org=None, summary="S"):
    args = ["open", "--caller", caller, "--summary", summary]
    if org:
        args += ["--org", org]
    assert deskcli(*args).exit_code == 0


def test_list_newest_first_and_filters(deskcli):
    with freeze_time("2026-03-10 09:00:00"):
        open_call(deskcli, "Karim", "Atlas SARL", "Printer offline")
    with freeze_time("2026-03-10 10:00:00"):
        open_call(deskcli, "Sara", "Zed", "Mail down")
    result = deskcli("list", "--sort", "newest")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Mail down" in lines[2] and "Printer offline" in lines[3]
    assert [t["id"] for t in deskcli("list", "--sort", "newest", "--json").json()] == [2, 1]
    assert [t["id"] for t in deskcli("list", "--org", "ATLAS sarl", "--json").json()] == [1]
    assert [t["id"] for t in deskcli("list", "--status", "open", "--json").json()] == []



def test_a_private_caller_is_not_listed_as_their_own_organisation(deskcli):
    open_call(deskcli, "Karim Benali", None, "Printer offline")
    open_call(deskcli, "Sara Alaoui", "Atlas SARL", "Mail down")
    rows = {line.split()[0]: line.split() for line in deskcli("list").stdout.splitlines()[2:]}
    assert rows["#1"].count("Benali") == 1 and "-" in rows["#1"][rows["#1"].index("Benali"):]
    assert "Atlas" in rows["#2"]
    listed = {t["id"]: t for t in deskcli("list", "--json").json()}
    assert listed[1]["organisation"]["name"] == "Karim Benali"  # the record keeps it

def test_empty_list_is_an_empty_json_array(deskcli):
    result = deskcli("list", "--json")
    assert result.exit_code == 0 and result.json() == []
    assert deskcli("list", "--closed", "--json").json() == []


def test_bad_sort_is_bad_input(deskcli):
    assert deskcli("list", "--sort", "sideways").exit_code == 2


def test_show_tells_the_story_in_order(deskcli):
    with freeze_time("2026-03-10 09:00:00"):
        open_call(deskcli, "Karim", "Atlas SARL", "Printer offline")
    shown = deskcli("show", "1")
    assert shown.exit_code == 0
    assert "Ticket #1  [not admissible]  Printer offline" in shown.stdout
    history = shown.stdout.split("History", 1)[1]
    assert history.index("call opened") < history.index("NOT admissible")
    assert deskcli("show", "1", "--json").json()["id"] == 1


def test_show_unknown_and_invalid_numbers(deskcli):
    missing = deskcli("show", "42")
    assert missing.exit_code == 1 and "#42" in missing.stderr
    assert deskcli("show", "abc").exit_code == 2
    assert deskcli("show", "0").exit_code == 2
