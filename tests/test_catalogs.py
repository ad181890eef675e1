"""CI's guard of the message catalogs: the French one is complete and up to date with the
code, and the compiled catalog deskcli reads says what the .po says."""

import shutil
from pathlib import Path

import pytest

from deskcli.catalogs import problems

SOURCE = Path(__file__).resolve().parents[1]


def test_the_catalogs_match_the_code():
    found = problems(SOURCE)
    assert not found, "\n".join(found)


@pytest.fixture
def checkout(tmp_path):
    """A small checkout with deskcli's extractors, one message and its French catalog."""
    root = tmp_path / "checkout"
    (root / "src" / "deskcli" / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (root / "babel.cfg").write_text(
        "[extractors]\ndeskcli_python = deskcli.catalogs:extract_python\n\n"
        "[deskcli_python: src/deskcli/**.py]\n", encoding="utf-8")
    (root / "src" / "deskcli" / "tool.py").write_text(
        'from deskcli.i18n import _, say\n\n\n'
        'def run(ctx):\n    """Run the tool.\n\n    Example: tool run\n    """\n'
        '    print(_("Ticket #{number} closed."))\n', encoding="utf-8")
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    entries = ('msgid "Ticket #{number} closed."\nmsgstr "%s"\n\n'
               'msgid ""\n"Run the tool.\\n"\n"\\n"\n"Example: tool run"\nmsgstr "%s"\n')
    locale = root / "src" / "deskcli" / "locale"
    (locale / "deskcli.pot").write_text(header + entries % ("", ""), encoding="utf-8")
    po = locale / "fr" / "LC_MESSAGES" / "deskcli.po"
    po.write_text(header + entries % ("Ticket n° {number} clôturé.", "Lancer l'outil."),
                  encoding="utf-8")
    runtime = tmp_path / "runtime"
    (runtime / "fr" / "LC_MESSAGES").mkdir(parents=True)
    _compile(po, runtime)
    return root, runtime, po


def _compile(po: Path, runtime: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source, (runtime / "fr" / "LC_MESSAGES" / "deskcli.mo").open("wb") as target:
        write_mo(target, read_po(source))


def test_a_sound_checkout_passes(checkout):
    root, runtime, _po = checkout
    assert problems(root, runtime) == []


def test_a_new_message_in_the_code_is_caught(checkout):
    root, runtime, _po = checkout
    tool = root / "src" / "deskcli" / "tool.py"
    tool.write_text(tool.read_text() + '    print(say("{count} tickets left", count=2))\n')
    assert problems(root, runtime) == [
        "deskcli.pot lacks '{count} tickets left': run `pybabel extract -F babel.cfg ...` "
        "and `pybabel update ...` (docs/language.md, Catalogs)"]


def test_an_empty_fuzzy_or_wrong_translation_is_caught(checkout):
    root, runtime, po = checkout
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Lancer l\'outil."', 'msgstr ""')
                  .replace('msgid "Ticket #{number} closed."\nmsgstr "Ticket n° {number} clôturé."',
                           '#, fuzzy\nmsgid "Ticket #{number} closed."\nmsgstr "Ticket n° {numéro} clôturé."'),
                  encoding="utf-8")
    found = problems(root, runtime)
    assert "fr: 'Run the tool.\\n\\nExample: tool run' has no translation" in found
    assert "fr: 'Ticket #{number} closed.' is marked fuzzy: check its translation" in found
    assert "fr: 'Ticket #{number} closed.': the translation's {fields} differ from the English ones" \
        in found


def test_a_stale_compiled_catalog_is_caught(checkout, tmp_path):
    root, runtime, po = checkout
    po.write_text(po.read_text(encoding="utf-8").replace("clôturé.", "fermé."), encoding="utf-8")
    assert any("does not match deskcli.po" in line for line in problems(root, runtime))
    shutil.rmtree(runtime / "fr")
    assert any("is missing" in line for line in problems(root, runtime))
