"""French questions carry no-break spaces before « : » and « ? »: shown as spaces, not as
prompt_toolkit's yellow underline."""

from __future__ import annotations

import io

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from deskcli.ui import prompts


@pytest.mark.tinydb_only("the terminal's drawing, no repository")
def test_a_no_break_space_is_drawn_as_a_plain_space():
    class Screen(io.StringIO):
        encoding = "utf-8"

    screen = Screen()
    output = Vt100_Output(screen, lambda: Size(rows=24, columns=80), term="xterm-256color")
    with create_pipe_input() as pipe:
        pipe.send_text("Karim\r")
        with prompts.scripted(pipe, output):
            assert prompts.text("Nom de l'appelant\u00a0:") == "Karim"
    drawn = screen.getvalue()
    assert "Nom de l'appelant" in drawn
    # Underline is SGR 4 (alone or among other codes); yellow is 33.
    import re

    codes = [set(m.split(";")) for m in re.findall(r"\x1b\[([0-9;]*)m", drawn)]
    assert not any("4" in c for c in codes), drawn
    assert not any("33" in c for c in codes), drawn
