"""A French session, through the CLI: a whole call in French, no English left, the same
--json as in English, French option values and French usage errors."""

from __future__ import annotations

import gettext
import json
import re

import pytest
from freezegun import freeze_time

from deskcli import i18n
from deskcli.core.calls import tickets

# English words that French text never holds; ticket data in these tests is French.
ENGLISH = re.compile(r"\b(the|is|are|was|and|of|with|by|not|to|has|this|no|from|opened|"
                     r"closed|ticket #|error|warning|usage|report|level|call|unqualified)\b", re.I)


@pytest.fixture
def french(monkeypatch):
    """DESKCLI_LANG=fr, with every message looked up that the French catalog lacks kept."""
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    missing: set[str] = set()
    load = i18n._load

    class Recording(gettext.NullTranslations):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def gettext(self, message):
            if message not in getattr(self.inner, "_catalog", {}):
                missing.add(message)
            return self.inner.gettext(message)

        def ngettext(self, singular, plural, n):
            if (singular, 0) not in getattr(self.inner, "_catalog", {}):
                missing.add(singular)
            return self.inner.ngettext(singular, plural, n)

    monkeypatch.setattr(i18n, "_load", lambda language: Recording(load(language)))
    return missing


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def english_words(text: str) -> list[str]:
    """English words of a text, leaving out commands to type (`deskcli ...`), option names
    and HTML markup, which are the same in every language."""
    text = re.sub(r"`[^`]*`|<[^>]*>|--[\w-]+", " ", text)
    return ENGLISH.findall(text)


def test_a_whole_call_in_french(deskcli, desk, french, utc):
    """From the opening to the intervention report and the closing, every word French."""
    said = []

    def run(*args):
        result = ok(deskcli(*args))
        said.append(result.stdout + result.stderr)
        return result

    run("contract", "add", "--org", "Atlas SARL", "--org-kind", "entreprise", "--number", "C-1",
        "--coverage", "contrat", "--from", "2020-01-01", "--until", "2099-12-31",
        "--signer", "Nadia Alami:Directrice")
    opened = run("open", "--caller", "Karim Benali", "--org", "Atlas SARL", "--role", "Assistant",
                 "--contact", "0611223344", "--channel", "téléphone", "--device", "HP LaserJet 400",
                 "--summary", "Imprimante hors ligne", "--description", "Elle clignote en orange",
                 "--reformulation", "L'imprimante est hors ligne")
    number = opened.stdout.strip()
    assert f"Ticket n° {number} ouvert pour Karim Benali (Atlas SARL)" in opened.stderr
    assert "valide jusqu'au 31/12/2099" in opened.stderr
    qualified = run("qualify", number, "--type", "incident", "--impact", "service",
                    "--urgency", "bloqué")
    assert "priorité 2 d'après la case de la grille urgence bloqué" in qualified.stdout
    assert "prise en charge" in qualified.stdout
    run("treat", number, "--diagnosis", "bloc d'alimentation hors service",
        "--action", "prise testée", "--minutes", "6,5".replace(",", "."))
    run("escalate", number, "--reason", "non résolu en 10 minutes", "--kind", "hiérarchique")
    with freeze_time("2030-01-01 09:00"):
        requested = run("intervene", number, "--nature", "remplacer l'alimentation",
                        "--deadline", "2030-01-02 14:00")
    assert "Intervention 1 demandée" in requested.stderr
    with freeze_time("2030-01-01 12:00"):
        written = run("intervene", number, "--report", "1", "--start", "2030-01-01 10:00",
                      "--end", "2030-01-01 11:15", "--done", "alimentation remplacée",
                      "--outcome", "le PC démarre", "--part", "Alimentation 500 W",
                      "--signed-by", "Omar Idrissi", "--signer-function", "Stagiaire")
    assert "n'engage pas le client" in written.stderr
    assert "(1 h 15 min)" in written.stderr
    run("treat", number, "--solution", "alimentation remplacée", "--definitive")
    report = run("report", number).stdout
    for expected in ("COMPTE RENDU D'INTERVENTION", "Appelant", "Karim Benali", "Ouverture",
                     "(téléphone)", "Pièces", "Alimentation 500 W", "Temps passé", "1 h 15 min",
                     "01/01/2030 10:00", "n'est pas signataire autorisé du contrat", "Historique",
                     "escalade hiérarchique", "solution définitive\u00a0: alimentation remplacée"):
        assert expected in report, expected
    html = run("report", number, "--format", "html").stdout
    # The catalog's own words are markup as written (its apostrophe is not escaped); the
    # values put into them are escaped once.
    assert '<html lang="fr">' in html and "Compte rendu d'intervention" in html
    run("report", number, "--format", "markdown")
    run("show", number)
    run("list", "--all")
    run("inbox", "--all")
    closed = run("close", number)
    assert closed.stderr.strip() == f"Ticket n° {number} clôturé et archivé."
    run("open", "--caller", "Leila Haddad", "--summary", "Écran noir")  # not qualified yet
    indicators = run("report", "--no-chart").stdout
    assert "Appels par type\u00a0: incident 1, non qualifiés 1" in indicators
    run("report", "--no-chart", "--by", "technicien")
    dashboard = run("report", "--format", "html", "--by", "canal").stdout
    assert '<html lang="fr">' in dashboard and "Indicateurs du support" in dashboard
    run("report", "--chart")
    run("sla")
    assert tickets.get_ticket(desk, int(number))["status"] == "closed"

    assert not french, f"messages the French catalog lacks: {sorted(french)}"
    lines = [line for line in "\n".join(said).replace("Helpdesk", "").splitlines()
             if english_words(line)]
    assert not lines, f"English words in a French session: {lines}"


def test_the_json_is_the_same_in_both_languages(deskcli, home, monkeypatch, tmp_path, backend,
                                                request):
    """Scripts read the same document whatever the technician's language, French values given
    to the options included."""

    def session(language, values):
        monkeypatch.setenv("DESKCLI_LANG", language)
        monkeypatch.setenv("DESKCLI_HOME", str(tmp_path / language))
        if backend.url:  # each language's desk starts from an empty database of its own
            monkeypatch.setenv("DESKCLI_DATABASE_URL", request.getfixturevalue("fresh_database")())
        documents = []
        with freeze_time("2026-11-25 09:00:00"):
            for args in (
                ["contract", "add", "--org", "Atlas SARL", "--org-kind", values["company"],
                 "--number", "C-1", "--coverage", values["contract"], "--from", "2026-01-01",
                 "--until", "2026-12-31", "--signer", "Nadia Alami:Director"],
                ["open", "--caller", "Karim", "--org", "Atlas SARL", "--summary", "PC en panne",
                 "--channel", values["phone"], "--device", "Dell 7010"],
                ["open", "--caller", "Sara", "--summary", "Écran noir", "--channel", values["email"]],
                ["qualify", "1", "--type", values["incident"], "--impact", values["department"],
                 "--urgency", values["blocked"]],
                ["treat", "1", "--diagnosis", "alimentation", "--minutes", "5"],
                ["escalate", "1", "--reason", "hors délai", "--kind", values["hierarchical"]],
                ["intervene", "1", "--nature", "remplacer l'alimentation"],
                ["treat", "1", "--solution", "remplacée", "--definitive"],
                ["show", "1"], ["show", "2"], ["list", "--all", "--sort", values["newest"]],
                ["report", "1"], ["report", "--by", values["technician"]], ["sla"],
                ["close", "1"], ["close", "2"], ["list", "--closed"], ["inbox", "--all"],
                ["contract", "list"], ["doctor"], ["open", "--abandoned", "--contact", "06"],
            ):
                result = deskcli("--json", *args)
                assert result.exit_code in (0, 1), (args, result.stderr)
                documents.append(json.loads(result.stdout or "null"))
        return documents

    english = session("en", {"company": "company", "contract": "contract", "phone": "phone",
                             "email": "email", "incident": "incident", "department": "department",
                             "blocked": "blocked", "hierarchical": "hierarchical",
                             "newest": "newest", "technician": "technician"})
    french = session("fr", {"company": "entreprise", "contract": "contrat", "phone": "téléphone",
                            "email": "courriel", "incident": "incident", "department": "service",
                            "blocked": "bloqué", "hierarchical": "hiérarchique",
                            "newest": "récents", "technician": "technicien"})
    assert len(english) == len(french)
    for index, (a, b) in enumerate(zip(english, french)):
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True), index
    # The refusal to close ticket 2 (not admissible, kept) and the rest were real documents.
    assert english[1]["status"] == "open" and english[2]["status"] == "not_admissible"
    assert english[3]["qualification"]["urgency"] == "blocked"


def test_the_json_of_a_refused_record_is_the_same_in_both_languages(deskcli, monkeypatch, tmp_path):
    source = tmp_path / "calls.jsonl"
    source.write_text('{"caller": "Karim", "summary": "PC", "channel": "pigeon"}\n'
                      '{"caller": "Sara"}\n', encoding="utf-8")
    outputs = []
    for language in ("en", "fr"):
        monkeypatch.setenv("DESKCLI_LANG", language)
        monkeypatch.setenv("DESKCLI_HOME", str(tmp_path / language))
        result = deskcli("--json", "open", "--from", str(source), "--skip-invalid")
        assert result.exit_code == 2
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert "channel: 'pigeon' is not one of phone, email" in outputs[0]


def test_french_values_are_accepted_wherever_values_are_chosen(deskcli, desk):
    ok(deskcli("contract", "add", "--org", "Atlas", "--org-kind", "Société", "--number", "G-1",
               "--coverage", "GARANTIE", "--from", "2020-01-01", "--until", "2099-12-31"))
    ok(deskcli("open", "--caller", "K", "--org", "Atlas", "--summary", "S", "--channel", "accueil"))
    ok(deskcli("qualify", "1", "--type", "demande", "--impact", "entreprise", "--urgency", "ralenti"))
    ok(deskcli("escalate", "1", "--reason", "r", "--kind", "fonctionnelle"))
    ticket = tickets.get_ticket(desk, 1)
    assert ticket["channel"] == "walk-in" and ticket["organisation"]["kind"] == "company"
    assert ticket["admissibility"]["basis"] == "warranty"
    assert (ticket["type"], ticket["qualification"]["impact"], ticket["qualification"]["urgency"]) \
        == ("request", "company", "degraded")
    assert ticket["history"][-1]["kind"] == "functional"
    assert [t["id"] for t in ok(deskcli("list", "--status", "ouvert", "--sort", "anciens",
                                        "--json")).json()] == [1]
    assert ok(deskcli("report", "--by", "canal", "--json")).json()["by"] == "channel"
    assert "<html" in ok(deskcli("report", "1", "--format", "html")).stdout


def test_a_wrong_value_names_the_values_of_both_languages(deskcli, french):
    ok(deskcli("open", "--caller", "K", "--summary", "S", "--billable"))
    result = deskcli("qualify", "1", "--type", "incident", "--impact", "service", "--urgency", "vite")
    assert result.exit_code == 2 and result.stdout == ""
    # The session's names first, the English ones as the aliases they are.
    assert "--urgency\u00a0: «\u00a0vite\u00a0» ne fait pas partie de bloqué, ralenti, " \
           "peut-vivre-avec (aussi blocked, degraded, minor)" in result.stderr


def test_french_usage_errors(deskcli, french):
    bad_number = deskcli("treat", "1", "--minutes", "beaucoup")
    assert bad_number.exit_code == 2
    assert "Utilisation\u00a0: deskcli treat [OPTIONS] N°" in bad_number.stderr
    assert "Erreur\u00a0: Valeur invalide pour '--minutes'\u00a0: 'beaucoup' n'est pas un nombre." \
        in bad_number.stderr
    missing = deskcli("transfer", "1", "--reason", "r")
    assert missing.exit_code == 2 and "Option manquante\u00a0: '--to'." in missing.stderr
    unknown = deskcli("list", "--vite")
    assert unknown.exit_code == 2 and "Option inconnue\u00a0: --vite" in unknown.stderr
    assert deskcli("ouvrir").exit_code == 2
    assert not english_words(bad_number.stderr + missing.stderr + unknown.stderr)
    assert not french


def test_a_refusal_of_the_procedure_in_french(deskcli, french):
    ok(deskcli("open", "--caller", "K", "--summary", "S", "--billable"))
    result = deskcli("close", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur\u00a0: un appel ne se clôture qu'avec une solution "
                                    "définitive, et le n° 1")
    assert not french


def command_paths(command=None, prefix=()):
    import typer

    from deskcli.cli import app

    command = command or typer.main.get_command(app)
    if not hasattr(command, "list_commands"):
        return
    ctx = command.make_context("deskcli", [], resilient_parsing=True)
    for name in command.list_commands(ctx):
        yield (*prefix, name)
        yield from command_paths(command.get_command(ctx, name), (*prefix, name))


@pytest.mark.parametrize("path", [(), *command_paths()], ids=lambda p: " ".join(p) or "deskcli")
def test_help_pages_are_french(deskcli, french, path):
    """Every help text, option and heading of every command has its French."""
    result = ok(deskcli(*path, "--help"))
    assert result.stdout.startswith("Utilisation\u00a0: deskcli")
    assert "Afficher ce message et quitter." in result.stdout
    assert not french, f"help texts the French catalog lacks: {sorted(french)}"
    assert "Example:" not in result.stdout and "Options:" not in result.stdout


def test_an_unknown_language_is_named_and_english_is_spoken(deskcli, monkeypatch):
    monkeypatch.setenv("DESKCLI_LANG", "de")
    result = deskcli("sla")
    assert result.exit_code == 0 and "Priority grid" in result.stdout
    assert "Warning: DESKCLI_LANG=de: deskcli does not speak this language; it speaks en, fr." \
        in result.stderr


@pytest.mark.parametrize("variables, spoken", [
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LC_MESSAGES": "fr_CA", "LANG": "en_US.UTF-8"}, "fr"),
    ({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),
    ({"DESKCLI_LANG": "fr", "LC_ALL": "en_GB.UTF-8"}, "fr"),
    ({"DESKCLI_LANG": "", "LC_ALL": "", "LANG": "fr_BE@euro"}, "fr"),
])
def test_the_language_follows_the_environment(deskcli, monkeypatch, variables, spoken):
    for name in i18n.LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    shown = ok(deskcli("sla")).stdout
    assert ("Grille des priorités" in shown) == (spoken == "fr")
    assert ("Priority grid" in shown) == (spoken == "en")
