"""`deskcli kb` and `deskcli problem` through the entry point, prompts included."""

from __future__ import annotations

import threading

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from deskcli.ui import prompts

ENTER = "\r"
ESC_ENTER = "\x1b\r"


@pytest.fixture
def atlas(deskcli):
    assert deskcli("contract", "add", "--org", "Atlas SARL", "--org-kind", "company",
                   "--number", "C-1", "--coverage", "contract", "--from", "2020-01-01",
                   "--until", "2099-12-31").exit_code == 0


def call(deskcli, summary, description, software="FortiClient"):
    result = deskcli("open", "--no-input", "--caller", "Karim Benali", "--org", "Atlas SARL",
                     "--contract", "C-1", "--summary", summary, "--description", description,
                     "--software", software, "--json")
    assert result.exit_code == 0, result.stderr
    return str(result.json()["id"])


def add_article(deskcli, *extra):
    return deskcli("kb", "add", "--title", "Imprimante hors ligne",
                   "--symptoms", "L'imprimante réseau apparaît hors ligne",
                   "--cause", "Adresse IP changée", "--resolution", "Redémarrer le spouleur",
                   "--tag", "imprimante", *extra)


def test_add_without_prompts_then_search_prints_json_best_first(deskcli):
    assert add_article(deskcli, "--json").json()["id"] == 1
    assert deskcli("kb", "add", "--title", "Écran noir", "--symptoms", "L'écran reste noir",
                   "--resolution", "Rebrancher le câble vidéo").exit_code == 0
    result = deskcli("kb", "search", "imprimnte", "hors", "ligne", "--json")
    assert result.exit_code == 0
    found = result.json()
    assert found[0]["id"] == 1 and found[0]["title"] == "Imprimante hors ligne"
    assert isinstance(found[0]["score"], float)
    assert [h["id"] for h in deskcli("kb", "search", "ecran", "--json").json()] == [2]


def test_search_prints_ranked_matches_with_a_marked_snippet(deskcli):
    add_article(deskcli)
    result = deskcli("kb", "search", "imprimantes")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("1. KB-1  Imprimante hors ligne")
    assert "*imprimante*" in result.stdout.lower()


def test_search_on_an_empty_base_says_how_to_fill_it(deskcli):
    result = deskcli("kb", "search", "imprimante")
    assert result.exit_code == 0 and "import-defaults" in result.stderr
    assert deskcli("kb", "search", "imprimante", "--json").json() == []


def test_a_search_the_base_cannot_answer_says_so_and_suggests_kb_add(deskcli):
    deskcli("kb", "import-defaults")
    assert deskcli("kb", "search", "les", "toilettes", "sont", "bouchées", "--json").json() == []
    result = deskcli("kb", "search", "la", "machine", "à", "café", "fuit")
    assert result.exit_code == 0 and result.stdout == ""
    assert "No relevant article" in result.stderr and "deskcli kb add" in result.stderr
    found = deskcli("kb", "search", "imprimante", "bourrage", "papier").stdout.splitlines()
    assert "bourrage papier" in found[0] and found[0].endswith("(confidence 100%)")


def test_treat_says_when_the_base_had_no_answer_for_the_solved_call(deskcli, atlas):
    add_article(deskcli)
    coffee = call(deskcli, "La machine à café fuit", "De l'eau coule sous la cafetière", "Aucun")
    solved = deskcli("treat", coffee, "--solution", "Joint changé", "--definitive")
    assert solved.exit_code == 0 and f"kb add --from-ticket {coffee}" in solved.stderr
    printer = call(deskcli, "Imprimante hors ligne", "L'imprimante réseau n'imprime plus", "Windows")
    solved = deskcli("treat", printer, "--solution", "Port corrigé", "--definitive")
    assert solved.exit_code == 0 and "no answer" not in solved.stderr


@pytest.mark.parametrize("args, code", [
    (["kb", "search"], 2),
    (["kb", "search", "x", "--limit", "0"], 2),
    (["kb", "search", "x", "--ticket", "1"], 2),
    (["kb", "show", "KB-x"], 2),
    (["kb", "show", "7"], 1),
    (["kb", "add", "--title", "only a title", "--no-input"], 2),
    (["kb", "remove", "1", "--reason", " "], 2),
    (["problem", "show", "PRB-4"], 1),
    (["problem", "link", "1", "1"], 1),
    (["problem", "suggest", "--min", "1"], 2),
])
def test_bad_input_gets_a_message_and_its_exit_code(deskcli, args, code):
    result = deskcli(*args)
    assert result.exit_code == code
    assert result.stderr.startswith("Error:") and "Traceback" not in result.stderr


def test_edit_show_list_and_remove(deskcli):
    add_article(deskcli)
    assert deskcli("kb", "edit", "KB-1", "--visibility", "faq", "--tag", "impression").exit_code == 0
    shown = deskcli("kb", "show", "1")
    assert "faq" in shown.stdout and "edited: tags, visibility" in shown.stdout
    assert [a["id"] for a in deskcli("kb", "list", "--faq", "--json").json()] == [1]
    assert deskcli("kb", "search", "imprimante", "--faq", "--json").json()[0]["id"] == 1
    assert deskcli("kb", "remove", "KB-1", "--reason", "obsolète").exit_code == 0
    assert deskcli("kb", "search", "imprimante", "--json").json() == []
    assert deskcli("kb", "list", "--json").json() == []
    assert deskcli("kb", "list", "--removed", "--json").json()[0]["status"] == "removed"


def test_import_defaults_reports_what_it_loaded_and_never_duplicates(deskcli):
    first = deskcli("kb", "import-defaults", "--json").json()
    assert len(first["added"]) >= 30 and first["already_present"] == 0
    second = deskcli("kb", "import-defaults")
    assert second.exit_code == 0 and "Imported 0" in second.stderr
    assert len(deskcli("kb", "list", "--json").json()) == len(first["added"])


def test_search_for_a_ticket_records_the_consultation(deskcli, atlas):
    add_article(deskcli)
    number = call(deskcli, "Imprimante hors ligne", "L'imprimante du bureau n'imprime plus")
    result = deskcli("kb", "search", "--ticket", number, "--json")
    assert result.exit_code == 0 and result.json()[0]["id"] == 1
    history = deskcli("show", number, "--json").json()["history"]
    assert history[-1]["event"] == "kb_consulted" and history[-1]["matches"][0]["id"] == 1


def test_the_loop_incident_problem_known_error_found_by_the_next_search(deskcli, atlas):
    first = call(deskcli, "VPN coupé toutes les dix minutes", "Le tunnel se ferme tout seul")
    second = call(deskcli, "VPN instable", "Le tunnel VPN tombe")
    opened = deskcli("problem", "open", "--from-ticket", first, "--json")
    assert opened.exit_code == 0 and opened.json()["status"] == "open"
    refused = deskcli("problem", "link", "PRB-1", second)
    assert refused.exit_code == 1 and f"qualify {second} --type incident" in refused.stderr
    assert deskcli("qualify", second, "--type", "incident", "--impact", "user",
                   "--urgency", "blocked").exit_code == 0
    assert deskcli("problem", "link", "PRB-1", second).exit_code == 0
    made = deskcli("problem", "known-error", "PRB-1", "--cause", "Le firmware 7.2 ferme les tunnels",
                   "--workaround", "Se connecter avec le profil 7.0", "--json").json()
    assert made["status"] == "known_error" and made["article"] == made["article_record"]["id"]
    # The next technician, on another call, searches in English with a typo.
    found = deskcli("--as", "bob", "kb", "search", "vpn tunel", "--json").json()
    assert found[0]["id"] == made["article"] and found[0]["kind"] == "known_error"
    assert "PRB-1" in deskcli("show", second).stdout
    listed = deskcli("problem", "list", "--json").json()
    assert listed[0]["incidents"] == [int(first), int(second)]
    assert "Se connecter avec le profil 7.0" in deskcli("problem", "show", "1").stdout
    # Treating a linked incident offers the workaround.
    treated = deskcli("treat", second, "--diagnosis", "tunnel fermé")
    assert "profil 7.0" in treated.stderr


def test_suggest_lists_recurring_incidents(deskcli, atlas):
    for _ in range(3):
        call(deskcli, "Imprimante du 2e étage hors ligne", "Rien ne sort de l'imprimante")
    call(deskcli, "Écran noir", "L'écran ne s'allume plus", software="Windows")
    result = deskcli("problem", "suggest", "--json")
    assert result.exit_code == 0
    assert [g["tickets"] for g in result.json()] == [[1, 2, 3]]
    assert "problem open --from-ticket 1" in deskcli("problem", "suggest").stdout


def scripted(deskcli, keys, *args):
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        with prompts.scripted(pipe, DummyOutput()):
            outcome = {}
            worker = threading.Thread(target=lambda: outcome.update(r=deskcli(*args)), daemon=True)
            worker.start()
            worker.join(timeout=20)
            assert not worker.is_alive(), "the prompts waited for more keystrokes"
            return outcome["r"]


def test_an_article_drafted_from_a_solved_ticket_is_confirmed_at_the_prompts(deskcli, atlas):
    number = call(deskcli, "Outlook n'envoie plus", "Les messages restent dans la boîte d'envoi",
                  software="Outlook")
    assert deskcli("kb", "add", "--from-ticket", number, "--no-input").exit_code == 1
    assert deskcli("treat", number, "--diagnosis", "Port SMTP bloqué", "--solution",
                   "Port 587 en STARTTLS", "--definitive").exit_code == 0
    keys = "".join([
        ENTER,                       # title as drafted
        ENTER,                       # symptoms as drafted
        " par le pare-feu" + ENTER,  # cause: drafted text, completed
        ESC_ENTER,                   # resolution as drafted (multi-line)
        "messagerie, smtp" + ENTER,  # tags
        ENTER,                       # equipment as drafted
        ENTER,                       # visibility: internal
        "y",                         # save
    ])
    result = scripted(deskcli, keys, "kb", "add", "--from-ticket", number)
    assert result.exit_code == 0, result.stderr
    article = deskcli("kb", "show", "1", "--json").json()
    assert article["title"] == "Outlook n'envoie plus"
    assert article["cause"] == "Port SMTP bloqué par le pare-feu"
    assert article["resolution"] == "Port 587 en STARTTLS"
    assert article["tags"] == ["messagerie", "smtp"] and article["equipment"] == ["outlook"]
    assert article["tickets"] == [int(number)]
    assert deskcli("kb", "search", "smtp bloque", "--json").json()[0]["id"] == 1


def test_opening_a_call_suggests_matching_articles(deskcli, atlas):
    add_article(deskcli)
    keys = "".join([
        "y", "y", "Atlas SARL" + ENTER, "Karim Benali" + ENTER, "Assistant" + ENTER,
        "0611223344" + ENTER, ENTER,
        "HP LaserJet" + ENTER, "Windows 11" + ENTER, "Wi-Fi" + ENTER, ENTER,
        "L'imprimante est hors ligne" + ENTER, "Imprimante hors ligne" + ENTER,
        ENTER, "y",
    ])
    result = scripted(deskcli, "n" + keys, "open", "--contract", "C-1")  # n: no set-up now
    assert result.exit_code == 0, result.stderr
    assert "KB-1  Imprimante hors ligne" in result.stderr
    steps = [e.get("step") for e in deskcli("show", "1", "--json").json()["history"]]
    assert "kb_suggestions" in steps
