"""The daily commands and 8 technicians at once, on the embedded repository and on PostgreSQL.

    python bench/bench_postgresql.py [--closed 10000] [--active 200] [--runs 7]
                                     [--workers 8] [--calls 10]

Starts a private PostgreSQL cluster (Debian's initdb and pg_ctl, as the tests do; here
with the server's durable defaults: fsync and synchronous commit on, as the embedded
repository syncs its files), builds the same repository on each backend (`--closed`
closed tickets with histories of 5 to 15 events, `--active` active ones), and times
each command as a whole process: median of `--runs` runs after a warm-up, as
bench_all.py does. Then `--workers` processes, each a technician of its own, take
`--calls` calls each at once: `deskcli open`, `treat --solution --definitive` and
`close` per call; it reports the calls per second, the median time of each of those
commands under that load, and checks that every number is unique and every call closed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_all import Desk, measure
from timing import command, environment, scratch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import pgcluster  # noqa: E402

WORKER = r"""
import json, subprocess, sys, time
base, calls, me = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
times = {"open": [], "treat": [], "close": []}
numbers = []
def run(kind, *args):
    began = time.perf_counter()
    out = subprocess.run([*base, "--as", me, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    times[kind].append((time.perf_counter() - began) * 1000)
    if out.returncode != 0:
        sys.exit(f"{kind} failed: {out.stderr}")
    return out.stdout.strip()
for n in range(calls):
    number = run("open", "open", "--no-input", "--caller", me + " caller", "--org", "Organisation 3",
                 "--summary", "Imprimante bloquée %d" % n, "--billable")
    numbers.append(int(number))
    run("treat", "treat", number, "--solution", "câble rebranché", "--definitive")
    run("close", "close", number)
print(json.dumps({"numbers": numbers, "times": times}))
"""


# The same life through core, in processes that start once: what the repository itself
# sustains, without the interpreter's start-up that every CLI command pays.
ENGINE_WORKER = r"""
import json, os, sys, time
from datetime import datetime, timezone
from deskcli.core.app.desk import open_desk
from deskcli.core.calls import tickets
from deskcli.core.treating import treatment
now = lambda: datetime.now(timezone.utc)
desk = open_desk(os.environ["DESKCLI_HOME"], sys.argv[2])
numbers = []
for n in range(int(sys.argv[1])):
    number = tickets.open_ticket(desk, tickets.CallFacts(caller=sys.argv[2], org="Organisation 3",
                                 summary="Imprimante %d" % n, billable=True), now())["id"]
    treatment.treat(desk, number, now=now(), solution="câble rebranché", definitive=True)
    treatment.close(desk, number, now=now())
    numbers.append(number)
print(json.dumps(numbers))
"""


def engine(env: dict, workers: int, calls: int) -> dict:
    began = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", ENGINE_WORKER, str(calls), f"tech{w}"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(workers)]
    numbers = []
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            raise SystemExit(f"a worker failed: {err[-800:]}")
        numbers += json.loads(out)
    wall = time.perf_counter() - began
    if len(set(numbers)) != workers * calls:
        raise SystemExit("numbers given twice")
    return {"core calls_per_s": workers * calls / wall}


def build(home: Path, env: dict, closed: int, active: int) -> None:
    subprocess.run([sys.executable, "-c", f"import bench_report; from pathlib import Path; "
                    f"bench_report.build(Path({str(home)!r}), {closed}, {active})"],
                   cwd=Path(__file__).parent, check=True, env=env)


def daily(home: Path, env: dict, closed: int, runs: int) -> dict[str, float]:
    d = Desk(home, runs)
    d.env = env
    found = {}
    found["open"] = measure(lambda: d.deskcli("open", "--no-input", "--caller", "Karim", "--org", "Organisation 3",
                                              "--summary", "Imprimante bloquée", "--billable"), env, runs)
    found["qualify"] = measure(lambda: d.deskcli("qualify", str(d.number), "--type", "incident", "--impact",
                                                 "user", "--urgency", "blocked"), env, runs, prepare=d.opened)
    found["treat"] = measure(lambda: d.deskcli("treat", str(d.number), "--solution", "câble rebranché",
                                               "--definitive"), env, runs, prepare=d.qualified)
    found["close"] = measure(lambda: d.deskcli("close", str(d.number)), env, runs, prepare=d.solved)
    found["list"] = measure(lambda: d.deskcli("list"), env, runs)
    found["show (closed ticket)"] = measure(lambda: d.deskcli("show", str(max(1, closed // 2))), env, runs)
    found["report (30 days)"] = measure(lambda: d.deskcli("report", "--no-chart"), env, runs)
    found["report (all)"] = measure(lambda: d.deskcli("report", "--no-chart", "--since", "2000-01-01"), env, runs)
    subprocess.run(d.deskcli("kb", "import-defaults"), env=env, check=True, capture_output=True)
    found["kb search"] = measure(lambda: d.deskcli("kb", "search", "imprimante hors ligne"), env, runs)
    return {k: v[0] for k, v in found.items()}


def together(env: dict, workers: int, calls: int) -> dict:
    began = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(command()), str(calls), f"tech{w}"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(workers)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            raise SystemExit(f"a worker failed: {err[-800:]}")
        results.append(json.loads(out))
    wall = time.perf_counter() - began
    numbers = [n for r in results for n in r["numbers"]]
    if len(set(numbers)) != workers * calls:
        raise SystemExit(f"numbers given twice: {sorted(numbers)}")
    listed = subprocess.run([*command(), "list", "--all", "--json"], env=env, capture_output=True,
                            text=True, check=True)
    status = {t["id"]: t["status"] for t in json.loads(listed.stdout)}
    lost = [n for n in numbers if status.get(n) != "closed"]
    if lost:
        raise SystemExit(f"calls not closed: {lost}")
    return {"wall_s": wall, "calls_per_s": workers * calls / wall,
            "commands_per_s": 3 * workers * calls / wall,
            **{f"{kind} under load": statistics.median([t for r in results for t in r["times"][kind]])
               for kind in ("open", "treat", "close")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    cluster = pgcluster.Cluster({"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}).start()
    columns: dict[str, dict] = {}
    try:
        with scratch("deskcli-bench-pg-") as root:
            for backend in ("tinydb", "postgresql"):
                home = root / backend
                env = environment(home)
                env.pop("DESKCLI_DATABASE_URL", None)
                if backend == "postgresql":
                    env["DESKCLI_DATABASE_URL"] = cluster.url(cluster.create_database())
                build(home, env, args.closed, args.active)
                columns[backend] = daily(home, env, args.closed, args.runs)
                load_home = root / f"{backend}-load"
                load_env = environment(load_home)
                load_env.pop("DESKCLI_DATABASE_URL", None)
                if backend == "postgresql":
                    load_env["DESKCLI_DATABASE_URL"] = cluster.url(cluster.create_database())
                build(load_home, load_env, args.closed, args.active)
                columns[backend].update(together(load_env, args.workers, args.calls))
                # Eight writers in a loop with no pause: the embedded lock (flock, polled) is
                # not fair, and one writer can wait past the default 10 s; this run measures
                # throughput, so every writer waits as long as it takes.
                (load_home / "settings.toml").write_text("[repository]\nlock_timeout_seconds = 600.0\n")
                columns[backend].update(engine(load_env, args.workers, args.calls * 3))
    finally:
        cluster.stop()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, PostgreSQL in {cluster.bindir}; "
          f"{args.closed:,} closed + {args.active} active tickets; median ms over {args.runs} runs")
    print(f"{'':<32}{'TinyDB':>12}{'PostgreSQL':>12}")
    for label in columns["tinydb"]:
        a, b = columns["tinydb"][label], columns["postgresql"][label]
        unit = "" if "_s" in label else " ms"
        print(f"{label:<32}{a:>9.1f}{unit:<3}{b:>9.1f}{unit:<3}")
    print(f"{args.workers} workers x {args.calls} calls (open, treat, close): every number unique, "
          f"every call closed, on both")


if __name__ == "__main__":
    main()
