"""deskcli beside a minimal Typer command and Taskwarrior, in one interleaved run.

    python bench/bench_side.py [--sizes 1000,10000,100000] [--rounds 5] [--restore 20000]
                               [--markdown]

For each size, a repository of that many closed tickets (histories of 5 to 15 events, as
bench_report builds them, written straight into the archive) and 200 active ones, and a
Taskwarrior data directory of as many completed tasks. Then, round after round, every
command of the table runs once in turn (so that the machine's noise falls on all of them
alike), and the table gives the median wall time over the rounds and the peak memory
(GNU time's maximum resident set) of each. The floors are a minimal Typer application
with as many options as deskcli's own group and each verb (generated here), run the same
way. Restoring is `deskcli open --from` of deskcli's own export of `--restore` closed
tickets into an empty repository, beside `task import` of as many tasks into an empty
data directory; it does not depend on the size, so it runs once per round.

Without Taskwarrior's `task` (`apt-get install taskwarrior`), its column is left out and
the table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import Desk, command, environment, scratch

ACTIVE = 200
BASELINE = " (baseline)"  # the rows of the deskcli given with --baseline
# The goals of the table, as ratios of medians at the largest size.
GOALS = [
    ("open", "typer floor (open)", 1.1), ("qualify", "typer floor (qualify)", 1.1),
    ("treat", "typer floor (treat)", 1.1), ("close", "typer floor (close)", 1.1),
    ("list", "open", 1.15), ("show (closed ticket)", "open", 1.15),
    ("report (all)", "open", 4.0), ("export --all", "task export", 1.0),
]


def run_once(args: list[str], env: dict, stdin: Path | None = None) -> tuple[float, int]:
    """Wall time in ms and peak resident memory in MB of one process.

    The peak comes from GNU time, run between: a child's own accounting would count the
    pages of this (larger) benchmark process it was forked from.
    """
    with tempfile.NamedTemporaryFile("r") as report:
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", report.name, *args]
        source = open(stdin, "rb") if stdin else subprocess.DEVNULL
        try:
            began = time.perf_counter()
            result = subprocess.run(wrapped, env=env, stdin=source, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            elapsed = (time.perf_counter() - began) * 1000
        finally:
            if stdin:
                source.close()
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {result.stderr.decode()[-800:]}")
        peak_kb = int(report.read().strip().splitlines()[-1])
    return elapsed, peak_kb // 1024


class Case:
    """One row of the table at one size: how to prepare it (untimed) and what to run."""

    def __init__(self, label: str, make_args, env: dict, prepare=None, stdin: Path | None = None):
        self.label, self.make_args, self.env, self.prepare, self.stdin = label, make_args, env, prepare, stdin
        self.times: list[float] = []
        self.peak = 0

    def run(self, timed: bool) -> None:
        if self.prepare:
            self.prepare()
        elapsed, peak = run_once(self.make_args(), self.env, self.stdin)
        if timed:
            self.times.append(elapsed)
            self.peak = max(self.peak, peak)

    def result(self) -> tuple[float, int]:
        return statistics.median(self.times), self.peak


def typer_floor(root: Path, options: dict[str, int], global_options: int) -> Path:
    """A minimal Typer application: a group with deskcli's number of global options and
    one command per verb with that verb's number of options, each printing a number."""
    lines = ["import typer", "app = typer.Typer(add_completion=False)",
             "@app.callback()",
             "def main(" + ", ".join(f"g{i}: str = typer.Option(None, '--g{i}')"
                                     for i in range(global_options)) + "): pass"]
    for verb, count in options.items():
        lines += [f"@app.command({verb!r})",
                  f"def {verb}(" + ", ".join(f"o{i}: str = typer.Option(None, '--o{i}')"
                                            for i in range(count)) + "): print(1)"]
    lines.append("app()")
    script = root / "typer_floor.py"
    script.write_text("\n".join(lines) + "\n")
    return script


def verb_options() -> tuple[dict[str, int], int]:
    """How many options deskcli's group and its daily verbs have, read from the CLI itself."""
    found = subprocess.run(
        [sys.executable, "-c",
         "import json, typer; from deskcli.cli import app, load_command; "
         "print(json.dumps([len(typer.main.get_command(app).params), "
         "{v: len(load_command(v).params) for v in ('open', 'qualify', 'treat', 'close')}]))"],
        capture_output=True, text=True, check=True)
    group, verbs = json.loads(found.stdout)
    return verbs, group




def build_desk(home: Path, size: int, active: int) -> None:
    # Built by a process of its own: a child's peak memory counts its parent's pages at
    # fork, and this one would otherwise hold every ticket it generated.
    subprocess.run([sys.executable, "-c", f"import bench_report; from pathlib import Path; "
                    f"bench_report.build(Path({str(home)!r}), {size}, {active})"],
                   cwd=Path(__file__).parent, check=True)


def taskwarrior_env(root: Path) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    rc = root / "taskrc"
    rc.write_text(f"data.location={root / 'data'}\nconfirmation=off\nverbose=nothing\n"
                  "recurrence=off\ngc=off\n")
    return dict(os.environ, TASKRC=str(rc), TASKDATA=str(root / "data"))


def task_lines(count: int, status: str = "completed") -> bytes:
    return "\n".join(json.dumps({
        "description": f"Appelant {n}: imprimante bloquée", "status": status,
        "entry": "20250101T000000Z", **({"end": "20250102T000000Z"} if status == "completed" else {}),
        "project": f"org{n % 90}", "tags": ["phone"], "priority": "M",
        "annotations": [{"entry": "20250101T010000Z", "description": "câble rebranché"}]})
        for n in range(count)).encode()


def daily_cases(d: Desk, size: int, base: list[str], suffix: str = "") -> list[Case]:
    """The daily commands, run by the deskcli at `base` (another installation for a
    baseline row)."""
    def run(*args: str):
        return [*base, *args]

    return [
        Case("open" + suffix, lambda: run("open", "--no-input", "--caller", "Karim", "--org",
                                          "Organisation 3", "--summary", "Imprimante bloquée",
                                          "--billable"), d.env),
        Case("qualify" + suffix, lambda: run("qualify", str(d.number), "--type", "incident", "--impact",
                                             "user", "--urgency", "blocked"), d.env, prepare=d.opened),
        Case("treat" + suffix, lambda: run("treat", str(d.number), "--solution", "câble rebranché",
                                           "--definitive"), d.env, prepare=d.qualified),
        Case("close" + suffix, lambda: run("close", str(d.number)), d.env, prepare=d.solved),
        Case("list" + suffix, lambda: run("list"), d.env),
        Case("show (closed ticket)" + suffix, lambda: run("show", str(max(1, size // 2))), d.env),
    ]


def cases_for(size: int, root: Path, floor: Path, has_task: bool, baseline: list[str] | None = None,
              daily_only: bool = False, set_up: bool = False) -> list[Case]:
    home = root / f"repo-{size}"
    build_desk(home, size, ACTIVE)
    if set_up:
        # What `deskcli init` leaves: a settings.toml naming the company.
        (home / "settings.toml").write_text('[desk]\ncompany = "Atlas Support"\n', encoding="utf-8")
    d = Desk(home)
    found = daily_cases(d, size, d.base)
    if baseline:
        # A repository of its own, walked by the baseline alone: an index derived from the
        # installation's own files (the knowledge base's synonyms) would otherwise be
        # rebuilt at each turn from one installation to the other.
        copy = root / f"repo-{size}-baseline"
        shutil.copytree(home, copy)
        b = Desk(copy)
        b.base = baseline
        found += daily_cases(b, size, baseline, BASELINE)
    if daily_only:
        return found
    found += [
        Case("report (30 days)", lambda: d.deskcli("report", "--no-chart"), d.env),
        Case("report (all)", lambda: d.deskcli("report", "--no-chart", "--since", "2000-01-01"), d.env),
        Case("export --all", lambda: d.deskcli("export", "--all"), d.env),
    ]
    if baseline:
        found.append(Case("report (all)" + BASELINE,
                          lambda: [*baseline, "report", "--no-chart", "--since", "2000-01-01"], b.env))
    if has_task:
        env = taskwarrior_env(root / f"task-{size}")
        subprocess.run(["task", "import", "-"], input=task_lines(size), env=env, capture_output=True,
                       check=True)
        subprocess.run(["task", "import", "-"], input=task_lines(ACTIVE, "pending"), env=env,
                       capture_output=True, check=True)
        found += [
            Case("task add", lambda: ["task", "add", "Imprimante bloquée", "project:org3", "+phone"], env),
            Case("task list", lambda: ["task", "list"], env),
            Case("task info (a completed task)", lambda: ["task", "1", "info"], env),
            Case("task export", lambda: ["task", "export"], env),
        ]
    return found


def restore_cases(count: int, root: Path, has_task: bool, baseline: list[str] | None = None) -> list[Case]:
    """deskcli reading its own export of `count` closed tickets back, and `task import`."""
    source = root / "restore-source"
    build_desk(source, count, 0)
    exported = root / "restore.jsonl"
    subprocess.run([*command(), "export", "--closed", "-o", str(exported)], env=environment(source),
                   check=True, capture_output=True)
    shutil.rmtree(source)
    target = root / "restore-target"
    env = environment(target)

    def empty() -> None:
        shutil.rmtree(target, ignore_errors=True)

    found = [Case(f"open --from (restore {count:,} closed)",
                  lambda: [*command(), "open", "--from", "-", "--format", "jsonl"], env,
                  prepare=empty, stdin=exported)]
    if baseline:
        old_target = root / "restore-target-baseline"
        old_env = environment(old_target)

        def empty_baseline() -> None:
            shutil.rmtree(old_target, ignore_errors=True)

        found.append(Case(f"open --from (restore {count:,} closed)" + BASELINE,
                          lambda: [*baseline, "open", "--from", "-", "--format", "jsonl"], old_env,
                          prepare=empty_baseline, stdin=exported))
    if has_task:
        tasks = root / "restore-tasks.json"
        tasks.write_bytes(task_lines(count))
        task_root = root / "task-restore"
        task_env = taskwarrior_env(task_root)

        def empty_tasks() -> None:
            shutil.rmtree(task_root / "data", ignore_errors=True)

        found.append(Case(f"task import ({count:,})", lambda: ["task", "import", "-"], task_env,
                          prepare=empty_tasks, stdin=tasks))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--restore", type=int, default=20_000)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--baseline", metavar="DESKCLI",
                        help="another deskcli executable (e.g. an installation of main): its daily "
                             "commands run in the same rounds, on the same repositories")
    parser.add_argument("--daily-only", action="store_true",
                        help="only the floors and the daily commands (no report, export, "
                             "Taskwarrior or restore)")
    parser.add_argument("--set-up", action="store_true",
                        help="repositories set up as `deskcli init` leaves them (a settings.toml)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    has_task = shutil.which("task") is not None and not args.daily_only
    baseline = [str(Path(args.baseline).resolve())] if args.baseline else None
    os.environ.pop("DESKCLI_DATABASE_URL", None)
    with scratch("deskcli-bench-side-") as root:
        verbs, group = verb_options()
        floor = typer_floor(root, verbs, group)
        floor_env = dict(os.environ)
        floors = [Case(f"typer floor ({verb})", lambda v=verb: [sys.executable, str(floor), v], floor_env)
                  for verb in verbs]
        began = time.perf_counter()
        columns = {size: cases_for(size, root, floor, has_task, baseline, args.daily_only, args.set_up)
                   for size in sizes}
        restoring = [] if args.daily_only else restore_cases(args.restore, root, has_task, baseline)
        print(f"built in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        everything = floors + [c for size in sizes for c in columns[size]] + restoring
        for round_number in range(args.rounds + 1):  # the first round warms the file cache
            for case in everything:
                case.run(timed=round_number > 0)
            print(f"round {round_number} done", file=sys.stderr)
    print_table(args, sizes, has_task, {c.label: c.result() for c in floors},
                {size: {c.label: c.result() for c in columns[size]} for size in sizes},
                {c.label: c.result() for c in restoring}, verbs)


def print_table(args, sizes, has_task, floors, columns, restoring, verbs) -> None:
    md = args.markdown
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; median ms of {args.rounds} "
          f"interleaved rounds / peak MB")
    if not has_task and not args.daily_only:
        print("Taskwarrior's `task` is not installed: its rows are left out "
              "(apt-get install taskwarrior).")
    heads = ["command", *(f"{s:,} closed" for s in sizes)]
    rows = [[label, *(f"{ms:.0f} ms, {mb} MB" for _ in sizes)] for label, (ms, mb) in floors.items()]
    labels = list(next(iter(columns.values())))
    rows += [[label, *(f"{columns[s][label][0]:.0f} ms, {columns[s][label][1]} MB" for s in sizes)]
             for label in labels]
    rows += [[label, *(f"{ms:.0f} ms, {mb} MB" for _ in sizes)] for label, (ms, mb) in restoring.items()]
    if md:
        print("| " + " | ".join(heads) + " |")
        print("|" + "---|" * len(heads))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]
        for row in [heads, *rows]:
            print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w)
                            in enumerate(zip(row, widths))))
    large = columns[sizes[-1]]
    every = {**floors, **large, **restoring}
    restore_label = next((k for k in restoring if k.startswith("open --from")), None)
    import_label = next((k for k in restoring if k.startswith("task import")), None)
    goals = list(GOALS) + ([(restore_label, import_label, 1.0)] if restoring else [])
    if args.baseline:
        goals += [(label + BASELINE, beside + BASELINE if beside == "open" else beside, most)
                  for label, beside, most in GOALS if label + BASELINE in every]
        if restore_label and restore_label + BASELINE in every:
            goals.append((restore_label + BASELINE, import_label, 1.0))
    print()
    print(f"Goals at {sizes[-1]:,} closed (ratio of medians):")
    for label, beside, most in goals:
        if label not in every or beside not in every:
            if not args.daily_only:
                print(f"- {label} / {beside}: not measured")
            continue
        ratio = every[label][0] / every[beside][0]
        verdict = "met" if ratio <= most else "missed"
        print(f"- {label} / {beside} = {ratio:.2f}x (goal within {most:g}x): {verdict}")
    if "export --all" in large:
        mb = large["export --all"][1]
        print(f"- export --all peak memory {mb} MB (goal under 150 MB): {'met' if mb < 150 else 'missed'}")


if __name__ == "__main__":
    main()
