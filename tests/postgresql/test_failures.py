"""A database that cannot be used: a clear message, exit 3, and nothing half-written."""

import json
import os
import subprocess
import sys
import time

import psycopg
import pytest

import pgcluster
from deskcli.core.store import postgres
from deskcli.core.store.repository import DATABASE_URL_ENV, masked


def run(*args, url, home, input=None, timeout=120):
    env = dict(os.environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice")
    env[DATABASE_URL_ENV] = url
    return subprocess.Popen([sys.executable, "-m", "deskcli", *args], env=env, text=True,
                            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finished(proc, input=None, timeout=120):
    out, err = proc.communicate(input, timeout=timeout)
    return proc.returncode, out, err


def refused_cleanly(code, err, *words):
    assert code == 3, err
    assert "Traceback" not in err and err.startswith("Error: ")
    assert pgcluster.PASSWORD not in err and "wrong-secret" not in err
    for word in words:
        assert word in err, err


def test_a_wrong_password_is_named_without_the_password(postgresql_cluster, fresh_database, home):
    url = fresh_database().replace(pgcluster.PASSWORD, "wrong-secret")
    code, _, err = finished(run("list", url=url, home=home))
    refused_cleanly(code, err, "password authentication failed", "postgresql://desk:***@127.0.0.1")


def test_an_unreachable_server(home):
    url = f"postgresql://desk:wrong-secret@127.0.0.1:{pgcluster.free_port()}/hotline"
    code, _, err = finished(run("open", "--caller", "K", "--summary", "S", "--billable", url=url, home=home))
    refused_cleanly(code, err, "cannot connect", "Connection refused")


def test_a_url_with_its_password_in_the_query_is_masked_too():
    assert masked("postgresql://desk@h/db?password=abc&sslmode=require") == \
        "postgresql://desk@h/db?password=***&sslmode=require"
    assert masked("postgresql://desk:p%40ss@h:5/db") == "postgresql://desk:***@h:5/db"
    assert masked("postgresql://h/db") == "postgresql://h/db"


def _set_schema_version(url, version):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE deskcli.meta SET value = %s WHERE key = 'schema_version'",
                     (json.dumps(version),))


def test_a_database_of_a_newer_deskcli_is_refused(fresh_database, home):
    url = fresh_database()
    _set_schema_version(url, postgres.SCHEMA_VERSION + 1)
    code, _, err = finished(run("open", "--caller", "K", "--summary", "S", "--billable", url=url, home=home))
    refused_cleanly(code, err, f"schema version {postgres.SCHEMA_VERSION + 1}", "newer deskcli",
                    "upgrade deskcli")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM deskcli.tickets").fetchone()[0] == 0
    code, _, err = finished(run("migrate", "--schema", url=url, home=home))
    refused_cleanly(code, err, "upgrade deskcli instead")


def test_an_older_schema_is_upgraded_by_migrate_schema(postgresql_cluster, home):
    name = postgresql_cluster.create_database()  # empty: made here at schema version 1
    url = postgresql_cluster.url(name)
    try:
        repo = postgres.PostgresRepository(url, home)
        repo._create_schema(repo._connect(), up_to=1)
        repo.close()
        code, _, err = finished(run("list", url=url, home=home))
        refused_cleanly(code, err, "schema version 1", "deskcli migrate --schema")
        code, _, err = finished(run("migrate", "--schema", url=url, home=home))
        assert code == 0 and f"version {postgres.SCHEMA_VERSION} (was 1)" in err, err
        with psycopg.connect(url) as conn:
            indexes = {r[0] for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'deskcli'")}
        assert {"tickets_active", "tickets_archived_opened", "abandoned_at"} <= indexes
        code, out, err = finished(run("open", "--caller", "K", "--summary", "S", "--billable", url=url, home=home))
        assert code == 0 and out.strip() == "1", err
        code, _, err = finished(run("migrate", "--schema", url=url, home=home))
        assert code == 0 and "nothing to upgrade" in err
    finally:
        postgresql_cluster.drop_database(name)


def test_a_busy_desk_names_who_holds_it(fresh_database, home):
    url = fresh_database()
    home.mkdir()
    (home / "settings.toml").write_text("[repository]\nlock_timeout_seconds = 0.5\n")
    with psycopg.connect(url, autocommit=True, application_name="deskcli 4242") as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_lock(%s, %s)", (postgres.LOCK_CLASS, postgres.WRITE_LOCK))
        started = time.monotonic()
        code, _, err = finished(run("open", "--caller", "K", "--summary", "S", "--billable", url=url, home=home))
        waited = time.monotonic() - started
    refused_cleanly(code, err, "busy", "deskcli 4242", "lock_timeout_seconds")
    assert waited < 10
    # Reading is never kept waiting by a writer.
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", (postgres.LOCK_CLASS, postgres.WRITE_LOCK))
        code, out, err = finished(run("list", "--json", url=url, home=home), timeout=30)
        assert code == 0 and json.loads(out) == []


def _batch(n):
    return "".join(json.dumps({"caller": f"caller {i}", "summary": f"call {i}", "billable": True}) + "\n"
                   for i in range(n))


def test_a_connection_killed_mid_change_leaves_nothing_half_written(fresh_database, home):
    """The server ends the session of a batch while it holds the write lock: the command
    says the connection was lost (exit 3), and not one ticket, record or number of it stays."""
    url = fresh_database()
    proc = run("open", "--from", "-", "--format", "jsonl", url=url, home=home, input="")
    proc.stdin.write(_batch(6000))
    proc.stdin.close()
    killed = False
    with psycopg.connect(url, autocommit=True) as watcher:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
                "AND granted", (postgres.LOCK_CLASS, postgres.WRITE_LOCK)).fetchone()
            if row:
                killed = watcher.execute("SELECT pg_terminate_backend(%s)", (row[0],)).fetchone()[0]
                break
            time.sleep(0.002)
    proc.wait(timeout=60)
    out, err = proc.stdout.read(), proc.stderr.read()
    assert killed, "the batch ended before its change could be interrupted"
    refused_cleanly(proc.returncode, err, "connection to the database", "was lost", "nothing of this command")
    assert out == ""
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM deskcli.tickets").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM deskcli.records").fetchone()[0] == 0
    code, out, err = finished(run("open", "--caller", "K", "--summary", "S", "--billable", url=url, home=home))
    assert code == 0 and out.strip() == "1", err


def test_two_first_commands_on_an_empty_database_make_the_schema_once(postgresql_cluster, home):
    name = postgresql_cluster.create_database()
    url = postgresql_cluster.url(name)
    try:
        procs = [run("open", "--caller", f"K{i}", "--summary", "S", "--billable", url=url, home=home)
                 for i in range(4)]
        results = [finished(p) for p in procs]
        assert all(code == 0 for code, _, _ in results), [err for _, _, err in results]
        assert sorted(int(out) for _, out, _ in results) == [1, 2, 3, 4]
    finally:
        postgresql_cluster.drop_database(name)


@pytest.mark.parametrize("statement", ["DROP SCHEMA deskcli CASCADE", "DROP TABLE deskcli.records"])
def test_a_damaged_database_is_refused(fresh_database, home, statement):
    url = fresh_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)
    code, _, err = finished(run("contract", "list", url=url, home=home))
    if statement.startswith("DROP SCHEMA"):
        assert code == 0, err  # an empty database: the schema is made again on first use
    else:
        refused_cleanly(code, err, "does not hold a whole deskcli repository")


def test_the_doctor_checks_the_tickets_of_the_database(fresh_database, home):
    url = fresh_database()
    code, out, err = finished(run("open", "--caller", "K", "--summary", "S", "--billable", url=url, home=home))
    assert code == 0, err
    code, _, err = finished(run("doctor", url=url, home=home))
    assert code == 0 and "so are the tickets of postgresql://desk:***@" in err, err
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""UPDATE deskcli.tickets SET doc = jsonb_set(doc, '{history,0,at}', '"yesterday"')""")
    code, out, err = finished(run("doctor", url=url, home=home))
    assert code == 3 and "database, ticket #1: history[0].at: 'yesterday' is not an ISO 8601 time" in out, out + err


def test_digests_of_older_rules_are_made_again_once(fresh_database, home):
    from deskcli.core.model.timeline import DIGEST_VERSION

    url = fresh_database()
    for args in (("open", "--caller", "K", "--summary", "S", "--billable"),
                 ("treat", "1", "--solution", "done", "--definitive"), ("close", "1")):
        code, _, err = finished(run(*args, url=url, home=home))
        assert code == 0, err
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM deskcli.digests")
        conn.execute("UPDATE deskcli.meta SET value = '0' WHERE key = 'digest_version'")
    code, out, err = finished(run("report", "--json", url=url, home=home))
    assert code == 0 and json.loads(out)["calls"] == 1, err
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT value FROM deskcli.meta WHERE key = 'digest_version'").fetchone()[0] \
            == DIGEST_VERSION
        assert conn.execute("SELECT id, closed FROM deskcli.digests").fetchall() == [(1, 1)]
