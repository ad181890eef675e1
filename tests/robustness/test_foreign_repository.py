"""A repository directory another user owns (and keeps private) is refused with exit 3,
named with its owner, by every command: no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run_as_nobody(home, args):
    """deskcli as user `nobody` (the tests run as root here), else as ourselves."""
    env = {**os.environ, "DESKCLI_HOME": str(home), "DESKCLI_USER": "x", "HOME": "/tmp",
           "PYTHONPATH": os.pathsep.join([SRC, *sys.path[1:]])}
    if os.geteuid() != 0:
        return subprocess.run([sys.executable, "-m", "deskcli", *args], env=env,
                              capture_output=True, text=True, cwd="/tmp")

    def drop():
        os.setgid(65534)
        os.setuid(65534)

    for python in (sys.executable, "/usr/bin/python3"):
        try:
            probe = subprocess.run([python, "-c", "import deskcli, typer, tinydb"], env=env,
                                   preexec_fn=drop, capture_output=True, cwd="/tmp")
        except OSError:
            continue
        if probe.returncode == 0:
            return subprocess.run([python, "-m", "deskcli", *args], env=env, preexec_fn=drop,
                                  capture_output=True, text=True, cwd="/tmp")
    pytest.fail("no Python that user nobody can run was found to try another user's repository")


@pytest.mark.parametrize("args", [["list"], ["open", "--caller", "K", "--summary", "S", "--billable",
                                            "--no-input"], ["show", "1"], ["doctor"],
                                  ["migrate", "--to", "postgresql://desk@localhost/x"]])
def test_a_repository_of_another_user_is_refused_naming_it(tmp_path, args):
    home = tmp_path / "theirs"
    home.mkdir()
    os.chmod(tmp_path, 0o755)
    (home / "active.json").write_text('{"tickets": {}}')
    os.chmod(home, 0o700 if os.geteuid() == 0 else 0o000)
    try:
        result = run_as_nobody(home, args)
    finally:
        os.chmod(home, 0o700)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert str(home) in result.stderr and "cannot be read by you" in result.stderr
