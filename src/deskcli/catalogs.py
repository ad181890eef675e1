"""The message catalogs, for developers: Babel extractors and the check CI runs.

`babel.cfg` names the extractors below; the catalogs are then managed with Babel's own
commands (see docs/language.md, "Catalogs"). `python -m deskcli.catalogs` prints what is wrong with
them, as the test suite does. Babel is imported here only: deskcli never needs it to run
in English, and only to format dates and numbers in another language.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path
from typing import Iterator

DOMAIN = "deskcli"
# Where a source checkout keeps the catalogs, from its top.
CATALOGS = Path("src") / "deskcli" / "locale"


def extract_python(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel's Python extraction, plus the docstrings of the commands.

    A command is a public module-level function whose first parameter is `ctx`: Typer
    shows its docstring as its --help, so the docstring is a message too.
    """
    from babel.messages.extract import extract_python as babel_python

    # say() and term() are how core marks its messages (deskcli.i18n): their first argument
    # is the message, as for _(), under whose name Babel files them.
    # say_n() marks a message with a count, as ngettext() does.
    for lineno, funcname, message, comments in babel_python(
            fileobj, [*keywords, "say", "term", "say_n"], comment_tags, options):
        named = {"say": "_", "term": "_", "say_n": "ngettext"}.get(funcname, funcname)
        yield lineno, named, message, comments
    fileobj.seek(0)
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for node in ast.parse(source).body:
        if (isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
                and node.args.args and node.args.args[0].arg == "ctx"):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, None, inspect.cleandoc(doc), ["The --help of a command."]


def extract_toml(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Every text of a shipped TOML file (the call checklist), one message each."""
    import tomllib

    lines = fileobj.read().decode("utf-8")
    data = tomllib.loads(lines)

    def texts(value, path):
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from texts(item, f"{path}.{key}" if path else key)

    for path, text in texts(data, ""):
        key = path.rsplit(".", 1)[-1]
        lineno = next((n for n, line in enumerate(lines.splitlines(), 1)
                       if line.strip().startswith(f"{key} ") or line.strip().startswith(f"{key}=")), 0)
        yield lineno, None, text, [f"{path} in the shipped checklist."]


def _mapping(root: Path):
    from babel.messages.frontend import parse_mapping_cfg

    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        return parse_mapping_cfg(handle, "babel.cfg")


def extracted(root: Path):
    """The catalog the sources under `root` ask for now, as `pybabel extract -F babel.cfg`
    builds it."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    method_map, options_map = _mapping(root)
    catalog = Catalog(project="deskcli")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=DEFAULT_KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _read(path: Path, locale: str | None = None):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _keys(catalog) -> set:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


_FIELD = re.compile(r"\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")


def _fields(text: str) -> list[str]:
    return sorted(set(_FIELD.findall(text)))


def _show(key) -> str:
    text = key[1] if isinstance(key[1], str) else key[1][0]
    text = text if len(text) < 70 else text[:67] + "..."
    return repr(text)


def problems(root: Path, runtime: Path | None = None) -> list[str]:
    """Everything that keeps the catalogs of the checkout at `root` from matching its code,
    one line each. `runtime` is where deskcli reads its compiled catalogs (by default, the
    installed package's): they must say what the .po files say."""
    import gettext

    from deskcli.i18n import LOCALE_DIR

    runtime = LOCALE_DIR if runtime is None else runtime
    locale = root / CATALOGS
    found = []
    wanted = _keys(extracted(root))
    template = _keys(_read(locale / f"{DOMAIN}.pot"))
    update = ("run `pybabel extract -F babel.cfg ...` and `pybabel update ...` "
              "(docs/language.md, Catalogs)")
    for key in sorted(wanted - template, key=str):
        found.append(f"deskcli.pot lacks {_show(key)}: {update}")
    for key in sorted(template - wanted, key=str):
        found.append(f"deskcli.pot still has {_show(key)}, gone from the code: {update}")
    for po in sorted(locale.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po.parts[-3]
        catalog = _read(po, language)
        held = {k for k in _keys(catalog)}
        for key in sorted(template - held, key=str):
            found.append(f"{language}: {_show(key)} is not in {po.name}: {update}")
        for key in sorted(held - template, key=str):
            found.append(f"{language}: {_show(key)} is in {po.name} but not in deskcli.pot: {update}")
        for message in catalog:
            if not message.id:
                continue
            key = (message.context, message.id if isinstance(message.id, str) else tuple(message.id))
            if message.fuzzy:
                found.append(f"{language}: {_show(key)} is marked fuzzy: check its translation")
            strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
            if not all(strings):
                found.append(f"{language}: {_show(key)} has no translation")
                continue
            ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
            if any(_fields(s) != _fields(ids[-1]) and _fields(s) != _fields(ids[0]) for s in strings):
                found.append(f"{language}: {_show(key)}: the translation's {{fields}} differ "
                             f"from the English ones")
        compiled = runtime / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not compiled.exists():
            found.append(f"{language}: {compiled} is missing: run `pybabel compile -d "
                         f"src/deskcli/locale -D deskcli` (a build compiles it)")
            continue
        with compiled.open("rb") as handle:
            loaded = gettext.GNUTranslations(handle)._catalog
        expected = {}
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            prefix = f"{message.context}\x04" if message.context else ""
            if isinstance(message.id, (tuple, list)):
                for index, string in enumerate(message.string):
                    expected[(prefix + message.id[0], index)] = string
            else:
                expected[prefix + message.id] = message.string
        loaded = {k: v for k, v in loaded.items() if k != ""}
        if loaded != expected:
            found.append(f"{language}: the compiled {compiled} does not match {po.name}: run "
                         f"`pybabel compile -d src/deskcli/locale -D deskcli`")
    return found


def main() -> None:
    """`python -m deskcli.catalogs [CHECKOUT]`: the check of the catalogs, from a checkout."""
    found = problems(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    for line in found:
        print(line)
    print(f"{len(found)} problem(s) in the catalogs" if found else "The catalogs match the code.")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
