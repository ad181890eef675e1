"""The package finds its shipped defaults, also after a plain `pip install .`."""

import subprocess
import sys
from pathlib import Path

import deskcli
from deskcli.core.base.paths import data_dir
from deskcli.i18n import LOCALE_DIR

SOURCE = Path(__file__).resolve().parents[1]


def test_shipped_defaults_are_found():
    for name in ("settings.toml", "checklist.toml"):
        assert (data_dir() / name).is_file(), name


def test_an_installed_package_carries_its_data():
    package = Path(deskcli.__file__).resolve().parent
    if SOURCE / "src" in package.parents:
        # An editable install reads data/ from the checkout; build a wheel to check it.
        out = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(SOURCE / "build" / "wheel-check"), str(SOURCE)],
            capture_output=True, text=True,
        )
        assert out.returncode == 0, out.stderr
        import zipfile

        wheel = max((SOURCE / "build" / "wheel-check").glob("deskcli-*.whl"), key=lambda p: p.stat().st_mtime)
        names = zipfile.ZipFile(wheel).namelist()
        assert "deskcli/data/settings.toml" in names and "deskcli/data/checklist.toml" in names
        # The default settings parsed once at build (hatch_build.py), not at every command.
        assert "deskcli/data/defaults.json" in names
        # The build compiles the French catalog (hatch_build.py): a plain install speaks French.
        assert "deskcli/locale/fr/LC_MESSAGES/deskcli.mo" in names
    else:
        assert data_dir() == package / "data"
        assert (LOCALE_DIR / "fr" / "LC_MESSAGES" / "deskcli.mo").is_file()


def test_python_dash_m_and_version():
    out = subprocess.run([sys.executable, "-m", "deskcli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"deskcli {deskcli.__version__}"


HEAVY = ("questionary", "prompt_toolkit", "tabulate", "jinja2", "plotext", "pydantic", "babel",
         "psycopg", "weasyprint")


def _imported(home, *args, language="en", env=None):
    """The heavy libraries a command loaded, run in a fresh interpreter as a user would."""
    code = ("import sys, json\nfrom deskcli.cli import app\n"
            f"try:\n    app(args={list(args)!r}, prog_name='deskcli')\nexcept SystemExit:\n    pass\n"
            f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    env = dict(__import__("os").environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice",
               DESKCLI_LANG=language, **(env or {}))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return __import__("json").loads(out.stdout.strip().splitlines()[-1])


def test_commands_load_only_the_libraries_they_use(home):
    assert _imported(home, "--version") == []
    assert _imported(home, "open", "--no-input", "--caller", "K", "--summary", "S", "--billable") == []
    assert _imported(home, "close", "1") == []
    assert _imported(home, "list", "--json") == []
    assert _imported(home, "report", "--json") == []
    assert _imported(home, "list") == ["tabulate"]
    assert set(_imported(home, "report")) == {"tabulate"}
    assert _imported(home, "report", "1", "--format", "html") == ["jinja2"]


def test_babel_is_loaded_only_to_show_a_date_or_number_in_another_language(home):
    """English never formats with Babel; French does only where it shows a date or number."""
    assert _imported(home, "--version", language="fr") == []
    assert _imported(home, "open", "--help", language="fr") == []
    assert _imported(home, "open", "--no-input", "--caller", "K", "--summary", "S", "--billable",
                     language="fr") == []
    assert _imported(home, "list", "--json", language="fr") == []
    assert _imported(home, "report", "--json", language="fr") == []
    assert _imported(home, "list", language="fr") == ["babel", "tabulate"]
    assert _imported(home, "show", "1", language="fr") == ["babel"]


def test_only_a_desk_on_postgresql_loads_psycopg(home, fresh_database):
    # The embedded desk never pays for psycopg (the test above); a database URL loads it,
    # and still nothing else a command does not use.
    url = {"DESKCLI_DATABASE_URL": fresh_database()}
    assert _imported(home, "--version", env=url) == []
    assert _imported(home, "open", "--no-input", "--caller", "K", "--summary", "S", "--billable", env=url) == ["psycopg"]
    assert _imported(home, "list", "--json", env=url) == ["psycopg"]
    assert set(_imported(home, "list", env=url)) == {"psycopg", "tabulate"}
