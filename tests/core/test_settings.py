"""Settings: shipped defaults, overridden per repository, invalid values refused by name."""

import pytest

from deskcli.core.app import settings
from deskcli.core.base.errors import InvalidInput


def test_defaults_come_from_the_shipped_file(home):
    loaded = settings.load(home)
    assert loaded["desk"]["require_contract"] is True
    assert loaded["desk"]["identification_minutes"] == 5


def test_repository_file_overrides_a_key(home):
    home.mkdir()
    (home / "settings.toml").write_text('[desk]\ncompany = "Atlas Support"\nrequire_contract = false\n')
    loaded = settings.load(home)
    assert loaded["desk"]["company"] == "Atlas Support"
    assert loaded["desk"]["require_contract"] is False
    assert loaded["desk"]["identification_minutes"] == 5


@pytest.mark.parametrize("text, named", [
    ('[desk]\nrequire_contract = "yes"\n', "desk.require_contract must be true or false"),
    ('[desk]\ncolour = 3\n', "unknown key 'desk.colour'"),
    ('[desk\n', "not valid TOML"),
    ('desk = 3\n', "desk must be a table"),
])
def test_invalid_override_names_file_and_key(home, text, named):
    home.mkdir()
    (home / "settings.toml").write_text(text)
    with pytest.raises(InvalidInput) as caught:
        settings.load(home)
    assert named in str(caught.value) and "settings.toml" in str(caught.value)


def test_the_shipped_defaults_pass_their_own_checks():
    from deskcli.core.calls import sla
    from deskcli.core.treating import treatment

    shipped = settings.defaults()
    assert sla.problems(shipped) == [] and treatment.problems(shipped) == []


def _shipped_copy(tmp_path, monkeypatch):
    """The shipped default files, copied where deskcli reads them, with their parse made
    as the build makes it."""
    import shutil

    from deskcli.core.base import paths

    data = tmp_path / "data"
    data.mkdir()
    for name in settings.DEFAULT_FILES:
        shutil.copy(paths.data_file(name), data / name)
    (data / settings.PARSED_DEFAULTS).write_text(settings.parsed_defaults_text(data), encoding="utf-8")
    monkeypatch.setattr(settings, "data_file", lambda name: data / name)
    return data


def _parsed_from_toml(data):
    merged = {}
    for name in settings.DEFAULT_FILES:
        merged.update(settings.load_toml(data / name))
    return merged


def test_the_defaults_parsed_at_build_are_the_files_parsed(tmp_path, monkeypatch):
    data = _shipped_copy(tmp_path, monkeypatch)
    import json

    assert settings._parsed_defaults() is not None
    assert settings.defaults() == _parsed_from_toml(data)
    # Types survive the trip through JSON: floats stay floats, booleans booleans.
    assert json.loads((data / settings.PARSED_DEFAULTS).read_text())["defaults"] == _parsed_from_toml(data)


def test_a_default_file_edited_after_the_build_is_read_as_it_is_now(tmp_path, monkeypatch):
    data = _shipped_copy(tmp_path, monkeypatch)
    text = (data / "settings.toml").read_text(encoding="utf-8")
    (data / "settings.toml").write_text(text.replace("identification_minutes = 5",
                                                     "identification_minutes = 7"), encoding="utf-8")
    assert settings._parsed_defaults() is None
    assert settings.defaults()["desk"]["identification_minutes"] == 7
    # Without the parsed file (a checkout never built), the TOML files are the defaults.
    (data / settings.PARSED_DEFAULTS).unlink()
    assert settings.defaults() == _parsed_from_toml(data)
    (data / settings.PARSED_DEFAULTS).write_text("{not json", encoding="utf-8")
    assert settings.defaults() == _parsed_from_toml(data)


class _Reading(dict):
    """A settings dict that notes which of its tables are read."""

    def __init__(self, data, read):
        super().__init__(data)
        self.read = read

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def test_each_check_reads_only_the_tables_it_is_run_for():
    import importlib

    for module, sections in settings.CHECKS.items():
        read: set = set()
        assert importlib.import_module(module).problems(
            _Reading(settings.defaults(), read)) == []
        assert read and read <= set(sections), (module, read)


@pytest.mark.parametrize("text, named", [
    ('[treatment]\nhighest_level = 12\n', "treatment.highest_level must be a level from 2 to 9"),
    ('[groups]\nnetwork = 1\n', "groups.network must be a support level"),
    ('[sla]\nat_risk = 2.0\n', "sla.at_risk must be a share between 0 and 1"),
    ('[documents]\ncurrency = "euro"\n', "documents.currency must be a currency"),
    ('[repository]\nbackups_kept = -1\n', "repository.backups_kept must be a number of 0 or more"),
])
def test_a_changed_table_is_still_checked(home, text, named):
    home.mkdir()
    (home / "settings.toml").write_text(text)
    with pytest.raises(InvalidInput) as caught:
        settings.load(home)
    assert named in str(caught.value)


def test_a_set_up_desk_loads_no_check_of_tables_it_leaves_alone(home):
    """`deskcli init` writes the company's name: its every command does not import the
    SLA, treatment and document rules only to check the shipped values again."""
    import subprocess
    import sys

    home.mkdir()
    (home / "settings.toml").write_text('[desk]\ncompany = "Atlas Support"\n')
    code = ("import sys\nfrom pathlib import Path\nfrom deskcli.core.app import settings\n"
            f"assert settings.load(Path({str(home)!r}))['desk']['company'] == 'Atlas Support'\n"
            "print(sorted(m for m in ('deskcli.core.calls.sla', 'deskcli.core.treating.treatment', "
            "'deskcli.core.reporting.reports') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
