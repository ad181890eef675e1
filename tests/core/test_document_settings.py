"""[documents] and [technicians]: what a printed report says about who issues it and who
signs it, checked when the settings are read."""

import pytest

from deskcli.core.reporting import reports
from deskcli.core.base.errors import InvalidInput
from deskcli.core.app.settings import load


def write(home, text):
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(text)


@pytest.mark.parametrize("text, key", [
    ('[documents]\namounts = "TTC"\n', "documents.amounts"),
    ('[documents]\ncurrency = "euro"\n', "documents.currency"),
    ('[documents]\nlogo = "logo.gif"\n', "documents.logo"),
    ('[documents]\naddress = ["12 rue des Lilas", 69003]\n', "documents.address"),
    ('[technicians]\nbruno = { nom = "Bruno Martin" }\n', "technicians.bruno"),
])
def test_a_wrong_document_setting_is_refused_naming_its_key(home, text, key):
    write(home, text)
    with pytest.raises(InvalidInput) as refused:
        load(home)
    assert key in str(refused.value)


def test_technicians_are_named_by_their_full_name_and_function(home):
    write(home, '[technicians]\nbruno = { name = "Bruno Martin", function = "Field technician" }\n'
                'alice = "Alice Durand"\n')
    settings = load(home)
    assert reports.person(settings, "bruno") == {"login": "bruno", "name": "Bruno Martin",
                                                 "function": "Field technician"}
    assert reports.person(settings, "alice")["name"] == "Alice Durand"
    assert reports.person(settings, "carol") == {"login": "carol", "name": "carol", "function": None}


def test_the_letterhead_falls_back_to_the_desks_name_and_finds_the_logo_beside_the_settings(home):
    write(home, '[desk]\ncompany = "Atlas Support"\n[documents]\nlogo = "logo.png"\n')
    issuer = reports.issuer(load(home), home)
    assert issuer["name"] == "Atlas Support" and issuer["logo"] == str(home / "logo.png")
    assert issuer["currency"] == "EUR" and issuer["amounts"] == "excl-tax"


def test_the_customers_history_leaves_the_desks_bookkeeping_out():
    history = [{"event": "opened"}, {"event": "sla_clock_stopped"}, {"event": "checklist"},
               {"event": "kb_consulted"}, {"event": "treatment"}]
    assert [e["event"] for e in reports.customer_history(history)] == ["opened", "treatment"]
