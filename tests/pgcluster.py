"""A private, throw-away PostgreSQL cluster: initdb and pg_ctl on a temporary directory and a
free loopback port, for the tests and the benchmark.

Debian's binaries live in /usr/lib/postgresql/VERSION/bin, off the PATH; PostgreSQL refuses
to run as root, so under root (CI, containers) the cluster runs as the `postgres` user that
Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "desk"
PASSWORD = "s3cret-desk"
OPT_OUT_ENV = "DESKCLI_TEST_POSTGRESQL"


def opted_out() -> bool:
    """A developer without PostgreSQL runs the TinyDB backend alone with DESKCLI_TEST_POSTGRESQL=0."""
    return os.environ.get(OPT_OUT_ENV, "").strip().lower() in ("0", "no", "false", "off")


def binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: the system's (newest version first), else
    the server that the test extra's `pgserver` wheel bundles; None when neither is here."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    return bundled()


def bundled() -> Path | None:
    """pgserver's own copy of PostgreSQL, located without importing pgserver (whose import
    starts nothing but registers exit handlers we do not want)."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    for location in (spec.submodule_search_locations or []) if spec else []:
        bindir = Path(location) / "pginstall" / "bin"
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def unavailable() -> str | None:
    """Why the PostgreSQL half of the suite cannot run here, or None when it can."""
    if opted_out():
        return f"{OPT_OUT_ENV}=0"
    if binaries() is None:
        return ("PostgreSQL's initdb was not found (PATH, /usr/lib/postgresql/*/bin, or the "
                "test extra's pgserver wheel, which the test extra installs on CPython 3.11-3.12, "
                "Linux x86-64 and macOS arm64): install Debian's postgresql package")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return ("running as root, and PostgreSQL refuses root: it runs as the `postgres` "
                    "user, which does not exist here (Debian's postgresql package makes it)")
        reach = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x",
                                str(binaries() / "initdb")], capture_output=True)
        if reach.returncode != 0:
            return f"the `postgres` user cannot run {binaries()}/initdb (a private directory on its path)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One cluster, started once; databases are made from a template at need."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        bindir = binaries()
        if bindir is None:
            raise RuntimeError(
                "PostgreSQL's initdb was not found (PATH, /usr/lib/postgresql/*/bin): install "
                "Debian's postgresql package (apt-get install postgresql), or set "
                f"{OPT_OUT_ENV}=0 to test the TinyDB backend alone")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="deskcli-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                         "max_connections": "200", **(settings or {})}
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._counter = 0

    def _run(self, *args: str) -> None:
        out = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120,
                             cwd=self.root)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {out.stdout}\n{out.stderr}")

    def start(self) -> "Cluster":
        pwfile = self.root / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        if self._as:
            owner = pwd.getpwnam("postgres")
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        os.chmod(pwfile, 0o600)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", USER,
                  f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        options = " ".join([f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1",
                            *(f"-c {k}={v}" for k, v in self.settings.items())])
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", password: str | None = PASSWORD, port: int | None = None) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{port or self.port}/{database}"

    def admin(self):
        import psycopg

        return psycopg.connect(self.url(), autocommit=True)

    def create_database(self, template: str | None = None) -> str:
        self._counter += 1
        name = f"desk_{os.getpid()}_{self._counter}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
