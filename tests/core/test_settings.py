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
