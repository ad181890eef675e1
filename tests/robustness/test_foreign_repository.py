"""A repository directory another user owns (and keeps private) is refused with exit 3,
named with its owner, by every command: no traceback."""

import os
import stat
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


@contextmanager
def traversable(paths):
    """Let other users pass through the private temporary directories above `paths` (a
    virtual environment made in `mktemp -d`, as CI's), for the length of the test only."""
    temporary = Path(tempfile.gettempdir()).resolve()
    opened = []
    for path in paths:
        for parent in Path(path).resolve().parents:
            if temporary not in parent.parents:
                continue
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH and parent not in (p for p, _ in opened):
                os.chmod(parent, mode | stat.S_IXOTH)
                opened.append((parent, mode))
    try:
        yield
    finally:
        for parent, mode in reversed(opened):
            os.chmod(parent, stat.S_IMODE(mode))


def run_as_nobody(home, args):
    with traversable([SRC, *sys.path[1:]]):
        return _run_as_nobody(home, args)


def _run_as_nobody(home, args):
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
