"""Messages on a terminal's stderr fit that terminal even when stdout is piped."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios


def test_messages_fit_the_terminal_of_stderr_when_stdout_is_a_pipe(tmp_path):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 63, 0, 0))
    env = {name: value for name, value in os.environ.items()
           if name not in ("COLUMNS", "LINES", "DESKCLI_LANG", "LC_ALL", "LANG", "LC_MESSAGES")}
    env.update(DESKCLI_HOME=str(tmp_path / "desk"), DESKCLI_USER="nadia", NO_COLOR="1",
               DESKCLI_TEST_POSTGRESQL="0")
    env.pop("DESKCLI_DATABASE_URL", None)
    try:
        result = subprocess.run([sys.executable, "-m", "deskcli", "open", "--abandoned",
                                 "--contact", "0611223344", "--caller", "Karim Benali"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                                env=env, timeout=60)
        os.close(slave)
        said = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            said += chunk
    finally:
        os.close(master)
    assert result.returncode == 0
    assert result.stdout == b"A-1\n"
    lines = said.decode().replace("\r\n", "\n").splitlines()
    assert any("Abandoned call A-1 recorded" in line for line in lines)
    assert lines and max(len(line) for line in lines) <= 63, lines
