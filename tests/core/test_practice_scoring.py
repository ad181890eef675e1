"""Scoring that measures the act: each way of getting points without doing it, refused."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from deskcli.core import practice
from deskcli.core.base.errors import InvalidInput

NOON = datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc)
CALLS = [s.name for s in practice.list_scenarios(None) if s.kind == "call"]
# Every keyword of every shipped scenario in one line: confirmed in all of them before.
DUMP = " ".join(k.split("|")[0] for s in practice.list_scenarios(None)
                for k in s.problem.get("keywords", []))


def play(home, name, student="salma", **changes):
    scenario = practice.find_scenario(home, name)
    answers = dict(practice.right_answers(scenario), **changes)
    call = practice.PracticeCall(scenario, practice.sandbox(home, student, scenario), student, NOON)
    return call, practice.play_answers(call, answers, NOON)


def lost(card):
    return {i["key"]: i for i in card["items"] if not i["ok"]}


@pytest.mark.parametrize("text, reason", [
    ("asdfgh qwerty chargé", "sentence"),
    ("asdfgh qwerty zorglub, le serveur ne démarre plus", "recognise"),
    ("Le serveur démarre correctement, aucun problème", "all is well"),
    ("Le serveur démarre bien depuis ce matin", "opposite"),
    ("Le serveur plante", "sentence"),
    ("Le serveur est lent pour les utilisateurs", "leaves out"),
])
def test_a_reformulation_must_say_what_the_caller_said(home, text, reason):
    call, card = play(home, "serveur-directeur", reformulation=[text])
    item = lost(card)["reformulation"]
    assert reason in item["fault"]
    assert item["model"] == "Le serveur ne démarre plus, toute l'entreprise est bloquée"


@pytest.mark.parametrize("name", CALLS)
def test_a_dump_of_keywords_is_confirmed_in_no_call(home, name):
    _, card = play(home, name, reformulation=[DUMP])
    assert "reformulation" in lost(card)


def test_the_caller_says_the_problem_before_it_can_be_reformulated(home):
    asked = [q for q in practice.QUESTIONS if q not in ("problem", *practice.SAID)]
    _, card = play(home, "serveur-directeur", asked=asked)
    assert "not yet described" in lost(card)["reformulation"]["fault"]


def test_a_reformulation_has_three_tries(home):
    tries = ["Il y a un souci avec le serveur"] * 3 + ["Le serveur ne démarre plus du tout"]
    with pytest.raises(InvalidInput, match="no try left"):
        play(home, "serveur-directeur", reformulation=tries)
    _, card = play(home, "serveur-directeur", reformulation=tries[2:])
    assert "reformulation" not in lost(card)


def test_nothing_asked_scores_neither_identification_nor_admissibility(home):
    _, card = play(home, "serveur-directeur", asked=[], reformulation=[])
    missed = lost(card)
    assert "identification_time" not in {i["key"] for i in card["items"] if i["ok"]}
    assert "admissible" in missed and "repository was never checked" in missed["admissible"]["fault"]
    _, card = play(home, "sans-contrat", asked=[], reformulation=[])
    assert "admissible" in lost(card)


def test_the_group_a_call_is_transferred_to_is_scored(home):
    _, card = play(home, "reseau-procedure", group="office-software")
    item = lost(card)["group"]
    assert (item["answer"], item["expected"]) == ("office-software", "network")
    with pytest.raises(InvalidInput, match="names the group"):
        play(home, "reseau-procedure", group=None)


def test_the_greeting_is_typed_and_must_name_the_company_and_the_student(home):
    _, card = play(home, "serveur-directeur", greeting="Allô, oui ?")
    missed = lost(card)
    assert {"greeting", "introduction"} <= set(missed)
    assert missed["greeting"]["model"].startswith("InfoServices, bonjour ! salma")
    _, card = play(home, "serveur-directeur", greeting="info services bonjour, SALMA à l'appareil")
    assert not {"greeting", "introduction"} & set(lost(card))
    with pytest.raises(InvalidInput, match="said, not asked"):
        play(home, "serveur-directeur", asked=["greeting"])


def test_the_priority_is_read_from_the_grid_by_the_student(home):
    _, card = play(home, "serveur-directeur", priority=2)
    item = lost(card)["priority"]
    assert (item["answer"], item["expected"]) == (2, 1)
    _, card = play(home, "serveur-directeur", priority=None)
    assert "priority" in lost(card)


@pytest.mark.parametrize("told, fault", [
    ("On va vous le réparer gratuitement cette fois, pas de souci.", "free repair"),
    ("Désolé, je ne peux rien faire pour vous. Au revoir.", "purchase order"),
    ("Sans contrat c'est payant.", "purchase order"),
])
def test_the_not_admissible_explanation_is_written(home, told, fault):
    call, card = play(home, "sans-contrat", told=told)
    item = lost(card)["told"]
    assert fault in item["fault"] and "bon de commande" in item["model"]
    ticket = call.desk.repo.find_ticket(card["sandbox_ticket"])
    said = [h for h in ticket["history"] if h["event"] == "admissibility"][0]
    assert said["explanation"] == told, "the sandbox keeps what the student really said"


def test_the_model_explanation_scores(home):
    _, card = play(home, "sans-contrat")
    assert card["percent"] == 100


def test_the_story_time_counts_on_the_clock(home):
    """« Vous la guidez depuis douze minutes »: level 1's ten minutes are up, whatever the
    reading took; what is scored is handing the call over."""
    quick = {"identification_minutes": 2, "treatment_minutes": 0.5}
    _, card = play(home, "table-des-matieres", clock=quick)
    item = next(i for i in card["items"] if i["key"] == "level1_time")
    assert item["ok"] and item["answer"] == 12.5 and "Handed over" in item["label"]
    _, card = play(home, "table-des-matieres", clock=quick, treatment="direct")
    assert {"treatment", "level1_time"} <= set(lost(card))
    assert card["minutes"]["level1"] == 12.5


def test_the_prompt_clock_runs_with_the_story_and_warns(home):
    from datetime import timedelta

    from freezegun import freeze_time

    from deskcli.ui import practice as practice_ui

    scenario = practice.find_scenario(home, "table-des-matieres")
    with freeze_time(NOON) as frozen:
        call = practice.PracticeCall(scenario, practice.sandbox(home, "s", scenario), "s", NOON)
        clocked = practice_ui._Clocked("Your decision{clock}:",
                                       lambda: practice_ui._elapsed(call, NOON, 10, "treatment"))
        assert f"{clocked}" == "Your decision [12:00 of 10:00 — time is up!]:"
        frozen.tick(timedelta(seconds=75))
        assert " {} ".format(clocked) == " Your decision [13:15 of 10:00 — time is up!]: "
        assert practice_ui._elapsed(call, NOON, 10, "checklist") == " [1:15 of 10:00]"


def test_variants_are_drawn_at_each_play_and_checked(home, tmp_path):
    import random

    scenario = practice.find_scenario(home, "imprimante-assistante")
    assert scenario.caller["name"] == "Nadia Bennani"  # as written: its first values
    drawn = {practice.draw(scenario, random.Random(seed)).equipment["device"]
             for seed in range(30)}
    assert drawn == {"HP LaserJet Pro M404", "Brother HL-L2350DW", "Canon i-SENSYS LBP223dw"}
    played = practice.draw(scenario, random.Random(3))
    call = practice.PracticeCall(played, practice.sandbox(home, "salma", played), "salma", NOON)
    assert played.equipment["device"] in call.ask("equipment")
    assert practice.play_answers(call, practice.right_answers(played), NOON)["variant"] == \
        played.variant
    source = (practice.find_scenario(home, "mot-de-passe").path.read_text(encoding="utf-8")
              .replace('essais = ["trois", "cinq"]', 'essais = ["trois"]\npiece = ["x"]')
              .replace("{poste}, Windows", "{ordinateur}, Windows"))
    broken = tmp_path / "broken.toml"
    broken.write_text(source, encoding="utf-8")
    _, problems = practice.check_scenario(broken)
    text = "\n".join(problems)
    assert "variants.piece: no text says {piece}" in text
    assert "{ordinateur} is used in a text but is no variant" in text


def test_every_part_of_the_procedure_is_exercised_by_a_scenario():
    from deskcli.core.practice.coherence import parts_of

    covered: dict[str, list[str]] = {}
    for scenario in practice.list_scenarios(None):
        for part in parts_of(scenario):
            covered.setdefault(part, []).append(scenario.name)
    assert [p for p in practice.PARTS if p not in covered] == []
    # Each part a question claims is scored: the question is there, with its rule.
    for scenario in practice.list_scenarios(None):
        for question in scenario.questions:
            assert not question.get("part") or question["rule"] and question["section"]


def test_callers_come_from_several_organisations_and_channels():
    from collections import Counter

    scenarios = practice.list_scenarios(None)
    organisations = Counter(s.caller.get("organisation") or s.caller.get("name")
                            for s in scenarios)
    assert len(organisations) >= 10
    assert organisations.most_common(1)[0][1] * 3 <= len(scenarios), organisations
    assert {s.caller.get("channel", "phone") for s in scenarios} >= {"phone", "email", "chat"}


def test_the_intervention_report_is_written_and_scored(home):
    _, card = play(home, "compte-rendu-signature", report="C'est réparé.")
    item = lost(card)["report"]
    assert "260 W" in item["model"]
    _, card = play(home, "compte-rendu-signature", questions={"signature": 1})
    assert "question:signature" in lost(card)
    assert "non habilitée" in lost(card)["question:signature"]["rule"]


def test_a_billed_service_is_served_under_its_purchase_order(home):
    call, card = play(home, "courriel-bon-de-commande")
    assert card["percent"] == 100
    ticket = call.desk.repo.find_ticket(card["sandbox_ticket"])
    admissibility = [h for h in ticket["history"] if h["event"] == "admissibility"][0]
    assert admissibility["basis"] == "billed" and admissibility["purchase_order"] == "BC-2026-114"
    _, card = play(home, "courriel-bon-de-commande", admissible=False, told="Désolé, non.")
    assert "admissible" in lost(card)


# Reformulations a student would really say: the caller confirms these…
FAIR = [
    ("serveur-directeur", "Le serveur de fichiers est en panne au démarrage, plus personne ne peut travailler"),
    ("serveur-directeur", "Donc le serveur bipe puis s'arrête, il ne démarre pas."),
    ("serveur-directeur", "Si je comprends bien, votre serveur ne démarre plus depuis ce matin ?"),
    ("imprimante-assistante", "Votre imprimante est hors ligne et n'imprime plus depuis ce matin, c'est bien ça ?"),
    ("mot-de-passe", "Vous ne pouvez plus vous connecter car votre session est bloquée ?"),
    ("reseau-procedure", "Les postes de votre service ne se connectent plus au partage."),
    ("reseau-procedure", "Toute la comptabilité n'a plus accès au réseau depuis une heure."),
    ("disque-dur", "Le PC ne boote plus et le disque cliquette."),
    ("vip-messagerie", "Vos messages ne partent plus parce que la boîte est pleine."),
]
# …and refuses these, which say the opposite.
OPPOSITE = [
    ("serveur-directeur", "Le serveur démarre bien"),
    ("imprimante-assistante", "L'imprimante n'est pas hors ligne et marche"),
    ("mot-de-passe", "Votre compte n'est pas verrouillé"),
    ("disque-dur", "Le PC démarre et le disque fait du bruit"),
    ("vip-messagerie", "Vos messages partent bien, la boîte n'est pas pleine"),
]


@pytest.mark.parametrize("name, text", FAIR)
def test_a_fair_reformulation_is_confirmed(name, text):
    assert practice.judge_reformulation(practice.find_scenario(None, name), text).confirmed


@pytest.mark.parametrize("name, text", OPPOSITE)
def test_a_reformulation_saying_the_opposite_is_refused(name, text):
    verdict = practice.judge_reformulation(practice.find_scenario(None, name), text)
    assert not verdict.confirmed and "opposite" in verdict.reason


def test_no_rule_names_a_seed_file():
    rules = [*practice.RULES.values(), *practice.TREATMENT_RULES.values()]
    assert not [r for r in rules if "seed" in r.section + r.text]
    for scenario in practice.list_scenarios(None):
        for text in (scenario.why or {}).values():
            assert "seed" not in text, scenario.name
