"""The knowledge base and problems as plain functions: articles, consultations, the loop."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from deskcli.core.calls import contracts, tickets
from deskcli.core.knowledge import kb, problems
from deskcli.core.model import search
from deskcli.core.treating import treatment
from deskcli.core.base.errors import InvalidInput, NotFound, RuleRefused
from deskcli.core.store.storage import KB_FILE

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)

PRINTER = {"title": "Imprimante hors ligne", "symptoms": "L'imprimante réseau apparaît hors ligne",
           "cause": "Adresse IP changée", "resolution": "1. Redémarrer le spouleur\n2. Réinstaller le port",
           "tags": ["Imprimante", "réseau, impression"], "equipment": ["HP LaserJet"]}


def at(minutes):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def atlas(desk):
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31), signers=[], now=T0)


def incident(desk, summary, description="", software=None, org="Atlas SARL", when=T0):
    return tickets.open_ticket(desk, tickets.CallFacts(
        caller="Karim", org=org, summary=summary, description=description or None,
        software=software), when)["id"]


def test_an_article_is_recorded_with_its_fields_cleaned_and_its_history(desk):
    article = kb.add(desk, PRINTER, T0)
    stored = kb.get(desk, article["id"])
    assert stored["tags"] == ["imprimante", "réseau", "impression"]
    assert stored["visibility"] == "internal" and stored["kind"] == "article"
    assert [e["event"] for e in stored["history"]] == ["created"]
    assert kb.label(stored) == "KB-1"


@pytest.mark.parametrize("missing", ["title", "symptoms", "resolution"])
def test_an_article_without_a_required_field_is_refused_naming_it(desk, missing):
    with pytest.raises(InvalidInput, match=f"--{missing}"):
        kb.add(desk, {k: v for k, v in PRINTER.items() if k != missing}, T0)
    assert kb.list_articles(desk) == []


def test_article_numbers_are_never_given_twice_even_after_a_removal(desk):
    first = kb.add(desk, PRINTER, T0)
    kb.remove(desk, first["id"], "duplicate", T0)
    assert kb.add(desk, PRINTER, T0)["id"] == first["id"] + 1


def test_an_edit_keeps_what_each_field_was_before(desk):
    article = kb.add(desk, PRINTER, T0)
    edited = kb.edit(desk, article["id"], {"visibility": "FAQ", "cause": "Pilote obsolète"}, at(5))
    assert edited["visibility"] == "faq" and edited["cause"] == "Pilote obsolète"
    last = edited["history"][-1]
    assert last["event"] == "edited" and last["fields"] == ["cause", "visibility"]
    assert last["before"] == {"cause": "Adresse IP changée", "visibility": "internal"}
    assert kb.search(desk, "pilote obsolete")[0]["id"] == article["id"]


def test_removed_articles_leave_searches_but_not_the_record(desk):
    article = kb.add(desk, PRINTER, T0)
    kb.remove(desk, article["id"], "obsolete", at(1))
    assert kb.search(desk, "imprimante") == []
    assert kb.get(desk, article["id"])["status"] == "removed"
    assert kb.list_articles(desk, removed=True)[0]["id"] == article["id"]
    with pytest.raises(RuleRefused, match="removed"):
        kb.edit(desk, article["id"], {"title": "Autre"}, at(2))
    with pytest.raises(NotFound, match="KB-9"):
        kb.get(desk, 9)


def test_the_starter_base_loads_on_request_and_once(desk):
    assert kb.is_empty(desk)
    added, present = kb.import_defaults(desk, T0)
    assert len(added) >= 30 and present == 0
    again, present = kb.import_defaults(desk, at(1))
    assert again == [] and present == len(added)
    assert all(a["source"].startswith("starter:") for a in kb.list_articles(desk))


def test_the_starter_base_is_french_and_covers_the_everyday_incidents(desk):
    kb.import_defaults(desk, T0)
    for query in ("imprimante", "mot de passe", "messagerie", "wifi", "vpn", "disque plein",
                  "ordinateur lent", "écran noir", "table des matières"):
        assert kb.search(desk, query), query


def test_the_index_is_derived_and_rebuilds_after_it_is_deleted(desk):
    article = kb.add(desk, PRINTER, T0)
    assert kb.search(desk, "imprimante")[0]["id"] == article["id"]
    (desk.home / search.INDEX_FILE).unlink()
    assert kb.search(desk, "imprimante")[0]["id"] == article["id"]


def test_each_change_keeps_the_index_current_without_rebuilding(desk, monkeypatch):
    kb.add(desk, PRINTER, T0)
    kb.search(desk, "imprimante")
    rebuilds = []
    original = search.KnowledgeIndex._rebuild
    monkeypatch.setattr(search.KnowledgeIndex, "_rebuild",
                        lambda self, sig: (rebuilds.append(sig), original(self, sig)))
    second = kb.add(desk, {"title": "Clavier sans fil inerte", "symptoms": "Les touches ne répondent plus",
                           "resolution": "Changer les piles"}, at(1))
    assert kb.search(desk, "clavier")[0]["id"] == second["id"]
    assert rebuilds == []


def test_a_draft_from_a_solved_ticket_takes_its_problem_diagnosis_and_solution(desk, atlas):
    number = incident(desk, "Outlook n'envoie plus", "Les messages restent dans la boîte d'envoi",
                      software="Outlook")
    with pytest.raises(RuleRefused, match="definitive solution"):
        kb.draft_from_ticket(desk, number)
    treatment.treat(desk, number, now=at(3), diagnosis="Port SMTP bloqué",
                    actions=["Changé le port en 587"], solution="Envoi rétabli en STARTTLS",
                    definitive=True)
    draft = kb.draft_from_ticket(desk, number)
    assert draft["title"] == "Outlook n'envoie plus"
    assert draft["symptoms"].startswith("Les messages restent")
    assert draft["cause"] == "Port SMTP bloqué"
    assert draft["resolution"] == "1. Changé le port en 587\n2. Envoi rétabli en STARTTLS"
    article = kb.add(desk, draft, at(4), from_ticket=number)
    assert article["tickets"] == [number]
    assert tickets.get_ticket(desk, number)["history"][-1]["event"] == "kb_article"


def test_a_consultation_is_recorded_on_the_ticket_with_what_it_found(desk, atlas):
    number = incident(desk, "Imprimante hors ligne", "L'imprimante du bureau ne répond plus")
    entry, matches = kb.consult_ticket(desk, number, at(1))
    assert entry["empty"] is True and matches == []
    article = kb.add(desk, PRINTER, at(2))
    entry, matches = kb.consult_ticket(desk, number, at(3))
    assert entry["empty"] is False and matches[0]["id"] == article["id"]
    recorded = kb.last_consultation(tickets.get_ticket(desk, number))
    assert recorded["matches"][0]["id"] == article["id"] and recorded["query"]


def test_the_transfer_rule_finds_the_consultation_it_runs(desk, atlas):
    from deskcli.core.calls import qualify

    kb.add(desk, PRINTER, T0)
    number = incident(desk, "Imprimante hors ligne")
    qualify.qualify(desk, number, call_type="incident", impact="user", urgency="blocked",
                    reason=None, now=at(1))
    ticket = treatment.transfer(desk, number, group="network", reason="switch", now=at(2))
    consulted = kb.last_consultation(ticket)
    assert consulted["matches"][0]["title"] == "Imprimante hors ligne"
    assert "_matches" not in json.dumps(ticket)


def qualified(desk, number, when=T0, call_type="incident"):
    from deskcli.core.calls import qualify

    qualify.qualify(desk, number, call_type=call_type, impact="user", urgency="blocked",
                    reason=None, now=when)
    return number


def test_the_loop_from_incident_to_a_known_error_that_search_finds(desk, atlas):
    first = incident(desk, "Le VPN coupe toutes les dix minutes", "Déconnexion du tunnel", "FortiClient")
    second = qualified(desk, incident(desk, "VPN instable", "Le tunnel tombe", "FortiClient"))
    problem = problems.open_from_ticket(desk, first, at(1))
    assert problem["status"] == "open" and problem["incidents"] == [first]
    problems.link(desk, problem["id"], second, at(2))
    with pytest.raises(RuleRefused, match="already linked"):
        problems.link(desk, problem["id"], second, at(3))
    problem, article = problems.known_error(
        desk, problem["id"], cause="Le firmware 7.2 ferme les tunnels inactifs",
        workaround="Utiliser le profil 7.0", now=at(4))
    assert problem["status"] == "known_error" and problem["article"] == article["id"]
    assert article["kind"] == "known_error" and article["tickets"] == [first, second]
    assert article["problem"] == problem["id"]
    found = kb.search(desk, "vpn coupe tunnel")
    assert found[0]["id"] == article["id"] and found[0]["kind"] == "known_error"
    assert tickets.get_ticket(desk, second)["problem"] == problem["id"]
    with pytest.raises(RuleRefused, match="already a known error"):
        problems.known_error(desk, problem["id"], cause="x", workaround="y", now=at(5))


def test_the_problem_and_its_article_are_written_in_one_change(desk, atlas, monkeypatch):
    from deskcli.core.store import storage

    number = incident(desk, "VPN instable")
    problem = problems.open_from_ticket(desk, number, at(1))
    written = []
    original = storage.write_together
    monkeypatch.setattr(storage, "write_together",
                        lambda directory, files, *rest: (written.append(sorted(p.name for p in files)),
                                                         original(directory, files, *rest)))
    problems.known_error(desk, problem["id"], cause="c", workaround="w", now=at(2))
    assert written == [["active.json", KB_FILE]]


def test_a_known_error_is_offered_for_linked_and_similar_incidents(desk, atlas):
    first = incident(desk, "VPN coupe toutes les dix minutes", "Le tunnel VPN se ferme", "FortiClient")
    problem = problems.open_from_ticket(desk, first, at(1))
    problems.known_error(desk, problem["id"], cause="firmware", workaround="profil 7.0", now=at(2))
    offered = problems.known_errors_for(desk, tickets.get_ticket(desk, first))
    assert offered[0]["linked"] is True and offered[0]["resolution"] == "profil 7.0"
    similar = incident(desk, "Le VPN coupe encore", "tunnel fermé", "FortiClient")
    offered = problems.known_errors_for(desk, tickets.get_ticket(desk, similar))
    assert offered and offered[0]["linked"] is False and offered[0]["problem"] == problem["id"]
    unrelated = incident(desk, "Souris cassée", "Le bouton gauche ne clique plus")
    assert problems.known_errors_for(desk, tickets.get_ticket(desk, unrelated)) == []


def test_only_incidents_become_problems(desk, atlas):
    from deskcli.core.calls import qualify

    number = incident(desk, "Nouveau poste pour la stagiaire")
    qualify.qualify(desk, number, call_type="request", impact="user", urgency="minor",
                    reason=None, now=at(1))
    with pytest.raises(RuleRefused, match="service request"):
        problems.open_from_ticket(desk, number, at(2))
    assert problems.list_problems(desk) == []


def test_a_closed_incident_can_be_linked_where_it_is_archived(desk, atlas):
    number = incident(desk, "Disque plein sur le serveur")
    qualified(desk, number, at(1))
    treatment.treat(desk, number, now=at(1), solution="Purge des journaux", definitive=True)
    treatment.close(desk, number, now=at(2))
    assert desk.repo.find_ticket(number)["status"] == "closed"
    other = incident(desk, "Serveur de fichiers saturé")
    problem = problems.open_from_ticket(desk, other, at(3))
    problems.link(desk, problem["id"], number, at(4))
    archived = {t["id"]: t for t in desk.repo.archived_tickets()}[number]
    assert archived["problem"] == problem["id"] and archived["status"] == "closed"


def test_a_call_not_qualified_as_an_incident_is_not_linked_to_a_problem(desk, atlas):
    problem = problems.open_from_ticket(desk, incident(desk, "VPN instable"), at(1))
    unqualified = incident(desk, "VPN coupé")
    with pytest.raises(RuleRefused, match=f"#{unqualified} is not qualified yet.*qualify {unqualified}"):
        problems.link(desk, problem["id"], unqualified, at(2))
    request = qualified(desk, incident(desk, "Nouveau VPN pour la stagiaire"), at(2), "request")
    with pytest.raises(RuleRefused, match="service request"):
        problems.link(desk, problem["id"], request, at(3))
    stranger = incident(desk, "VPN en panne", org="Inconnu SA")
    assert tickets.get_ticket(desk, stranger)["status"] == "not_admissible"
    with pytest.raises(RuleRefused, match="not admissible"):
        problems.link(desk, problem["id"], stranger, at(4))
    assert problems.get(desk, problem["id"])["incidents"] == [problem["incidents"][0]]
    assert tickets.get_ticket(desk, unqualified).get("problem") is None


def test_recurring_incidents_are_grouped_as_candidates(desk, atlas):
    for day in range(3):
        incident(desk, "Imprimante du 2e étage hors ligne", "plus rien ne sort de l'imprimante",
                 when=T0 + timedelta(days=day))
    incident(desk, "Écran noir", "l'écran ne s'allume plus")
    contracts.add_contract(desk, org="Béta SA", org_kind="company", number="C-2",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31), signers=[], now=T0)
    incident(desk, "Imprimante lente", "les pages sortent au ralenti", org="Béta SA")
    old = incident(desk, "Imprimante du 2e étage hors ligne", "plus rien ne sort",
                   when=T0 - timedelta(days=200))
    groups = problems.suggest(desk, at(60 * 24 * 5))
    assert len(groups) == 1
    assert len(groups[0]["tickets"]) == 3 and old not in groups[0]["tickets"]
    assert "atlas sarl" in groups[0]["shared"]
    problem = problems.open_from_ticket(desk, groups[0]["tickets"][0], at(1))
    for number in groups[0]["tickets"][1:]:
        problems.link(desk, problem["id"], qualified(desk, number, at(2)), at(2))
    assert problems.suggest(desk, at(60 * 24 * 5)) == []
    with pytest.raises(InvalidInput, match="--min"):
        problems.suggest(desk, T0, minimum=1)


def test_transfer_and_a_definitive_solution_record_whether_the_base_had_an_answer(desk, atlas):
    kb.add(desk, PRINTER, T0)
    coffee = qualified(desk, incident(desk, "La machine à café fuit", "De l'eau coule sous la cafetière"))
    ticket = treatment.transfer(desk, coffee, group="network", reason="not ours", now=at(1))
    consulted = kb.last_consultation(ticket)
    assert consulted["empty"] is False and consulted["answered"] is False and consulted["matches"] == []
    treatment.treat(desk, coffee, now=at(2), solution="Joint changé", definitive=True)
    history = tickets.get_ticket(desk, coffee)["history"]
    events = [e["event"] for e in history]
    last = len(events) - 1 - events[::-1].index("kb_consulted")
    assert events.count("kb_consulted") == 2 and events[last + 1] == "solution"
    consulted, solution = history[last], history[last + 1]
    assert consulted["answered"] is False and consulted["at"] == solution["at"]
    printer = incident(desk, "Imprimante hors ligne", "L'imprimante réseau n'imprime plus")
    treatment.treat(desk, printer, now=at(3), solution="Port corrigé", definitive=True)
    answered = kb.last_consultation(tickets.get_ticket(desk, printer))
    assert answered["answered"] is True and answered["matches"][0]["title"] == "Imprimante hors ligne"
    assert 0 < answered["matches"][0]["confidence"] <= 1
    temporary = incident(desk, "Imprimante hors ligne")
    treatment.treat(desk, temporary, now=at(4), solution="Prêt d'une imprimante", definitive=False)
    assert kb.last_consultation(tickets.get_ticket(desk, temporary)) is None
