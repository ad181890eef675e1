"""`deskcli init`, and the first guided call on a desk never set up."""

from __future__ import annotations

import threading

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from deskcli.core.app import settings
from deskcli.core.calls import tickets
from deskcli.core.knowledge import kb
from deskcli.core.app.desk import open_desk
from deskcli.ui import prompts
from tests.commands.test_open_interactive import ATLAS_CALL, ENTER, add_contract, guided  # noqa: F401

CLEAR = "\x15"  # Ctrl-U: empties the answer offered


def init_at_the_terminal(deskcli, keys: str) -> None:
    """`deskcli init` answered through real prompt input, keystroke by keystroke."""
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        with prompts.scripted(pipe, DummyOutput()):
            outcome = {}
            worker = threading.Thread(target=lambda: outcome.update(r=deskcli("init")), daemon=True)
            worker.start()
            worker.join(timeout=20)
            assert not worker.is_alive(), "the prompts waited for more keystrokes"
    assert outcome["r"].exit_code == 0, outcome["r"].stderr


def test_init_with_options_asks_nothing(deskcli, home, monkeypatch):
    monkeypatch.delenv("DESKCLI_USER")
    result = deskcli("init", "--company", "Atlas Support", "--technician", "Nadia Alami",
                     "--no-contracts", "--starter-kb", "--completion", "none")
    assert result.exit_code == 0, result.stderr
    loaded = settings.load(home)
    assert loaded["desk"]["company"] == "Atlas Support"
    assert loaded["desk"]["require_contract"] is False
    assert loaded["technician"]["name"] == "Nadia Alami"
    assert (home / "settings.toml").stat().st_mode & 0o077 == 0
    desk = open_desk(home)
    assert desk.technician == "Nadia Alami" and not kb.is_empty(desk)
    desk.repo.close()
    # --as and $DESKCLI_USER still win over the name recorded.
    assert open_desk(home, "bob").technician == "bob"


def test_init_again_changes_only_what_is_given(deskcli, home):
    (home).mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text("# ours\n[sla]\nat_risk = 0.5\n\n[desk]\ncompany = \"Old\"\n")
    assert deskcli("init", "--company", "New name", "--no-input").exit_code == 0
    text = (home / "settings.toml").read_text()
    assert "# ours" in text and "at_risk = 0.5" in text and 'company = "New name"' in text
    assert "Old" not in text


def test_init_refuses_an_unknown_shell(deskcli):
    result = deskcli("init", "--completion", "tcsh", "--no-input")
    assert result.exit_code == 2 and "use bash, zsh, fish or none" in result.stderr


def test_init_installs_completion_where_the_shell_looks(deskcli, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = deskcli("init", "--completion", "bash", "--no-input")
    assert result.exit_code == 0, result.stderr
    script = tmp_path / "data" / "bash-completion" / "completions" / "deskcli"
    assert "_DESKCLI_COMPLETE" in script.read_text()


def test_init_in_a_terminal_asks_each_question(deskcli, home, monkeypatch):
    monkeypatch.setenv("SHELL", "/bin/sh")  # no shell to complete: no completion question
    keys = "Atlas Support" + ENTER + CLEAR + "Nadia" + ENTER + "n" + "y"
    init_at_the_terminal(deskcli, CLEAR + keys)
    loaded = settings.load(home)
    assert loaded["desk"]["company"] == "Atlas Support" and loaded["technician"]["name"] == "Nadia"
    assert loaded["desk"]["require_contract"] is False


def test_the_first_guided_call_offers_to_set_the_desk_up(guided, deskcli, desk, monkeypatch):  # noqa: F811
    add_contract(deskcli)
    monkeypatch.delenv("DESKCLI_USER")
    monkeypatch.setenv("SHELL", "/bin/sh")
    setup = "y" + CLEAR + "Atlas Support" + ENTER + CLEAR + "Nadia" + ENTER + "y" + "n"
    result = guided(setup + ATLAS_CALL, fresh=True)
    assert result.exit_code == 0, result.stderr
    assert "Settings written to" in result.stderr  # the questions themselves go to the terminal
    assert '"Atlas Support, good morning!"' in result.stderr
    assert '"Nadia speaking' in result.stderr
    ticket = tickets.get_ticket(desk, int(result.stdout))
    assert ticket["opener"] == "Nadia"
    # Asked once: the next call goes straight to the greeting.
    again = guided(ATLAS_CALL, fresh=True)
    assert again.exit_code == 0 and "Settings written" not in again.stderr


def test_declining_is_remembered(guided, deskcli, home):  # noqa: F811
    add_contract(deskcli)
    result = guided("n" + ATLAS_CALL, fresh=True)
    assert result.exit_code == 0, result.stderr
    assert (home / "settings.toml").exists()
    assert guided(ATLAS_CALL, fresh=True).exit_code == 0  # no question before the greeting


@pytest.mark.parametrize("args", [("open", "--caller", "K", "--summary", "S"), ("open", "--no-input", "--caller", "K", "--summary", "S")])
def test_a_script_is_never_offered_the_set_up(deskcli, home, args):
    result = deskcli(*args)
    assert result.exit_code == 0 and "not set up" not in result.stderr
    assert not (home / "settings.toml").exists()


def test_the_answers_offered_are_kept_with_enter_and_never_typed_into(deskcli, home, monkeypatch):
    # The shipped company name is no answer: what is typed is the whole name. The
    # technician's present name is offered: Enter keeps it, as typing would replace it.
    monkeypatch.setenv("SHELL", "/bin/sh")
    keys = "Atlas Support" + ENTER + ENTER + "n" + "y"
    init_at_the_terminal(deskcli, keys)
    loaded = settings.load(home)
    assert loaded["desk"]["company"] == "Atlas Support" and loaded["technician"]["name"] == "alice"
