"""A broken repository file is refused with exit 3, named, and left byte for byte."""

import fcntl
import os

import pytest

BROKEN = {
    "truncated": b'{"tickets": {"1": {"id": 1, "status": "op',
    "garbage": b"\x00\x13\xff not json at all",
    "empty": b"",
    "a list": b"[1, 2, 3]",
}


@pytest.mark.parametrize("content", BROKEN.values(), ids=BROKEN.keys())
def test_commands_refuse_a_corrupt_file(home, deskcli, content):
    home.mkdir()
    path = home / "active.json"
    path.write_bytes(content)
    for args in (["list"], ["show", "1"], ["open", "--caller", "X", "--summary", "Y", "--no-input"],
                 ["qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "minor"]):
        result = deskcli(*args)
        assert result.exit_code == 3, (args, result.stderr)
        assert str(path) in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == content


def test_the_real_entry_point_refuses_it_too(home, run_cli):
    home.mkdir()
    path = home / "active.json"
    path.write_bytes(BROKEN["truncated"])
    result = run_cli("open", "--caller", "X", "--summary", "Y")
    assert result.returncode == 3
    assert str(path) in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == BROKEN["truncated"]


def test_a_stuck_lock_is_waited_for_then_named(home, run_cli):
    home.mkdir()
    (home / "settings.toml").write_text("[repository]\nlock_timeout_seconds = 0.5\n")
    with open(home / "repository.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write('{"pid": %d, "since": "2026-11-24 09:00:00"}' % os.getpid())
        held.flush()
        result = run_cli("open", "--caller", "X", "--summary", "Y", timeout=20)
    assert result.returncode == 3
    assert "busy" in result.stderr and f"process {os.getpid()}" in result.stderr
    assert not (home / "active.json").exists()
    assert run_cli("open", "--caller", "X", "--summary", "Y").returncode == 0
