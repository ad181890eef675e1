"""The session's language: gettext catalogs, chosen by DESKCLI_LANG or the locale variables,
and the dates, times and numbers shown in that language.

Messages are written in English in the code and looked up at the moment they are shown,
so that one process (the tests, a completion request) can speak several languages one
after the other. Babel formats dates and numbers, and is imported only when a session
that is not English shows one: English keeps the ISO forms that deskcli always printed.
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

DOMAIN = "deskcli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"
# The languages a session can speak: English, the language of the code, and every catalog.
LANGUAGES = ("en", "fr")
# Babel's name of each language's formats.
BABEL_LOCALES = {"fr": "fr_FR"}
# DESKCLI_LANG wins; then the variables every program reads, in POSIX order.
LANGUAGE_VARIABLES = ("DESKCLI_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


class _Session:
    language = SOURCE_LANGUAGE
    translations: _gettext.NullTranslations = _gettext.NullTranslations()
    warning: str | None = None


_session = _Session()


def requested_language(environ: Any = None) -> tuple[str, str | None]:
    """The language asked for, and a warning when DESKCLI_LANG names one deskcli lacks.

    The first variable that is set decides, as POSIX says; `C` and `POSIX` are English.
    """
    environ = os.environ if environ is None else environ
    for variable in LANGUAGE_VARIABLES:
        value = (environ.get(variable) or "").strip()
        if not value:
            continue
        # fr_FR.UTF-8@euro, fr-CA, FR: the language is what comes before _ - . @
        language = re.split(r"[_.@-]", value, maxsplit=1)[0].lower()
        if language in ("c", "posix"):
            return SOURCE_LANGUAGE, None
        if language in LANGUAGES:
            return language, None
        if variable == "DESKCLI_LANG":
            return SOURCE_LANGUAGE, value
        return SOURCE_LANGUAGE, None
    return SOURCE_LANGUAGE, None


def activate(language: str | None = None) -> str:
    """Speak `language` (default: the one the environment asks for) from now on."""
    warning = None
    if language is None:
        language, warning = requested_language()
    _session.warning = warning
    _session.translations = _load(language)
    _session.language = language
    return language


def _load(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of `language` (the tests wrap it to see what it lacks)."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    # The catalog's own path, read straight: gettext.translation() would first look for
    # a dozen spellings of the locale, which costs a French command about 7 ms.
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    except OSError:
        # A missing catalog falls back to English rather than failing the command; the
        # tests check that every build carries its compiled catalogs.
        return _gettext.NullTranslations()


def language() -> str:
    return _session.language


def language_option(value: str | None) -> str | None:
    """The language --lang asks for (fr, FR, fr_FR), or None to follow the environment;
    a language deskcli lacks is refused by the option itself, in the environment's."""
    if not value:
        return None
    wanted = re.split(r"[_.@-]", value.strip(), maxsplit=1)[0].lower()
    return wanted if wanted in LANGUAGES else None


def in_language(message: str, language: str) -> str:
    """`message` in `language`, whatever the session speaks (a mail in the desk's language)."""
    return _load(language).gettext(message)


def startup_warning() -> str | None:
    """What to tell once when DESKCLI_LANG asked for a language without a catalog."""
    if _session.warning is None:
        return None
    return _("DESKCLI_LANG={value}: deskcli does not speak this language; it speaks {languages}. "
             "English is used.").format(value=_session.warning, languages=", ".join(LANGUAGES))


def _(message: str) -> str:
    """`message` in the session's language."""
    return _session.translations.gettext(message)


def tr(message: str) -> str:
    """A message held in a variable (a label looked up in a table), in the session's
    language: the same as _(), under a name Babel does not collect strings from."""
    return _session.translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _session.translations.ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where it is shown."""
    return message


# -- messages made by core -----------------------------------------------------------------


class Text(str):
    """A message made by core: English wherever it is kept or printed as JSON (it *is* that
    English string), in the session's language wherever it is shown (`shown`).

    Core never needs to know the session's language, and a --json document reads the same
    in every language.
    """

    template: str
    values: dict

    def __new__(cls, template: str, values: dict | None = None) -> "Text":
        values = values or {}
        self = super().__new__(cls, template.format(**values) if values else template)
        self.template = template
        self.values = values
        return self

    def shown(self) -> str:
        return _(self.template).format(**{k: shown(v) for k, v in self.values.items()}) \
            if self.values else _(self.template)

    def record(self) -> dict:
        """The message as JSON data, to be said again in any language (`from_record`)."""
        return {"message": self.template,
                "values": {k: v.record() if isinstance(v, (Text, Day, Join)) else v
                           for k, v in self.values.items()}}


class Plural(Text):
    """A message made by core whose words agree with a count: the English form chosen by the
    count where it is kept, the session's plural form where it is shown."""

    singular: str
    plural: str
    count: int

    def __new__(cls, singular: str, plural: str, count: int, values: dict | None = None) -> "Plural":
        self = super().__new__(cls, singular if count == 1 else plural, values)
        self.singular, self.plural, self.count = singular, plural, count
        return self

    def shown(self) -> str:
        return ngettext(self.singular, self.plural, self.count).format(
            **{k: shown(v) for k, v in self.values.items()})

    def record(self) -> dict:
        return {"message": self.singular, "plural": self.plural, "count": self.count,
                "values": {k: v.record() if isinstance(v, (Text, Day, Join)) else v
                           for k, v in self.values.items()}}


class Day(str):
    """An ISO date inside a message: kept as it is, shown as the session writes dates."""

    def shown(self) -> str:
        return date_text(str(self))

    def record(self) -> dict:
        return {"day": str(self)}


class Join(str):
    """Words of a message joined by commas, each shown in the session's language."""

    def __new__(cls, items, separator: str = ", ") -> "Join":
        self = super().__new__(cls, separator.join(str(i) for i in items))
        self.items = list(items)
        self.separator = separator
        return self

    def shown(self) -> str:
        return self.separator.join(str(shown(i)) for i in self.items)

    def record(self) -> str:
        return str(self)  # kept as the English words: a list is not said again


class Field(str):
    """A fact a message of core is about (minutes, since), as the program that runs core
    names it to the person: the command line names each by its option (--minutes).

    Core says which fact; it never knows how a user types it (`name_fields`)."""

    name: str

    def __new__(cls, name: str) -> "Field":
        self = super().__new__(cls, _field_name(name))
        self.name = name
        return self


def _field_name(name: str) -> str:
    return name


def name_fields(namer) -> None:
    """How every Field is said from now on: `namer(name)` (the command line's option)."""
    global _field_name
    _field_name = namer


def fact(name: str) -> Field:
    """A fact of core inside a message (its value, not a word to translate)."""
    return Field(name)


def say(template: str, **values: Any) -> Text:
    """A message of core: `template` (English, marked for the catalog) with its values."""
    return Text(template, values)


def say_n(singular: str, plural: str, n: int, /, **values: Any) -> Plural:
    """A message of core with a count: `singular` or `plural` (English, marked for the
    catalog as ngettext's are), said in the form the session's language gives `n`."""
    return Plural(singular, plural, n, values)


def term(template: str) -> Text:
    """A word kept in English and shown translated (a state, a kind), to put in a message."""
    return Text(template)


def from_record(record: Any) -> Any:
    """A message kept as data (`Text.record`) back as a Text, or the value itself."""
    if isinstance(record, dict) and set(record) == {"day"}:
        return Day(record["day"])
    if isinstance(record, dict) and set(record) == {"message", "plural", "count", "values"}:
        return Plural(record["message"], record["plural"], record["count"],
                      {k: from_record(v) for k, v in record["values"].items()})
    if isinstance(record, dict) and set(record) == {"message", "values"}:
        return Text(record["message"], {k: from_record(v) for k, v in record["values"].items()})
    return record


def shown(value: Any) -> Any:
    """Any value as the session reads it: messages of core translated, the rest as they are."""
    return value.shown() if isinstance(value, (Text, Day, Join)) else value


# -- dates, times and numbers as the session reads them --------------------------------


def _locale() -> str:
    return BABEL_LOCALES.get(_session.language, _session.language)


def datetime_text(moment: datetime) -> str:
    """A local moment to the minute: 2026-11-25 10:05 in English, 25/11/2026 10:05 in French."""
    if _session.language == SOURCE_LANGUAGE:
        return moment.strftime("%Y-%m-%d %H:%M")
    from babel.dates import format_datetime

    return format_datetime(moment, "short", locale=_locale())


def date_text(day: date | str) -> str:
    """A calendar day (a date or its ISO text) as the session writes it."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return day
    if _session.language == SOURCE_LANGUAGE:
        return day.isoformat()
    from babel.dates import format_date

    return format_date(day, "short", locale=_locale())


def number(value: float | int, decimals: int | None = None) -> str:
    """A number as the session writes it; `decimals` fixes the digits after the point,
    otherwise as few as needed (6, 6.5)."""
    if _session.language == SOURCE_LANGUAGE:
        return f"{value:.{decimals}f}" if decimals is not None else f"{value:g}"
    from babel.numbers import format_decimal

    if decimals is not None:
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, pattern, locale=_locale())
    if float(value).is_integer():
        return format_decimal(int(value), "#,##0", locale=_locale())
    # %g's six significant digits, in the session's writing.
    return format_decimal(float(f"{value:g}"), "#,##0.######", locale=_locale())


def seconds_text(seconds: float) -> str:
    return duration(timedelta(seconds=seconds))


def minutes_text(minutes: float) -> str:
    return duration(timedelta(minutes=float(minutes)))


def percent(share: float | None, decimals: int | None = 1) -> str:
    """A share of 0 to 1 as a percentage: 97.5% in English, 97,5 % in French."""
    if share is None:
        return "-"
    return _("{number}%").format(number=number(share * 100, decimals))


def duration(delta: timedelta) -> str:
    """A span as the session abbreviates it: 1h 30min in English, 1 h 30 min in French.

    The one way deskcli writes a duration to a person (clocks, targets, time spent,
    identification), so that 10m, 10 min and 0.23 min never stand side by side."""
    seconds = int(round(abs(delta.total_seconds())))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [_("{count}d").format(count=days) if days else "",
             _("{count}h").format(count=hours) if hours else "",
             _("{count}min").format(count=minutes) if minutes else "",
             _("{count}s").format(count=seconds) if seconds and not days else ""]
    return " ".join(p for p in parts if p) or _("{count}s").format(count=0)


# -- the command line's own texts --------------------------------------------------------

# Texts of Typer and of the click it carries that deskcli shows: listed here so that the
# catalog holds them (Typer looks its own up through the gettext module, click not at all).
LIBRARY_TEXTS = (
    N_("Usage: "), N_("Show this message and exit."), N_("Arguments"), N_("Options"),
    N_("Commands"), N_("default: {default}"), N_("required"), N_("(dynamic)"),
    N_("env var: {var}"), N_("Aborted!"), N_("Missing command."),
    N_("No such command {name!r}."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)
# Click's names of the values an option takes, shown after it in --help.
METAVARS = {"TEXT": N_("TEXT"), "INTEGER": N_("INTEGER"), "FLOAT": N_("FLOAT"),
            "BOOLEAN": N_("BOOLEAN")}


def translate_command(command: Any) -> Any:
    """A built click command with its help, its options' help and value names in the
    session's language. The English is kept beside them, so the same command object can
    be translated again when a process changes language (the tests do)."""
    for item in (command, *getattr(command, "params", ())):
        if not hasattr(item, "_deskcli_english"):
            item._deskcli_english = (getattr(item, "help", None), getattr(item, "metavar", None))
        help_text, metavar = item._deskcli_english
        if help_text:
            import inspect

            item.help = _(inspect.cleandoc(help_text))
        if item is command:
            continue
        if metavar is not None:
            item.metavar = _(metavar)  # FILE, NAME: marked where the option is declared
        elif _metavar_name(item) in METAVARS:  # never click's own <str>
            item.metavar = _(METAVARS[_metavar_name(item)])
        else:
            item.metavar = None
    return command


def _metavar_name(param: Any) -> str | None:
    if getattr(param, "is_flag", False) or getattr(param, "param_type_name", "") != "option":
        return None
    name = getattr(param.type, "name", "")
    return {"text": "TEXT", "str": "TEXT", "integer": "INTEGER", "int": "INTEGER",
            "float": "FLOAT", "boolean": "BOOLEAN", "integer range": "INTEGER",
            "int range": "INTEGER", "float range": "FLOAT"}.get(name)


# Click writes its usage errors in English with f-strings: each known shape is read back
# and said again in the session's language. A shape not listed stays as click wrote it.
_CLICK_MESSAGES = (
    (r"^(?P<value>.*) is not a valid (?:integer|int)\.$", N_("{value} is not a whole number.")),
    (r"^(?P<value>.*) is not a valid float\.$", N_("{value} is not a number.")),
    (r"^(?P<value>.*) is not a valid (?:str|text)\.$", N_("{value} is not a text.")),
    (r"^(?P<value>.*) is not a valid boolean\..*$", N_("{value} is neither yes nor no.")),
    (r"^(?P<value>.*) is not in the range (?P<range>.*)\.$", N_("{value} is not in the range {range}.")),
    (r"^Option (?P<name>.*) requires an argument\.$", N_("Option {name} needs a value.")),
    (r"^Option (?P<name>.*) does not take a value\.$", N_("Option {name} does not take a value.")),
    (r"^Got unexpected extra arguments?(?:\(s\))? \((?P<args>.*)\)$", N_("Unexpected extra arguments: {args}")),
)


def _click_message(text: str) -> str:
    # Compiled here, on a usage error, not at every start.
    counted = re.match(r"^Option (?P<name>.*) requires (?P<count>\d+) arguments\.$", text, re.S)
    if counted:
        count = int(counted["count"])
        return ngettext("Option {name} needs {count} value.", "Option {name} needs {count} values.",
                        count).format(name=counted["name"], count=count)
    for pattern, message in _CLICK_MESSAGES:
        match = re.match(pattern, text, re.S)
        if match:
            return _(message).format(**match.groupdict())
    return text


def suggestion(word: str, known: list[str]) -> str:
    """ "Did you mean ...?" for a mistyped word, or nothing when none is near."""
    import difflib

    near = difflib.get_close_matches(word, known, n=3, cutoff=0.7)
    if not near and len(word) >= 2:
        near = [k for k in known if k.startswith(word)][:3]
    if not near:
        return ""
    return " " + _("Did you mean {names}?").format(names=_(" or ").join(near))


def usage_error_text(error: Any) -> str:
    """A click usage error (with its usage line and hint) in deskcli's words, in the
    session's language, with the nearest verb or option when one was mistyped."""
    kind = type(error).__name__
    ctx = getattr(error, "ctx", None)
    hint = None
    param = getattr(error, "param", None)
    if param is not None and ctx is not None:
        hint = getattr(error, "param_hint", None) or param.get_error_hint(ctx)
        if not isinstance(hint, str):
            hint = " / ".join(repr(h) for h in hint)
    if kind == "UnknownVerb":
        message = _("{name} is not a command of {program}.").format(
            name=repr(error.name), program=ctx.command_path if ctx is not None else "deskcli") \
            + (suggestion(error.name, error.known) or " " + _("See 'deskcli help'."))
    elif kind == "MissingParameter":
        what = getattr(error, "param_type", None) or getattr(param, "param_type_name", "")
        message = (_("Missing argument {name}.") if what == "argument"
                   else _("Missing option {name}.")).format(name=hint or "")
    elif kind == "NoSuchOption":
        message = _("No such option: {name}.").format(name=error.option_name)
        known = [o for p in (ctx.command.get_params(ctx) if ctx is not None else [])
                 for o in (*p.opts, *p.secondary_opts) if o.startswith("-")]
        message += suggestion(error.option_name, known)
    elif hint is not None:
        message = _("Invalid value for {name}: {message}").format(
            name=hint, message=_click_message(error.message))
    else:
        message = _click_message(error.format_message())
    lines = []
    if ctx is not None:
        lines.append(ctx.get_usage())
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(_("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]))
        lines.append("")
    lines.append(_("Error: {message}").format(message=message))
    return "\n".join(lines)
