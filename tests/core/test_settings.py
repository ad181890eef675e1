"""Settings: shipped defaults, overridden per repository, invalid values refused by name."""

import pytest

from deskcli.core import settings
from deskcli.core.errors import InvalidInput


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
    from deskcli.core import sla, treatment

    shipped = settings.defaults()
    assert sla.problems(shipped) == [] and treatment.problems(shipped) == []


def _shipped_copy(tmp_path, monkeypatch):
    """The shipped default files, copied where deskcli reads them, with their parse made
    as the build makes it."""
    import shutil

    from deskcli.core import paths

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
