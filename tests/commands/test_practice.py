"""`deskcli practice` through its entry point: answers from a file, real prompts, the report."""

from __future__ import annotations

import threading

import pytest
from freezegun import freeze_time
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from deskcli.ui import prompts
from tests.commands.test_french import english_words, french  # noqa: F401 (a fixture)

ENTER = "\r"
DOWN = "\x1b[B"

RIGHT = """\
greeting = "InfoServices, bonjour ! Salma à l'appareil, que puis-je pour vous ?"
asked = ["caller", "organisation", "contact", "equipment", "problem", "contract"]
reformulation = ["Il a un souci", "Le PC ne démarre plus et fait un cliquetis"]
admissible = true
type = "incident"
impact = "user"
urgency = "blocked"
priority = 3
consulted_kb = true
treatment = "intervene"
diagnosis = "PC Lenovo ThinkCentre d'Omar Chraibi : disque dur non détecté par le BIOS, cliquetis : à remplacer"
closing = [true]
questions = { date = 2 }
"""


@pytest.fixture
def answers(tmp_path):
    def write(text: str):
        path = tmp_path / "answers.toml"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_list_shows_every_scenario(deskcli, monkeypatch):
    result = deskcli("practice", "--list", "--json")
    assert result.exit_code == 0
    listed = result.json()
    assert len(listed) >= 15
    assert {"serveur-directeur", "table-des-matieres", "appel-perdu"} <= {s["name"] for s in listed}
    monkeypatch.setenv("COLUMNS", "80")
    lines = deskcli("practice", "--list").stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    disk = next(i for i, line in enumerate(lines) if line.startswith("disque-dur "))
    assert lines[disk].endswith("Le disque dur qui claque")
    assert lines[disk + 1].startswith("    Un commercial")


def test_a_call_from_a_file_of_answers_is_scored_and_kept(deskcli, answers, desk):
    result = deskcli("practice", "--scenario", "disque-dur", "--student", "Salma",
                     "--answers", answers(RIGHT), "--json")
    assert result.exit_code == 0, result.stderr
    card = result.json()
    assert card["score"] == card["max"] and card["student"] == "Salma"
    assert card["items"][8]["key"] == "reformulation" and card["items"][8]["ok"]
    # The practice call never reaches the desk's own tickets.
    assert deskcli("list", "--json").json() == []
    report = deskcli("practice", "report", "--json").json()
    assert report["students"][0]["student"] == "Salma"
    assert report["students"][0]["sessions"][0]["percent"] == 100


def test_the_feedback_quotes_the_rule_and_its_section(deskcli, answers):
    wrong = RIGHT.replace('treatment = "intervene"', 'treatment = "transfer"\ngroup = "workstation"')
    result = deskcli("practice", "--scenario", "disque-dur", "--student", "Omar",
                     "--answers", answers(wrong))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "✗ Treatment (0/3): your answer transfer, expected intervene" in out
    assert "Rule (course « Traiter un ticket d'incident » §4.3.4" in out
    assert "Here: La panne est de toute évidence matérielle" in out
    assert "✗ Knowledge base" not in out  # no transfer was expected: no KB item
    assert "✗ A precise diagnosis" in out
    text = deskcli("practice", "report", "--student", "omar").stdout
    assert "Omar: 1 call," in text and "Treatment" in text and "« Traiter un ticket d'incident » §4.3.4" in text


def test_practice_needs_a_terminal_or_answers(deskcli):
    result = deskcli("practice", "--scenario", "disque-dur")
    assert result.exit_code == 2
    assert "--answers FILE" in result.stderr


def test_bad_inputs_are_named(deskcli, answers):
    assert deskcli("practice", "--scenario", "nope", "--answers", answers(RIGHT)).exit_code == 1
    result = deskcli("practice", "--scenario", "disque-dur", "--answers", answers("admissible = 3"))
    assert result.exit_code == 2 and "admissible" in result.stderr
    result = deskcli("practice", "--scenario", "disque-dur",
                     "--answers", answers(RIGHT + "\n[questions.x]\n"))
    assert result.exit_code == 2
    result = deskcli("practice", "--scenario", "disque-dur", "--student", "!!!",
                     "--answers", answers(RIGHT))
    assert result.exit_code == 2 and "--student" in result.stderr
    missing = deskcli("practice", "--scenario", "disque-dur", "--answers", "/nonexistent.toml")
    assert missing.exit_code == 2 and "cannot be read" in missing.stderr


def test_no_clock_leaves_time_out_of_the_score(deskcli, answers):
    timed = RIGHT + "[clock]\nidentification_minutes = 8\ntreatment_minutes = 3\n"
    result = deskcli("practice", "--scenario", "disque-dur", "--student", "Salma", "--answers",
                     answers(timed), "--json")
    card = result.json()
    assert [i["key"] for i in card["items"] if not i["ok"]] == ["identification_time"]
    result = deskcli("practice", "--scenario", "disque-dur", "--student", "Salma", "--answers",
                     answers(timed), "--no-clock", "--json")
    assert result.json()["score"] == result.json()["max"]


def test_without_a_scenario_the_least_played_one_comes(deskcli, answers, home):
    played = set()
    for _ in range(3):
        result = deskcli("practice", "--student", "Nadia", "--answers",
                         answers('admissible = false\ntold = "billing"\nabandoned = "record"\n'),
                         "--json")
        assert result.exit_code == 0, result.stderr
        played.add(result.json()["scenario"])
    assert len(played) == 3


@pytest.fixture
def keyed(deskcli):
    """Run `deskcli practice` on scripted keystrokes through the real prompts."""

    def run(keys: str, *args: str):
        with create_pipe_input() as pipe:
            pipe.send_text(keys)
            with prompts.scripted(pipe, DummyOutput()):
                outcome = {}
                worker = threading.Thread(
                    target=lambda: outcome.update(r=deskcli("practice", *args)), daemon=True)
                worker.start()
                worker.join(timeout=30)
                assert not worker.is_alive(), "the prompts waited for more keystrokes"
                return outcome["r"]

    return run


# The assistant's printer: every checklist question in order (the first remaining one is
# always on top), a reformulation refused then confirmed, then the decisions.
PRINTER_CALL = "".join([
    "InfoServices bonjour, Nadia à l'appareil" + ENTER,  # the greeting, typed
    ENTER * 6,                                   # the six checklist questions
    ENTER, "Elle a un souci" + ENTER,            # reformulate: not what she said
    ENTER, "L'imprimante est hors ligne" + ENTER,  # reformulate again: confirmed
    DOWN + ENTER,                                # checklist done
    "y",                                         # admissible
    ENTER,                                       # incident
    DOWN + DOWN + ENTER,                         # impact: one user
    DOWN + ENTER,                                # urgency: degraded
    DOWN * 3 + ENTER,                            # priority 4, read from the grid
    ENTER,                                       # search the knowledge base
    ENTER,                                       # treat it directly
    "y",                                         # close once the page is printed
])


def test_a_call_taken_at_the_prompts(keyed):
    with freeze_time("2026-11-24 10:00:00"):
        result = keyed(PRINTER_CALL, "--scenario", "imprimante-assistante", "--student", "Nadia")
    assert result.exit_code == 0, result.stderr
    assert any(f"Caller: « Une {printer}" in result.stderr for printer in (
        "HP LaserJet Pro M404", "Brother HL-L2350DW", "Canon i-SENSYS LBP223dw"))
    assert "Non, ce n'est pas tout à fait ça" in result.stderr
    assert "✓ Priority (from the grid) (1/1)" in result.stdout
    assert "Knowledge base: Fiche KB « Imprimante hors ligne »" in result.stderr
    assert "Score: 24/24 (100%)" in result.stdout
    assert "✓ Caller and problem identified in time (minutes)" in result.stdout


def test_a_wrong_move_at_the_prompts_gets_its_feedback(keyed):
    keys = PRINTER_CALL.replace(DOWN + DOWN + ENTER, ENTER, 1)  # impact: whole company
    result = keyed(keys, "--scenario", "imprimante-assistante", "--no-clock", "--student", "Nadia")
    assert result.exit_code == 0, result.stderr
    assert "✗ Impact (0/2): your answer company, expected user" in result.stdout
    assert "Rule (course « Traiter un ticket d'incident » §2.5.2.1)" in result.stdout
    assert "Here: Une seule utilisatrice est touchée" in result.stdout
    # Priority 4 is not what the grid gives for the impact chosen (company, degraded: 2).
    assert "✗ Priority (from the grid) (0/1): your answer 4, expected 2" in result.stdout
    assert "What to say: « impact company × urgency degraded: priority 2 »" in result.stdout
    assert "Score: 19/22" in result.stdout
    assert "identified in time" not in result.stdout


def test_a_practice_call_in_french(deskcli, answers, french):
    """The scorecard, its rules and the class report in French; the JSON card unchanged."""

    wrong = (RIGHT.replace('treatment = "intervene"', 'treatment = "transfert"\ngroup = "workstation"')
             .replace('impact = "user"', 'impact = "utilisateur"')
             .replace('urgency = "blocked"', 'urgency = "bloqué"'))
    with pytest.MonkeyPatch.context() as english_session:
        english_session.setenv("DESKCLI_LANG", "en")
        english = deskcli("practice", "--scenario", "disque-dur", "--student", "Omar",
                          "--answers", answers(wrong), "--json").json()
    french.clear()  # what an English session looked up is no French message missing
    card = deskcli("practice", "--scenario", "disque-dur", "--student", "Omar",
                   "--answers", answers(wrong), "--json").json()
    for moment in ("started_at", "finished_at", "id"):
        card.pop(moment), english.pop(moment)
    assert card == english
    result = deskcli("practice", "--scenario", "disque-dur", "--student", "Omar",
                     "--answers", answers(wrong))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "✗ Traitement (0/3)\u00a0: votre réponse transfert, attendu intervention" in out
    assert "Règle (cours «\u00a0Traiter un ticket d'incident\u00a0» §4.3.4)" in out
    assert "Pas ceci (cours «\u00a0Traiter un ticket d'incident\u00a0» §4.3.3)" in out
    assert "✓ Demander le matériel et son environnement (1/1)" in out
    assert "Note\u00a0: " in out
    assert english_words(out) == []
    deskcli("practice", "--scenario", "disque-dur", "--student", "Omar", "--answers",
            answers(RIGHT.replace("Salma", "Omar")))
    deskcli("practice", "--scenario", "disque-dur", "--student", "Omar", "--answers", answers(RIGHT))
    report = deskcli("practice", "report").stdout
    assert "Classe\u00a0: 1 élève, 5 appels" in report and english_words(report) == []
    mean = deskcli("practice", "report", "--json").json()["class"]["mean_percent"]
    assert not float(mean).is_integer()  # so that its decimal comma shows
    assert f"note moyenne {mean:g}\u00a0%".replace(".", ",") in report
    assert french == set(), "messages the French catalog lacks"


MISSPELT = """\
title = "Essai"
summary = "Un essai mal écrit."
[caller]
name = "Ali"
[replies]
greting = "Bonjour"
[problem]
keyword = ["serveur"]
[treatment]
situation = "Rien."
[expected]
type = "incident"
impakt = "user"
impact = "user"
urgency = "blocked"
treatment = "transfer"
groupe = "network"
"""


def test_check_names_every_unknown_key_and_incoherence(deskcli, tmp_path):
    path = tmp_path / "essai.toml"
    path.write_text(MISSPELT, encoding="utf-8")
    result = deskcli("practice", "check", str(path))
    assert result.exit_code == 2
    for key in ("replies.greting: unknown key (did you mean greeting?)",
                "problem.keyword: unknown key (did you mean keywords?)", "expected.impakt",
                "expected.groupe: unknown key (did you mean group?)"):
        assert f"{key}" in result.stderr, key
    assert "Traceback" not in result.stderr
    # The same file once spelt right: the incoherences, all of them.
    fixed = (MISSPELT.replace("greting", "greeting").replace('keyword =', 'keywords =')
             .replace('impakt = "user"\n', "").replace("groupe", "grup"))
    path.write_text(fixed, encoding="utf-8")
    result = deskcli("practice", "check", str(path), "--json")
    problems = result.json()["problems"]
    assert result.exit_code == 2
    assert any("expected.grup: unknown key (did you mean group?)" in p for p in problems)
    assert any("expected.group: a transfer names the group" in p for p in problems)
    assert any("no valid contract" in p for p in problems)
    # Played, the misspelt file is refused the same way: never scored on a half-read file.
    played = deskcli("practice", "--scenario", str(path), "--answers", str(path))
    assert played.exit_code == 2 and "expected.grup" in played.stderr


def test_check_prints_the_model_answers_to_play_back(deskcli, tmp_path):
    from deskcli.core.base.paths import data_dir

    shipped = data_dir() / "scenarios" / "reseau-procedure.toml"
    result = deskcli("practice", "check", str(shipped))
    assert result.exit_code == 0, result.stderr
    assert 'group = "network"' in result.stdout
    answers = tmp_path / "answers.toml"
    answers.write_text(result.stdout, encoding="utf-8")
    card = deskcli("practice", "--scenario", str(shipped), "--student", "Salma", "--answers",
                   str(answers), "--json").json()
    assert card["percent"] == 100


def test_each_result_records_how_it_was_played(deskcli, answers, keyed):
    deskcli("practice", "--scenario", "disque-dur", "--student", "Inès", "--answers", answers(RIGHT))
    deskcli("practice", "--scenario", "disque-dur", "--student", "INES", "--answers", answers(RIGHT),
            "--no-clock")
    with freeze_time("2026-11-24 10:00:00"):
        keyed(PRINTER_CALL, "--scenario", "imprimante-assistante", "--student", "ines")
        keyed(PRINTER_CALL, "--scenario", "imprimante-assistante", "--student", "Ines", "--no-clock")
    report = deskcli("practice", "report", "--json").json()
    assert len(report["students"]) == 1, "Inès, INES, ines and Ines are one student"
    sessions = report["students"][0]["sessions"]
    assert [s["mode"] for s in sessions] == ["interactive", "untimed", "answers", "answers"]
    text = deskcli("practice", "report").stdout
    assert "from a file of answers" in text and "at the prompts" in text and "untimed" in text


def test_ctrl_c_before_the_scorecard_is_kept_as_interrupted(deskcli, keyed):
    result = keyed(ENTER * 3 + "\x03", "--scenario", "imprimante-assistante", "--student", "Nadia")
    assert result.exit_code == 130
    assert "kept as interrupted" in result.stderr
    card, = deskcli("practice", "report", "--json").json()["students"][0]["sessions"]
    assert card["status"] == "interrupted" and card["percent"] < 20


def test_an_explicit_identifier_files_the_results(deskcli, answers):
    deskcli("practice", "--scenario", "disque-dur", "--student", "Inès Benali",
            "--student-id", "2026-0412", "--answers", answers(RIGHT))
    deskcli("practice", "--scenario", "disque-dur", "--student", "Ines B.",
            "--student-id", "2026-0412", "--answers", answers(RIGHT))
    students = deskcli("practice", "report", "--json").json()["students"]
    assert [(s["student_id"], s["calls"]) for s in students] == [("2026-0412", 2)]
    bad = deskcli("practice", "--scenario", "disque-dur", "--student-id", "a,b",
                  "--answers", answers(RIGHT))
    assert bad.exit_code == 2 and "--student-id" in bad.stderr


def test_the_csv_of_grades_imports_into_a_gradebook(deskcli, answers):
    import csv
    import io

    with freeze_time("2026-11-24 10:00:00"):
        deskcli("practice", "--scenario", "disque-dur", "--student", "Salma Idrissi",
                "--student-id", "2026-0412", "--answers", answers(RIGHT))
        deskcli("practice", "--scenario", "disque-dur", "--student", "=cmd", "--answers",
                answers(RIGHT.replace('impact = "user"', 'impact = "company"')))
    result = deskcli("practice", "report", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["student_id", "student", "scenario", "date", "mode", "status",
                             "score", "max", "percentage"]
    assert rows[0] == {"student_id": "2026-0412", "student": "Salma Idrissi",
                       "scenario": "disque-dur", "date": "2026-11-24", "mode": "answers",
                       "status": "complete", "score": "25", "max": "25",
                       "percentage": "100.00"}
    assert rows[1]["student"] == "'=cmd" and rows[1]["percentage"] == "84.00"
    only = deskcli("practice", "report", "--format", "csv", "--mode", "exam").stdout
    assert only.count("\n") == 1
    one = deskcli("practice", "report", "--format", "csv", "--scenario", "disque-dur").stdout
    assert one.count("\n") == 3
    assert deskcli("practice", "report", "--format", "csv", "--scenario", "x").stdout.count("\n") == 1
    assert deskcli("practice", "report", "--format", "xls").exit_code == 2


def test_mastery_of_each_rule_over_time(deskcli, answers):
    wrong = RIGHT.replace('impact = "user"', 'impact = "company"')
    for text in (wrong, wrong, RIGHT, RIGHT, RIGHT):
        deskcli("practice", "--scenario", "disque-dur", "--student", "Omar", "--answers",
                answers(text))
    mastery = deskcli("practice", "report", "--json").json()["students"][0]["mastery"]
    impact = next(m for m in mastery if m["item"] == "impact")
    assert [h["ok"] for h in impact["history"]] == [False, False, True, True, True]
    assert impact["mastered"] and impact["recent_percent"] == 100
    deskcli("practice", "--scenario", "disque-dur", "--student", "Omar", "--answers", answers(wrong))
    report = deskcli("practice", "report").stdout
    assert "✗✗✓✓✓✗ Impact" in report


def test_an_exam_is_the_teachers_set_played_at_the_prompts(deskcli, keyed, answers):
    assert deskcli("practice", "exam", "--student", "Nadia").exit_code == 2  # none set
    assert deskcli("practice", "exam", "--set", "imprimante-assistante,nope").exit_code == 1
    with freeze_time("2026-11-24 09:00:00"):
        assert deskcli("practice", "exam", "--set",
                       "imprimante-assistante,appel-perdu").exit_code == 0
    for option in (["--answers", answers(RIGHT)], ["--no-clock"], ["--scenario", "disque-dur"]):
        refused = deskcli("practice", "exam", "--student", "Nadia", *option)
        assert refused.exit_code == 2, option
    wrong = PRINTER_CALL.replace(DOWN + DOWN + ENTER, ENTER, 1)  # impact: whole company
    with freeze_time("2026-11-24 10:00:00", tick=True):
        result = keyed(wrong, "exam", "--student", "Nadia")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Practice call imprimante-assistante" in out and "(exam)" in out
    assert "✗ Impact (0/2)" in out
    assert ", expected" not in out and "Rule (" not in out and "What to say" not in out
    assert "Here:" not in out and "Une seule utilisatrice" not in out
    # The next call of the exam is the next scenario of the set, for this student only.
    nxt = keyed("\x03", "exam", "--student", "nadia")
    assert nxt.exit_code == 130
    done = deskcli("practice", "exam", "--student", "NADIA")
    assert done.exit_code == 0 and "every scenario of the exam" in done.stderr
    sessions = deskcli("practice", "report", "--json").json()["students"][0]["sessions"]
    assert [(s["scenario"], s["mode"], s["status"]) for s in sessions] == [
        ("imprimante-assistante", "exam", "complete"), ("appel-perdu", "exam", "interrupted")]
    rows = deskcli("practice", "report", "--format", "csv", "--mode", "exam").stdout.splitlines()
    assert len(rows) == 3 and rows[2].split(",")[4:6] == ["exam", "interrupted"]


def test_the_acts_are_typed_at_the_prompts(keyed):
    """The greeting, a keyword dump refused, and a promise of free work instead of billing."""
    keys = "".join([
        "Allô ?" + ENTER,                                   # greeting: no company, no name
        ENTER * 6,                                          # the six checklist questions
        ENTER, "caisse demarr allum ecran noir pc" + ENTER,  # a dump of keywords: refused
        ENTER, "Votre PC de caisse ne démarre plus depuis la coupure" + ENTER,  # confirmed
        ENTER,                                              # checklist done
        DOWN + ENTER,                                       # the date question: right choice
        "n",                                                # not admissible
        "Bon, je vous le répare gratuitement cette fois." + ENTER,
    ])
    result = keyed(keys, "--scenario", "sans-contrat", "--student", "Karim", "--no-clock")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "✗ The greeting announces the company (0/1): you wrote « Allô ? »" in out
    assert "What to say: « InfoServices, bonjour ! Karim à l'appareil" in out
    assert "✓ Reformulation confirmed by the caller" in out
    assert "✗ What the caller is told before the call stops (0/2)" in out
    assert "Lost because it promises a free repair" in out
    assert "il nous faut alors un bon de commande" in out


def test_the_clock_warns_at_the_limit_at_the_prompts(keyed):
    keys = "".join([
        "InfoServices bonjour, Nadia à l'appareil" + ENTER, ENTER * 6,
        ENTER, "La table des matières de Word reste vide dans son rapport" + ENTER,
        ENTER,                                   # checklist done
        "y", ENTER, DOWN * 2 + ENTER, ENTER,     # admissible; incident, one user, blocked
        DOWN * 2 + ENTER,                        # priority 3
        "\x03",                                  # at the decision: the warning is shown
    ])
    with freeze_time("2026-11-24 10:00:00", tick=True):
        result = keyed(keys, "--scenario", "table-des-matieres", "--student", "Nadia")
    assert result.exit_code == 130
    assert "Time is up: the procedure allows 10 minutes here." in result.stderr
    assert result.stderr.count("Time is up") == 1


def test_the_smaller_points_in_french(deskcli, answers, french):
    from deskcli.core import practice

    timed = RIGHT + "[clock]\nidentification_minutes = 5.4\ntreatment_minutes = 3\n"
    out = deskcli("practice", "--scenario", "disque-dur", "--student", "Salma", "--answers",
                  answers(timed)).stdout
    assert "5,4" in out and "5.4" not in out
    network = practice.right_answers(practice.find_scenario(None, "reseau-procedure"))
    out = deskcli("practice", "--scenario", "reseau-procedure", "--student", "Salma", "--answers",
                  answers(practice.answers_toml(dict(network, group="workstation")))).stdout
    assert "votre réponse poste de travail, attendu réseau" in out
    assert "workstation" not in out and "network" not in out
    assert "access rights" in practice.TREATMENT_RULES["escalate"].text
    assert "Examen fixé\u00a0: appel-perdu." in deskcli("practice", "exam", "--set",
                                                       "appel-perdu").stderr
    assert french == set(), "messages the French catalog lacks"


def test_an_unidentified_caller_is_recorded_in_the_scenarios_language(home):
    from datetime import datetime, timezone

    from deskcli.core import practice

    now = datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc)
    scenario = practice.find_scenario(home, "serveur-directeur")
    call = practice.PracticeCall(scenario, practice.sandbox(home, "s", scenario), "s", now)
    call.decide_admissibility(True, None, now)
    ticket = call.desk.repo.find_ticket(call.ticket_id)
    assert ticket["caller"]["name"] == "(appelant non identifié)"


def test_nothing_asked_and_a_wrong_group_at_the_prompts(keyed):
    keys = "".join([
        "InfoServices bonjour, Nadia à l'appareil" + ENTER,
        DOWN * 7 + ENTER,                        # « checklist done » at once: nothing asked
        "y",                                     # admissible, without asking
        ENTER, DOWN + ENTER, ENTER,              # incident, a department, blocked
        DOWN + ENTER,                            # priority 2
        ENTER,                                   # the knowledge base
        DOWN * 2 + ENTER,                        # transfer
        DOWN + ENTER,                            # to office software
        "y",                                     # close once repaired
    ])
    with freeze_time("2026-11-24 10:00:00"):
        result = keyed(keys, "--scenario", "reseau-procedure", "--student", "Nadia")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "✗ Caller and problem identified in time (minutes) (0/1)" in out
    assert "Lost because the caller and the problem were not both asked" in out
    assert "✗ Admissibility (0/2)" in out and "repository was never checked" in out
    assert "✗ Reformulation confirmed by the caller (0/1)" in out
    assert "✗ Group the call is transferred to (0/1): your answer office software, " \
           "expected network" in out


def test_an_interrupted_call_costs_its_points_but_counts_no_mistake(deskcli, keyed):
    keyed("\x03", "--scenario", "appel-perdu", "--student", "Nadia")
    report = deskcli("practice", "report", "--json").json()
    assert report["students"][0]["sessions"][0]["percent"] == 0
    assert report["class"]["frequent_mistakes"] == []
    assert report["students"][0]["mastery"] == []


def test_the_scorecard_fits_80_columns_at_a_terminal(deskcli, answers, monkeypatch):
    from deskcli.ui import output

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)
    wrong = RIGHT.replace("Salma à l'appareil", "bonjour").replace(
        'treatment = "intervene"', 'treatment = "transfer"\ngroup = "workstation"')
    result = deskcli("practice", "--scenario", "disque-dur", "--student", "Omar",
                     "--answers", answers(wrong))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if len(line) > 80] == []
    rule = next(i for i, line in enumerate(lines) if line.startswith("    Rule ("))
    assert lines[rule + 1].startswith("      ") and lines[rule + 1].strip()
