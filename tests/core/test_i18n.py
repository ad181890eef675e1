"""The session's language as plain functions: its choice, dates and numbers, core's messages
and the option values typed in either language."""

from datetime import date, datetime, timedelta, timezone

import pytest

from deskcli import i18n
from deskcli.core.calls import choices
from deskcli.core.base.errors import InvalidInput


@pytest.fixture
def fr():
    i18n.activate("fr")
    yield
    i18n.activate("en")


@pytest.mark.parametrize("environ, expected", [
    ({}, ("en", None)),
    ({"LANG": "fr_FR.UTF-8"}, ("fr", None)),
    ({"LANG": "FR"}, ("fr", None)),
    ({"LC_ALL": "fr-CA", "LANG": "en_US"}, ("fr", None)),
    ({"LC_ALL": "POSIX", "LANG": "fr_FR"}, ("en", None)),
    ({"LC_MESSAGES": "de_DE.UTF-8", "LANG": "fr_FR"}, ("en", None)),
    ({"DESKCLI_LANG": "fr", "LC_ALL": "C"}, ("fr", None)),
    ({"DESKCLI_LANG": "en", "LANG": "fr_FR"}, ("en", None)),
    ({"DESKCLI_LANG": "klingon", "LANG": "fr_FR"}, ("en", "klingon")),
    ({"DESKCLI_LANG": "  ", "LANG": "fr_FR"}, ("fr", None)),
])
def test_the_language_asked_for(environ, expected):
    assert i18n.requested_language(environ) == expected


def test_english_keeps_the_forms_deskcli_always_printed():
    moment = datetime(2026, 11, 25, 10, 5, tzinfo=timezone.utc)
    assert i18n.datetime_text(moment) == "2026-11-25 10:05"
    assert i18n.date_text("2026-12-31") == "2026-12-31"
    assert i18n.number(6.5) == "6.5" and i18n.number(6.0) == "6" and i18n.number(120, 2) == "120.00"
    assert i18n.percent(0.975) == "97.5%" and i18n.percent(None) == "-"
    assert i18n.duration(timedelta(days=2, hours=3, minutes=4)) == "2d 3h 4min"


def test_french_dates_and_numbers(fr):
    moment = datetime(2026, 11, 25, 10, 5, tzinfo=timezone.utc)
    assert i18n.datetime_text(moment) == "25/11/2026 10:05"
    assert i18n.date_text(date(2026, 12, 31)) == "31/12/2026"
    assert i18n.date_text("not a date") == "not a date"
    assert i18n.number(1234.5) == "1\u202f234,5" and i18n.number(89.9, 2) == "89,90"
    assert i18n.percent(0.975) == "97,5\u00a0%"
    assert i18n.duration(timedelta(hours=1, minutes=30)) == "1 h 30 min"
    assert i18n.duration(timedelta(days=5)) == "5 j"


def test_a_message_of_core_is_english_kept_and_french_shown(fr):
    message = i18n.say("contract {number} valid until {until}", number="C-1",
                       until=i18n.Day("2026-12-31"))
    assert message == "contract C-1 valid until 2026-12-31"
    assert i18n.shown(message) == "contrat C-1 valide jusqu'au 31/12/2026"
    # Kept as data (a ticket's admissibility), it is said again in the reader's language.
    again = i18n.from_record(message.record())
    assert i18n.shown(again) == "contrat C-1 valide jusqu'au 31/12/2026"
    i18n.activate("en")
    assert i18n.shown(again) == "contract C-1 valid until 2026-12-31"


def test_french_names_give_the_machine_value():
    assert choices.pick("urgency", "Bloqué", "--urgency") == "blocked"
    assert choices.pick("urgency", "bloque", "--urgency") == "blocked"
    assert choices.pick("urgency", "peut vivre avec", "--urgency") == "minor"
    assert choices.pick("channel", "Courriel", "--channel") == "email"
    assert choices.pick("escalation", "hiérarchique", "--kind") == "hierarchical"
    assert choices.pick("status", "non-recevable", "--status") == "not_admissible"
    assert choices.pick("status", "not_admissible", "--status") == "not_admissible"
    assert choices.pick("report_by", "technicien", "--by") == "technician"
    with pytest.raises(InvalidInput) as refused:
        choices.pick("desk_format", "markdown", "--format")
    assert str(refused.value) == "--format: 'markdown' is not one of text, html, pdf, csv, json (also texte)"


def test_completion_offers_the_session_language_first(fr):
    assert choices.completions("urgency", "") == ["bloqué", "ralenti", "dégradé", "peut-vivre-avec",
                                                  "mineur", "blocked", "degraded", "minor",
                                                  "can-live-with-it"]
    assert choices.completions("urgency", "bloq") == ["bloqué"]
    assert choices.completions("channel", "co") == ["courriel"]
    i18n.activate("en")
    assert choices.completions("escalation", "h") == ["horizontal", "hierarchical", "horizontale",
                                                      "hiérarchique"]


def test_the_checklist_speaks_the_session_language(fr):
    from deskcli.ui.opening import _checklist

    assert _checklist()["greeting"]["ask"] == "Salutation faite, avec le nom de la société\u00a0?"
    i18n.activate("en")
    assert _checklist()["greeting"]["ask"] == "Greeting said, with the company name?"
