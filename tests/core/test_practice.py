"""Practice calls: every shipped scenario, its right answers, the typical wrong ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from deskcli.core import practice
from deskcli.core.calls import tickets
from deskcli.core.base.errors import InvalidInput, NotFound

SCENARIOS = practice.list_scenarios(None)
NAMES = [s.name for s in SCENARIOS]
NOON = datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc)


def play(home, name, answers, student="salma", now=NOON):
    scenario = practice.find_scenario(home, name)
    call = practice.PracticeCall(scenario, practice.sandbox(home, student, scenario), student, now)
    return call, practice.play_answers(call, answers, now)


def lost(card):
    return {i["key"]: i for i in card["items"] if not i["ok"]}


def test_at_least_fifteen_scenarios_in_french_ship():
    assert len(SCENARIOS) >= 15
    for scenario in SCENARIOS:
        words = (scenario.title + " " + scenario.summary).lower()
        assert any(w in words.split() for w in ("le", "la", "les", "un", "une", "du", "des")), \
            scenario.name


def test_the_seeds_situations_are_covered():
    calls = [s for s in SCENARIOS if s.kind == "call"]
    treatments = {s.expected.get("treatment") for s in calls if s.expected.get("admissible", True)}
    assert treatments >= {"direct", "deferred", "transfer", "escalate", "intervene", "problem"}
    assert {s.expected.get("escalation_kind") for s in calls} >= {"functional", "hierarchical"}
    assert any(not s.expected.get("admissible", True) and s.caller.get("kind") == "individual"
               for s in calls)
    assert any(s.kind == "abandoned" for s in SCENARIOS)
    assert any(any(not m["definitive"] for m in s.closing) and s.closing[-1]["definitive"]
               for s in calls), "a loan, then a replacement"
    assert any(s.expected.get("impact") == "department" and "vip" in s.why.get("impact", "").lower()
               for s in calls)


@pytest.mark.parametrize("name", NAMES)
def test_right_answers_score_full_marks(home, name):
    scenario = practice.find_scenario(home, name)
    call, card = play(home, name, practice.right_answers(scenario))
    assert card["score"] == card["max"] > 0, lost(card)
    assert card["percent"] == 100
    assert card["desk_said"] == [], "the sandbox refused a step of the right answers"
    if scenario.kind == "abandoned":
        assert call.desk.repo.abandoned_calls("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
        return
    ticket = call.desk.repo.find_ticket(card["sandbox_ticket"])
    if not scenario.expected.get("admissible", True):
        assert ticket["status"] == "not_admissible"
    elif scenario.closing and scenario.closing[-1]["definitive"]:
        assert ticket["status"] == "closed"
    else:
        assert ticket["status"] in ("open", "pending")


def test_the_sandbox_is_not_the_desk(home, desk):
    scenario = practice.find_scenario(home, "serveur-directeur")
    play(home, "serveur-directeur", practice.right_answers(scenario))
    assert tickets.list_tickets(desk) == []
    assert desk.repo.archived_tickets() == []


def test_escalating_instead_of_transferring_loses_the_treatment(home):
    scenario = practice.find_scenario(home, "reseau-procedure")
    answers = dict(practice.right_answers(scenario), treatment="escalate",
                   escalation_kind="functional")
    _, card = play(home, "reseau-procedure", answers)
    missed = lost(card)
    assert set(missed) == {"treatment", "group"}
    assert card["score"] == card["max"] - 4
    item = missed["treatment"]
    assert item["answer"] == "escalate" and item["expected"] == "transfer"
    assert "« Traiter un ticket d'incident » §4.3.3" in item["section"]
    assert "step-by-step procedure" in item["rule"]
    assert "pas à pas" in item["why"]


def test_transferring_a_level_one_problem_is_not_an_escalation(home):
    scenario = practice.find_scenario(home, "table-des-matieres")
    answers = dict(practice.right_answers(scenario), treatment="transfer",
                   group="office-software")
    _, card = play(home, "table-des-matieres", answers)
    missed = lost(card)
    # The kind of escalation is lost with it: the call was never escalated.
    assert set(missed) == {"treatment", "escalation_kind"}
    assert card["score"] == card["max"] - 4
    assert "escalade" in missed["treatment"]["why"]


def test_a_wrong_impact_costs_the_impact_and_the_priority(home):
    scenario = practice.find_scenario(home, "vip-messagerie")
    answers = dict(practice.right_answers(scenario), impact="user")
    _, card = play(home, "vip-messagerie", answers)
    missed = lost(card)
    assert set(missed) == {"impact", "priority"}
    assert card["score"] == card["max"] - 3
    # The grid read for the impact the student chose: « one user » and blocked give 3.
    assert missed["priority"]["answer"] == 2 and missed["priority"]["expected"] == 3
    assert "« Traiter un ticket d'incident » §2.5.2.1" in missed["impact"]["section"]
    assert "VIP" in missed["impact"]["why"]


def test_closing_on_a_loan_is_wrong_and_the_desk_refuses_it(home):
    scenario = practice.find_scenario(home, "imprimante-pret-remplacement")
    answers = dict(practice.right_answers(scenario), closing=[True, True])
    call, card = play(home, "imprimante-pret-remplacement", answers)
    missed = lost(card)
    assert set(missed) == {"closing:1"}
    assert card["score"] == card["max"] - 2
    assert "« Traiter un ticket d'incident » §5.1" in missed["closing:1"]["section"]
    assert "prêt" in missed["closing:1"]["why"]
    assert any("temporary solution" in said for said in card["desk_said"])
    # The replacement then closes it, as the procedure allows.
    assert call.desk.repo.find_ticket(card["sandbox_ticket"])["status"] == "closed"


def test_stopping_a_call_without_explaining_billing_loses_a_point(home):
    scenario = practice.find_scenario(home, "sans-contrat")
    answers = dict(practice.right_answers(scenario), told="nothing")
    _, card = play(home, "sans-contrat", answers)
    missed = lost(card)
    assert set(missed) == {"told"}
    assert "bon de commande" in missed["told"]["rule"] and "« Identification de la demande » §5" in missed["told"]["section"]


def test_refusing_an_admissible_call_ends_it_with_nothing_more_scored(home):
    scenario = practice.find_scenario(home, "disque-dur")
    answers = dict(practice.right_answers(scenario), admissible=False, told="billing")
    call, card = play(home, "disque-dur", answers)
    missed = lost(card)
    assert {"admissible", "type", "impact", "urgency", "treatment", "diagnosis",
            "closing:1", "question:date"} <= set(missed)
    assert not missed["treatment"]["reached"]
    assert call.decided.treatment is None


def test_a_vague_diagnosis_does_not_send_a_technician(home):
    scenario = practice.find_scenario(home, "disque-dur")
    answers = dict(practice.right_answers(scenario), diagnosis="le PC est en panne")
    _, card = play(home, "disque-dur", answers)
    assert set(lost(card)) == {"diagnosis", "request"}
    assert "« Traiter un ticket d'incident » §4.3.4" in lost(card)["diagnosis"]["section"]
    assert "non détecté par le BIOS" in lost(card)["diagnosis"]["model"]
    assert "neither the equipment" in lost(card)["request"]["fault"]["message"]


def test_an_intervention_without_diagnosis_is_refused_by_the_desk(home):
    scenario = practice.find_scenario(home, "disque-dur")
    answers = practice.right_answers(scenario)
    del answers["diagnosis"]
    _, card = play(home, "disque-dur", answers)
    assert "diagnosis" in lost(card)
    assert any("precise diagnosis" in said for said in card["desk_said"])


def test_facts_are_revealed_and_recorded_only_when_asked(home):
    scenario = practice.find_scenario(home, "serveur-directeur")
    call = practice.PracticeCall(scenario, practice.sandbox(home, "s", scenario), "s", NOON)
    assert "PowerEdge" in call.ask("equipment")
    assert call.remaining_questions() == [k for k in practice.QUESTIONS
                                          if k not in ("equipment", *practice.SAID)]
    assert call.reformulate("Le serveur ne démarre plus")[1].startswith("Mais je ne vous ai pas")
    with pytest.raises(InvalidInput):
        call.ask("birthday")
    call.ask("problem")
    assert call.reformulate("Il y a un souci") == (False, scenario.replies["reformulation_no"])
    assert call.reformulate("Le serveur ne démarre plus")[0]
    call.decide_admissibility(True, None, NOON)
    ticket = tickets.get_ticket(call.desk, call.ticket_id)
    assert ticket["equipment"]["device"] == "Dell PowerEdge T150"
    assert ticket["caller"]["contact"] is None and ticket["organisation"]["kind"] == "individual"
    assert ticket["reformulation"] == "Le serveur ne démarre plus"
    assert not call.reformulation_tries_left()
    # Never asked for the organisation nor the contract: the repository finds none.
    assert ticket["status"] == "not_admissible"
    card = call.finish(NOON)
    assert {"caller", "organisation", "contact", "contract"} <= set(lost(card))


def test_each_checklist_question_and_treatment_quotes_its_own_rule(home):
    """"problem" is a question of the checklist and a treatment: each has its rule."""
    scenario = practice.find_scenario(home, "serveur-directeur")
    answers = dict(practice.right_answers(scenario),
                   asked=[k for k in practice.QUESTIONS if k not in ("problem", *practice.SAID)],
                   treatment="problem")
    _, card = play(home, "serveur-directeur", answers)
    missed = lost(card)
    assert "caller's own words" in missed["problem"]["rule"]
    assert "« Traiter un ticket d'incident » §2.3" in missed["problem"]["section"]
    assert "cause cannot be identified" in missed["treatment"]["applied_rule"]
    assert "« Traiter un ticket d'incident » §4.4" in missed["treatment"]["applied_section"]


def test_keywords_match_word_beginnings_phrases_and_alternatives():
    keywords = ["serveur", "demarr|allum", "hors ligne"]
    assert practice.matches("Le SERVEUR ne démarre plus, il est hors ligne", keywords)
    assert practice.matches("serveurs qui ne s'allument pas, hors-ligne hors ligne", keywords)
    assert not practice.matches("Le serveur ne démarre plus", keywords)
    assert not practice.matches("Le observeur démarre, hors ligne", keywords)


def test_the_clock_scores_identification_and_level_one_time(home):
    scenario = practice.find_scenario(home, "imprimante-assistante")
    right = practice.right_answers(scenario)
    _, quick = play(home, scenario.name, dict(right, clock={"identification_minutes": 4,
                                                            "treatment_minutes": 9}))
    assert quick["timed"] and quick["score"] == quick["max"]
    assert {"identification_time", "level1_time"} <= {i["key"] for i in quick["items"]}
    _, slow = play(home, scenario.name, dict(right, clock={"identification_minutes": 7,
                                                           "treatment_minutes": 12.5}))
    missed = lost(slow)
    assert set(missed) == {"identification_time", "level1_time"}
    assert missed["identification_time"]["answer"] == 7.0
    assert missed["level1_time"]["answer"] == 12.5
    assert "« Traiter un ticket d'incident » §2.3" in missed["identification_time"]["section"]
    _, untimed = play(home, scenario.name, right)
    assert not untimed["timed"]
    assert not {"identification_time", "level1_time"} & {i["key"] for i in untimed["items"]}


def test_the_interactive_clock_runs_on_real_time(home):
    scenario = practice.find_scenario(home, "mot-de-passe")
    call = practice.PracticeCall(scenario, practice.sandbox(home, "Salma", scenario), "Salma", NOON)
    call.greet("InfoServices bonjour, Salma à l'appareil")
    for key in call.remaining_questions():
        call.ask(key)
    call.reformulate("Son compte est verrouillé")
    call.finish_checklist(NOON + timedelta(minutes=6))
    call.decide_admissibility(True, None, NOON + timedelta(minutes=6))
    call.qualify("request", "user", "blocked", NOON + timedelta(minutes=7), priority=3)
    call.treat("direct", NOON + timedelta(minutes=11))
    card = call.finish(NOON + timedelta(minutes=12))
    assert set(lost(card)) == {"identification_time", "closing:1"}
    assert card["minutes"] == {"identification": 6.0, "level1": 4.0}


def test_a_broken_scenario_is_named_with_its_key(home, tmp_path):
    folder = home / "scenarios"
    folder.mkdir(parents=True)
    good = practice.find_scenario(None, "vip-messagerie").path.read_text(encoding="utf-8")
    (folder / "vip-messagerie.toml").write_text(good.replace("priority = 2", "priority = 1"),
                                                encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"vip-messagerie.toml: expected.priority: the grid gives 2"):
        practice.find_scenario(home, "vip-messagerie")
    (folder / "vip-messagerie.toml").write_text(good.replace('treatment = "direct"',
                                                             'treatment = "pray"'), encoding="utf-8")
    with pytest.raises(InvalidInput, match="expected.treatment: 'pray' is not one of"):
        practice.find_scenario(home, "vip-messagerie")
    (folder / "vip-messagerie.toml").write_text("title = [", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        practice.find_scenario(home, "vip-messagerie")
    with pytest.raises(NotFound):
        practice.find_scenario(home, "nothing-like-it")


def test_a_teachers_scenario_joins_the_list(home):
    folder = home / "scenarios"
    folder.mkdir(parents=True)
    text = practice.find_scenario(None, "internet-lent").path.read_text(encoding="utf-8")
    (folder / "mon-cas.toml").write_text(text.replace("Internet un peu lent", "Mon cas"),
                                         encoding="utf-8")
    names = {s.name: s for s in practice.list_scenarios(home)}
    assert names["mon-cas"].title.startswith("Mon cas") and len(names) == len(NAMES) + 1


def test_the_summary_follows_each_student_and_the_class(home):
    vip = practice.find_scenario(home, "vip-messagerie")
    right = practice.right_answers(vip)
    for student, answers in (("Salma", dict(right, impact="user")), ("Salma", right),
                             ("Omar", dict(right, impact="user", urgency="degraded"))):
        _, card = play(home, vip.name, answers, student=student)
        practice.keep_result(home, card)
    report = practice.summary(practice.results(home))
    salma, omar = sorted(report["students"], key=lambda s: s["student"], reverse=True)
    assert salma["student"] == "Salma" and salma["calls"] == 2
    assert salma["last_percent"] == 100 and salma["first_percent"] < 100
    assert salma["frequent_mistakes"][0]["item"] in ("impact", "priority")
    assert report["class"]["calls"] == 3 and report["class"]["students"] == 2
    assert report["class"]["frequent_mistakes"][0] == {
        "item": "impact", "label": "Impact", "section": "course « Traiter un ticket d'incident » §2.5.2.1",
        "count": 2}
    assert [r["student"] for r in practice.results(home, "salma")] == ["Salma", "Salma"]


def test_items_a_call_never_reached_are_not_counted_as_mistakes(home):
    scenario = practice.find_scenario(home, "disque-dur")
    _, card = play(home, scenario.name, dict(practice.right_answers(scenario), admissible=False,
                                             told="billing"))
    practice.keep_result(home, card)
    mistakes = practice.summary(practice.results(home))["class"]["frequent_mistakes"]
    assert mistakes == [{"item": "admissible", "section": "course « Identification de la demande » §5",
                         "count": 1, "label": "Admissibility"}]


def test_the_repository_verdict_is_said_in_the_students_language(home):
    from deskcli import i18n

    scenario = practice.find_scenario(home, "vip-messagerie")
    call = practice.PracticeCall(scenario, practice.sandbox(home, "s", scenario), "s", NOON)
    unknown = call.repository_verdict()
    call.ask("organisation")
    known = call.repository_verdict()
    assert str(known).startswith("contract C-HOR-2026 valid until ")
    i18n.activate("fr")
    try:
        assert i18n.shown(known).startswith("contrat C-HOR-2026 valide jusqu'au ")
        assert i18n.shown(unknown).startswith("(appelant non identifié) n'a ni contrat")
    finally:
        i18n.activate("en")
