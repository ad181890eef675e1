"""Shared fixtures: an isolated repository per test, on each backend, and a `deskcli` runner.

The CLI tests (tests/commands, and tests marked `both_backends`) run twice: on the
embedded TinyDB repository and on PostgreSQL, in a private cluster started once per
session (initdb and pg_ctl on a temporary directory and a free loopback port), with a
fresh database per test copied from a template. The binaries are the system's, else those
the test extra's pgserver wheel bundles. Where neither can run (or with
DESKCLI_TEST_POSTGRESQL=0) the PostgreSQL half is left out, and the summary says so once.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))  # pgcluster, beside this file

import pgcluster  # noqa: E402

from deskcli.cli import app  # noqa: E402
from deskcli.core.app.desk import open_desk  # noqa: E402
from deskcli.core.store.repository import DATABASE_URL_ENV  # noqa: E402

POSTGRESQL_MISSING = pgcluster.unavailable()
BACKENDS = ("tinydb",) if POSTGRESQL_MISSING else ("tinydb", "postgresql")
COMMANDS_DIR = Path(__file__).resolve().parent / "commands"
POSTGRESQL_DIR = Path(__file__).resolve().parent / "postgresql"


def pytest_configure(config):
    config.addinivalue_line("markers", "both_backends: run on TinyDB and on PostgreSQL")
    config.addinivalue_line("markers", "tinydb_only(reason): a test of the embedded files themselves")


def pytest_report_header(config):
    if POSTGRESQL_MISSING:
        return f"backends: tinydb only ({POSTGRESQL_MISSING})"
    return f"backends: tinydb, postgresql ({pgcluster.binaries()})"


# The longest tests (each kills or crashes commands dozens of times), started first: with
# pytest-xdist (the README's `-n auto`) the other worker takes the short ones meanwhile,
# rather than one worker finishing the session alone on them.
LONGEST_FIRST = ("robustness/test_kill_every_step.py", "robustness/test_failed_writes.py",
                 "robustness/test_crash.py")


def pytest_collection_modifyitems(config, items):
    """The longest tests first; without PostgreSQL, every test that needs its cluster is
    deselected, to be named once in the summary rather than failing one by one."""
    items.sort(key=lambda item: not str(item.fspath).endswith(LONGEST_FIRST))
    if not POSTGRESQL_MISSING:
        return
    kept, left = [], []
    for item in items:
        on_postgresql = POSTGRESQL_DIR in Path(str(item.fspath)).resolve().parents \
            or "postgresql_cluster" in getattr(item, "fixturenames", ())  # e.g. fresh_database
        (left if on_postgresql else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
    config._deskcli_postgresql_left = len(left)
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker: tell the controller
        config.workeroutput["deskcli_postgresql_left"] = [item.nodeid for item in left]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """With pytest-xdist the workers collect and deselect; the controller, which prints the
    summary, learns the count from them (each worker collects the whole suite)."""
    left = getattr(node, "workeroutput", {}).get("deskcli_postgresql_left")
    if left is not None:
        node.config._deskcli_postgresql_left = len(left)
        node.config._deskcli_postgresql_left_ids = left


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if POSTGRESQL_MISSING:
        left = getattr(config, "_deskcli_postgresql_left", 0)
        deselected = terminalreporter.stats.setdefault("deselected", [])
        if left and not deselected:
            # xdist's controller hears of no deselection: count the workers' in the totals.
            from types import SimpleNamespace

            deselected.extend(SimpleNamespace(nodeid=nodeid)
                              for nodeid in config._deskcli_postgresql_left_ids)
        terminalreporter.write_line(
            f"PostgreSQL half NOT run ({left} PostgreSQL tests deselected, the CLI tests on "
            f"TinyDB only): {POSTGRESQL_MISSING}. CI runs both.", yellow=True, bold=True)


def pytest_generate_tests(metafunc):
    path = Path(str(metafunc.definition.fspath)).resolve()
    wanted = COMMANDS_DIR in path.parents or metafunc.definition.get_closest_marker("both_backends")
    if wanted and not metafunc.definition.get_closest_marker("tinydb_only"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@dataclass
class Backend:
    name: str
    url: str | None = None  # the database of this test, for PostgreSQL


@pytest.fixture(scope="session")
def postgresql_cluster():
    """The session's private cluster, with a template database holding deskcli's schema."""
    try:
        cluster = pgcluster.Cluster().start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    from deskcli.core.store.postgres import PostgresRepository

    template = cluster.create_database()
    repo = PostgresRepository(cluster.url(template), Path(cluster.root))
    repo.kb_state()  # makes the schema
    repo.close()
    cluster.template = template
    yield cluster
    cluster.stop()


@pytest.fixture
def fresh_database(postgresql_cluster, request):
    """Another empty deskcli database of the session's cluster: its URL."""
    def make() -> str:
        name = postgresql_cluster.create_database(postgresql_cluster.template)
        request.addfinalizer(lambda: postgresql_cluster.drop_database(name))
        return postgresql_cluster.url(name)
    return make


@pytest.fixture
def backend(request) -> Backend:
    name = getattr(request, "param", "tinydb")
    if name == "postgresql":
        return Backend(name, request.getfixturevalue("fresh_database")())
    return Backend(name)


@pytest.fixture
def write_lock(backend, home):
    """Hold the repository's write lock as another deskcli command would."""
    from contextlib import contextmanager

    @contextmanager
    def hold():
        if backend.url:
            import psycopg

            from deskcli.core.store.postgres import LOCK_CLASS, WRITE_LOCK

            with psycopg.connect(backend.url, autocommit=True) as other:
                other.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, WRITE_LOCK))
                yield
            return
        from deskcli.core.store.storage import LOCK_FILE, RepositoryLock

        home.mkdir(exist_ok=True)
        lock = RepositoryLock(home / LOCK_FILE, 1)
        lock.acquire()
        try:
            yield
        finally:
            lock.release()
    return hold


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, backend):
    home = tmp_path / "repo"
    if backend.url:
        monkeypatch.setenv(DATABASE_URL_ENV, backend.url)
    else:
        monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.setenv("DESKCLI_HOME", str(home))
    monkeypatch.setenv("DESKCLI_USER", "alice")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DESKCLI_DEBUG", raising=False)
    # English unless a test asks otherwise, whatever the machine's locale; each run of
    # the CLI chooses its language again, core's own calls use the one active here.
    monkeypatch.setenv("DESKCLI_LANG", "en")
    from deskcli import i18n

    i18n.activate("en")
    return home


@pytest.fixture
def utc(monkeypatch):
    """Local time is UTC, so that dates typed and printed read as they are stored."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def home(isolated) -> Path:
    return isolated


@pytest.fixture
def desk(home):
    desk = open_desk(home, "alice")
    yield desk
    desk.repo.close()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def deskcli():
    """Run deskcli through its entry point; a bug raises instead of hiding in an exit code."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False,
                               prog_name="deskcli")
        return Result(result.exit_code, result.stdout, result.stderr)

    return run
