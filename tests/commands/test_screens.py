"""Every everyday screen fits an 80-column terminal, in English and in French; a pipe keeps
whole values; colour on a terminal only."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from tests.commands.test_french import command_paths

WIDTH = 80
LONG_ORG = "Compagnie Générale des Établissements Industriels du Grand Ouest"
LONG_SUMMARY = ("The colour laser printer on the second floor prints blank pages since the "
                "driver update of last Tuesday morning")


@pytest.fixture
def terminal(monkeypatch):
    """stdout and stderr seen as an 80-column terminal (colour stays off: NO_COLOR)."""
    from deskcli.ui import output

    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)


def ok(result):
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def busy_desk(deskcli, utc):
    with freeze_time("2026-03-10 08:00"):
        ok(deskcli("contract", "add", "--org", LONG_ORG, "--org-kind", "company",
                   "--number", "C-2026-000123", "--coverage", "contract", "--from", "2026-01-01",
                   "--until", "2026-12-31", "--signer", "Nadia Alami-Benjelloun:Directrice générale"))
        ok(deskcli("kb", "import-defaults"))
    for hour, caller in ((9, "Karim Benali-Castellanos"), (10, "Léa Martin"), (11, "Jean-Baptiste Dupont")):
        with freeze_time(f"2026-03-10 {hour:02d}:00"):
            ok(deskcli("open", "--caller", caller, "--org", LONG_ORG, "--contract", "C-2026-000123",
                       "--summary", LONG_SUMMARY, "--contact", "jean-baptiste.dupont@example.com",
                       "--device", "HP Color LaserJet Pro MFP M479fdw", "--description",
                       LONG_SUMMARY + " and the tray makes a grinding noise", "--as", "bob"))
    with freeze_time("2026-03-10 11:05"):
        ok(deskcli("qualify", "1", "--type", "incident", "--impact", "department", "--urgency", "blocked"))
        ok(deskcli("qualify", "2", "--type", "incident", "--impact", "user", "--urgency", "minor"))
        ok(deskcli("treat", "1", "--diagnosis", "the driver update broke the colour profile of "
                   "every queue on the print server", "--action", "reinstalled the previous driver "
                   "version on the print server and restarted the spooler", "--minutes", "7"))
    with freeze_time("2026-03-10 11:10"):
        ok(deskcli("intervene", "1", "--nature", "replace the fuser unit and the transfer belt of "
                   "the colour printer", "--deadline", "2026-03-12 14:00"))
    with freeze_time("2026-03-10 16:00"):
        ok(deskcli("intervene", "1", "--report", "1", "--start", "2026-03-10 14:00",
                   "--end", "2026-03-10 15:15", "--done", "replaced the fuser unit and the transfer "
                   "belt, printed the test pages", "--outcome", "the printer prints in colour again",
                   "--part", "Fuser unit RM2-6461", "--signed-by", "Nadia Alami-Benjelloun",
                   "--signer-function", "Directrice générale"))
        ok(deskcli("problem", "open", "--title", "Colour printers print blank pages after the "
                   "driver update of the print server", "--from-ticket", "1"))
        ok(deskcli("transfer", "2", "--to", "office-software", "--reason",
                   "needs the print server's administrator rights to roll the driver back"))


SCREENS = [("list",), ("list", "--all"), ("show", "1"), ("show", "2"), ("sla",), ("inbox", "--all", "--as", "bob"),
           ("kb", "list"), ("kb", "search", "printer", "blank", "pages"), ("report", "--no-chart"),
           ("report", "1"), ("contract", "list"), ("problem", "list"), ("practice", "--list")]


def too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > WIDTH]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("screen", SCREENS, ids=" ".join)
def test_every_screen_fits_80_columns(deskcli, busy_desk, terminal, monkeypatch, language, screen):
    monkeypatch.setenv("DESKCLI_LANG", language)
    with freeze_time("2026-03-10 17:00"):
        result = ok(deskcli(*screen))
    assert result.stdout.strip()
    assert too_wide(result.stdout + result.stderr) == []


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("path", [(), *command_paths()], ids=lambda p: " ".join(p) or "deskcli")
def test_help_pages_fit_80_columns(deskcli, terminal, monkeypatch, language, path):
    monkeypatch.setenv("DESKCLI_LANG", language)
    result = ok(deskcli(*path, "--help"))
    assert too_wide(result.stdout) == []
    assert too_wide(deskcli("help", *path).stdout) == []


def test_a_pipe_keeps_whole_values_and_wide_keeps_every_column(deskcli, busy_desk, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    piped = ok(deskcli("list")).stdout
    assert LONG_SUMMARY in piped and LONG_ORG in piped
    from deskcli.ui import output

    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)
    fitted = ok(deskcli("list")).stdout
    assert LONG_SUMMARY not in fitted and "\u2026" in fitted and not too_wide(fitted)
    wide = ok(deskcli("list", "--wide")).stdout
    assert LONG_SUMMARY in wide and LONG_ORG in wide


@pytest.mark.parametrize("language", ["en", "fr"])
def test_long_lines_of_qualify_sla_and_errors_wrap_under_their_text(deskcli, home, utc, terminal,
                                                                     monkeypatch, language):
    monkeypatch.setenv("DESKCLI_LANG", language)
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text('[hours]\nmonday = ["09:00-12:30", "13:30-18:00"]\n'
                                        'friday = ["09:00-18:00"]\n', encoding="utf-8")
    with freeze_time("2026-03-10 09:00"):
        ok(deskcli("open", "--caller", "Karim Benali", "--summary", "Printer offline", "--billable"))
        qualified = ok(deskcli("qualify", "1", "--type", "incident", "--impact", "department",
                               "--urgency", "blocked"))
        refused = deskcli("qualify", "1", "--type", "incident", "--impact", "galaxy-wide",
                          "--urgency", "blocked")
    assert refused.exit_code == 2
    hours = ok(deskcli("sla"))
    for result in (qualified, hours, refused):
        assert too_wide(result.stdout + result.stderr) == []
    first, second = qualified.stdout.splitlines()[:2]
    # The explanation goes on under itself, past "Ticket #1: " ("Ticket n° 1 : ").
    indent = first.index("priorit")
    assert second[:indent] == " " * indent and second[indent] != " "
    clocks = [line for line in hours.stdout.splitlines() if line.startswith(("Clocks", "Les délais"))]
    assert clocks and hours.stdout.split(clocks[0] + "\n", 1)[1].startswith("  ")
    error_lines = refused.stderr.splitlines()
    assert len(error_lines) > 1
    label = error_lines[0].split(":", 1)[0] + ":"
    assert error_lines[1].startswith(" " * len(label + " ")) and error_lines[1].strip()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_outbox_fits_80_columns_with_its_errors_whole(deskcli, home, utc, terminal, monkeypatch,
                                                          language):
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(
        '[mail]\nfrom_address = "hotline@example.com"\n\n'
        '[mail.smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n', encoding="utf-8")
    ok(deskcli("open", "--caller", "Karim Benali", "--contact", "karim.benali@atlas.example",
               "--summary", "The printer of the second floor is offline", "--billable"))
    assert deskcli("reply", "1", "-m", "The new toner leaves today.").exit_code == 75
    monkeypatch.setenv("DESKCLI_LANG", language)
    shown = ok(deskcli("mail", "outbox")).stdout
    assert too_wide(shown) == []
    header, _rule, row, *errors = shown.splitlines()
    assert "karim.benal" in row and "[#1] The print" in row
    assert "127.0.0.1:9" in errors[0] and errors[-1].rstrip().endswith(("again", "nouveau"))
    monkeypatch.setattr("deskcli.ui.output.is_terminal", lambda stream=None: False)
    piped = ok(deskcli("mail", "outbox")).stdout
    assert "karim.benali@atlas.example" in piped and "127.0.0.1:9" in piped.splitlines()[2]
