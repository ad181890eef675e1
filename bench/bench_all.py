"""The daily commands, the reports and the intake, timed as whole processes as history grows.

    python bench/bench_all.py [--sizes 1000,10000,100000] [--active 200] [--runs 5]
                              [--backend tinydb|postgresql]

For each size, a repository of that many closed tickets (histories of 5 to 15 events, as
bench_report builds them) and 200 active ones; every command is run once to warm the file
cache, then timed `--runs` times; the table gives the median wall time and the peak
memory (maximum resident set) of each. The floors are the interpreter's bare start-up
and `import typer` in the same environment. When Taskwarrior's `task` is installed,
`task add`, `task list` and `task import` run on the same sizes, side by side.
With `--backend postgresql`, each repository is a database of a private PostgreSQL
cluster started for the run (tests/pgcluster.py, with the server's durable defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from timing import Desk, environment, scratch

TARGETS_MS = {"open": 100, "qualify": 100, "treat": 100, "close": 100, "list": 120,
              "report (all)": 1500, "open --from 10,000 JSONL": 1000}


def run_once(args: list[str], env: dict, stdin: bytes | None = None) -> tuple[float, int]:
    """Wall time in ms and peak resident memory in MB of one process.

    The peak comes from GNU time, run between: a child's own accounting would count the
    pages of this (larger) benchmark process it was forked from.
    """
    import tempfile

    with tempfile.NamedTemporaryFile("r") as report:
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", report.name, *args]
        began = time.perf_counter()
        result = subprocess.run(wrapped, env=env, input=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        elapsed = (time.perf_counter() - began) * 1000
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {result.stderr.decode()[-500:]}")
        peak_kb = int(report.read().strip().splitlines()[-1])
    return elapsed, peak_kb // 1024


def measure(make_args, env: dict, runs: int, prepare=None, stdin: bytes | None = None) -> tuple[float, int]:
    """Median wall time and peak memory over `runs` runs after one warm-up run."""
    if prepare:
        prepare()
    run_once(make_args(), env, stdin)
    times, peaks = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        elapsed, peak = run_once(make_args(), env, stdin)
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)




def jsonl(count: int) -> bytes:
    return "".join(json.dumps({"caller": f"Appelant {n}", "summary": "Imprimante bloquée",
                               "org": f"Organisation {n % 90}", "billable": True,
                               "description": "Rien ne sort depuis ce matin."}, ensure_ascii=False) + "\n"
                   for n in range(count)).encode("utf-8")


def rows_for(size: int, active: int, runs: int, root: Path, cluster=None) -> dict[str, tuple[float, int]]:
    home = root / f"repo-{size}"
    built = None
    if cluster is not None:
        built = cluster.create_database()
        os.environ["DESKCLI_DATABASE_URL"] = cluster.url(built)
    # Built by a process of its own: a child's peak memory counts its parent's pages at
    # fork, and this one would otherwise hold every ticket it generated.
    subprocess.run([sys.executable, "-c", f"import bench_report; from pathlib import Path; "
                    f"bench_report.build(Path({str(home)!r}), {size}, {active})"],
                   cwd=Path(__file__).parent, check=True)
    d = Desk(home, runs)
    everything = "2000-01-01"
    found = {}
    found["--version"] = measure(lambda: d.deskcli("--version"), d.env, runs)
    found["open"] = measure(lambda: d.deskcli("open", "--no-input", "--caller", "Karim", "--org", "Organisation 3",
                                              "--summary", "Imprimante bloquée", "--billable"), d.env, runs)
    found["qualify"] = measure(lambda: d.deskcli("qualify", str(d.number), "--type", "incident", "--impact",
                                                 "user", "--urgency", "blocked"), d.env, runs, prepare=d.opened)
    found["treat"] = measure(lambda: d.deskcli("treat", str(d.number), "--solution", "câble rebranché",
                                               "--definitive"), d.env, runs, prepare=d.qualified)
    found["close"] = measure(lambda: d.deskcli("close", str(d.number)), d.env, runs, prepare=d.solved)
    found["list"] = measure(lambda: d.deskcli("list"), d.env, runs)
    found["show (closed ticket)"] = measure(lambda: d.deskcli("show", str(max(1, size // 2))), d.env, runs)
    found["report (30 days)"] = measure(lambda: d.deskcli("report", "--no-chart"), d.env, runs)
    found["report (all)"] = measure(lambda: d.deskcli("report", "--no-chart", "--since", everything), d.env, runs)
    found["kb search"] = measure(lambda: d.deskcli("kb", "search", "imprimante hors ligne"), d.env, runs)
    batch = jsonl(10_000)
    scratch_home = root / f"intake-{size}"

    env = environment(scratch_home)
    copies = []

    def fresh_copy() -> None:
        shutil.rmtree(scratch_home, ignore_errors=True)
        shutil.copytree(home, scratch_home)
        if cluster is not None:  # the database of the repository, copied as its directory is
            for name in copies:
                cluster.drop_database(name)
            copies[:] = [cluster.create_database(template=built)]
            env["DESKCLI_DATABASE_URL"] = cluster.url(copies[0])

    found["open --from 10,000 JSONL"] = measure(lambda: d.deskcli("open", "--from", "-", "--format", "jsonl"),
                                                env, max(3, runs // 2), prepare=fresh_copy, stdin=batch)
    shutil.rmtree(scratch_home, ignore_errors=True)
    if shutil.which("task"):
        found.update(taskwarrior(root / f"task-{size}", size, runs))
    return found


def taskwarrior(root: Path, size: int, runs: int) -> dict[str, tuple[float, int]]:
    root.mkdir(parents=True)
    rc = root / "taskrc"
    rc.write_text(f"data.location={root / 'data'}\nconfirmation=off\nverbose=nothing\n")
    env = dict(os.environ, TASKRC=str(rc), TASKDATA=str(root / "data"))
    tasks = "\n".join(json.dumps({"description": f"Imprimante {n}", "status": "completed",
                                  "entry": "20250101T000000Z", "end": "20250102T000000Z"})
                      for n in range(size)).encode()
    subprocess.run(["task", "import", "-"], input=tasks, env=env, capture_output=True, check=True)
    found = {"task add": measure(lambda: ["task", "add", "Imprimante bloquée"], env, runs),
             "task list": measure(lambda: ["task", "list"], env, runs),
             "task import (10,000)": measure(lambda: ["task", "import", "-"], env, max(3, runs // 2),
                                             stdin=jsonl_tasks(10_000))}
    return found


def jsonl_tasks(count: int) -> bytes:
    return "\n".join(json.dumps({"description": f"Appelant {n}: imprimante"}) for n in range(count)).encode()


def floors(runs: int) -> dict[str, tuple[float, int]]:
    env = dict(os.environ)
    return {"python -c pass": measure(lambda: [sys.executable, "-c", "pass"], env, runs),
            "python -c 'import typer'": measure(lambda: [sys.executable, "-c", "import typer"], env, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--active", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=("tinydb", "postgresql"), default="tinydb")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cluster = None
    os.environ.pop("DESKCLI_DATABASE_URL", None)
    if args.backend == "postgresql":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        import pgcluster

        cluster = pgcluster.Cluster({"fsync": "on", "synchronous_commit": "on",
                                     "full_page_writes": "on"}).start()
    try:
        with scratch("deskcli-bench-all-") as root:
            columns = {size: rows_for(size, args.active, args.runs, root, cluster) for size in sizes}
    finally:
        if cluster is not None:
            cluster.stop()
    base = floors(args.runs)
    labels = list(base) + [k for k in next(iter(columns.values()))]
    header = f"{'command':<32}" + "".join(f"{f'{s:,} closed':>22}" for s in sizes) + f"{'target':>10}"
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.backend}; "
          f"median ms / peak MB over {args.runs} runs")
    print(header)
    print("-" * len(header))
    for label in labels:
        cells = []
        for size in sizes:
            ms, mb = base[label] if label in base else columns[size][label]
            cells.append(f"{ms:>12.0f} ms {mb:>4d} MB")
        target = TARGETS_MS.get(label)
        print(f"{label:<32}" + "".join(cells) + (f"{'< ' + str(target):>10}" if target else ""))
    small, large = sizes[0], sizes[-1]
    for label in ("open", "qualify", "treat", "close"):
        ratio = columns[large][label][0] / columns[small][label][0]
        print(f"{label}: {large:,} vs {small:,} closed = {ratio:.2f}x (target within 1.15x)")
    version, typer_floor = columns[large]["--version"][0], base["python -c 'import typer'"][0]
    print(f"--version vs import typer: {version / typer_floor:.2f}x (target within 1.3x)")


if __name__ == "__main__":
    main()
