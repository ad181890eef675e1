"""A write that fails says exactly what happened: exit 0 (with a warning about what is left
to tidy) when the change was made, exit 3 with the state untouched when it was not. A file
written with -o is whole or left as it was."""

import json
import os
import resource
import signal
import subprocess
import sys

import pytest

from killpoints import full_disk_at_every_step, run_deskcli

OPEN = ["open", "--caller", "Karim", "--summary", "Imprimante", "--billable", "--no-input"]


def ok(result):
    assert result.returncode == 0, result.stderr
    return result


def statuses(home) -> dict[int, str]:
    tickets = json.loads(ok(run_deskcli(home, ["list", "--all", "--json"])).stdout)
    numbers = [t["id"] for t in tickets]
    assert len(numbers) == len(set(numbers)), f"a ticket shown twice: {numbers}"
    return {t["id"]: t["status"] for t in tickets}


@pytest.fixture
def desk(tmp_path):
    start = tmp_path / "start"
    for args in (OPEN, OPEN,
                 ["qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "minor"],
                 ["treat", "1", "--solution", "rebooted", "--definitive"], ["close", "1"],
                 ["qualify", "2", "--type", "incident", "--impact", "user", "--urgency", "minor"],
                 ["treat", "2", "--solution", "rebooted", "--definitive"]):
        ok(run_deskcli(start, args))
    return start


@pytest.mark.parametrize("args, before, after", [
    (["reopen", "1", "--reason", "fails again"], {1: "closed", 2: "solved"}, {1: "open", 2: "solved"}),
    (["close", "2"], {1: "closed", 2: "solved"}, {1: "closed", 2: "closed"}),
    (OPEN, {1: "closed", 2: "solved"}, {1: "closed", 2: "solved", 3: "open"}),
], ids=["reopen", "close", "open"])
def test_a_full_disk_at_any_write_step_is_reported_as_it_is(desk, tmp_path, args, before, after):
    seen = {0: 0, 3: 0}

    def check(work, step, what, result):
        assert result.returncode in (0, 3), (step, what, result.stderr)
        assert "Traceback" not in result.stderr
        seen[result.returncode] += 1
        state = statuses(work)  # the disk has room again for the next command
        if result.returncode == 0:
            assert state == after, (step, what, result.stderr)
        else:
            assert state == before, (step, what, result.stderr)
            assert "No space left on device" in result.stderr or "disk is full" in result.stderr
        assert not list(work.glob(".*.tmp")) or (work / "change.journal").exists()
        assert run_deskcli(work, ["doctor"]).returncode == 0, (step, what)

    steps = full_disk_at_every_step(desk, tmp_path / "work", args, check)
    print(f"\n{args[0]}: a full disk at each of {steps} write steps, {seen[0]} made with a warning "
          f"at most, {seen[3]} refused with the state untouched")
    assert seen[3] >= 1


def run_with_file_size_limit(home, args, limit):
    """deskcli with the size of any file it writes capped: its writes beyond fail (EFBIG)."""
    def cap():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice", DESKCLI_LANG="en")
    return subprocess.run([sys.executable, "-m", "deskcli", *args], capture_output=True, text=True,
                          env=env, preexec_fn=cap, stdin=subprocess.DEVNULL, timeout=60)


@pytest.mark.parametrize("args", [["export"], ["export", "--format", "csv"],
                                  ["report", "--since", "30d", "--format", "html"]])
def test_an_output_file_that_cannot_be_written_whole_is_left_as_it_was(desk, tmp_path, args):
    for _ in range(30):
        ok(run_deskcli(desk, [*OPEN[:-1], "--description", "y" * 400, "--no-input"]))
    target = tmp_path / "out.txt"
    target.write_text("the previous export\n")
    result = run_with_file_size_limit(desk, [*args, "-o", str(target)], 2000)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "left as it was" in result.stderr
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    ok(run_deskcli(desk, [*args, "-o", str(target)]))
    assert target.stat().st_size > 2000
