"""Time `deskcli open --from` on batches of distinct callers, JSON lines, CSV and mbox.

    python bench/bench_intake.py [--runs 5] [--small 1000] [--large 8000]

Each batch is piped by the real command into an empty repository (a fresh one per run):
1,000 and 8,000 distinct callers as JSON lines (each a private individual, so each a new
organisation: the case that rebuilt a table per caller), 10,000 JSON lines, 8,000 distinct
callers as CSV written as a spreadsheet writes it (doubled quotes, a cell on two lines), and
a 500-message mbox. Prints medians and the ratio 8,000 / 1,000 callers, which must stay
under 10 (linear intake gives about 8).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from pathlib import Path

from timing import command, environment, report, scratch, timed


def callers_jsonl(count: int) -> str:
    return "".join(json.dumps({"caller": f"Caller {n}", "summary": f"Printer offline {n}",
                               "contact": f"caller{n}@example.com"}) + "\n" for n in range(count))


def records_jsonl(count: int) -> str:
    # Callers of 200 organisations, as a form or a script sends them.
    return "".join(json.dumps({"caller": f"Caller {n % 900}", "org": f"Organisation {n % 200}",
                               "summary": "Imprimante bloquée", "channel": "web",
                               "description": "Elle affiche une erreur depuis ce matin."},
                              ensure_ascii=False) + "\n" for n in range(count))


def callers_csv(count: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Customer Name", "Subject", "Description", "Opened"])
    for n in range(count):
        writer.writerow([f"Client {n}", f'Printer "HP {n % 50}" offline',
                         "It blinks orange.\nNothing prints.", f"{1 + n % 28:02d}-02-2016 01:16"])
    return out.getvalue()


def mbox(count: int) -> str:
    parts = []
    for n in range(count):
        parts.append(
            f"From sender{n}@atlas.example Thu Nov 20 10:{n % 60:02d}:00 2026\n"
            f"From: =?utf-8?q?Client_{n}?= <client{n}@atlas.example>\n"
            f"To: hotline@desk.example\nSubject: =?utf-8?q?Panne_n=C2=B0{n}?=\n"
            f"Message-ID: <{n}@atlas.example>\nMIME-Version: 1.0\n"
            f"Content-Type: multipart/mixed; boundary=----=_Part_{n}_1.2\n\n"
            f"------=_Part_{n}_1.2\nContent-Type: text/plain; charset=utf-8\n\n"
            f"Bonjour,\nl'imprimante n°{n} ne répond plus.\n\n"
            f"------=_Part_{n}_1.2\nContent-Type: application/pdf\n"
            f"Content-Disposition: attachment; filename=Rapport {n}.pdf\n"
            f"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n------=_Part_{n}_1.2--\n\n")
    return "".join(parts)


def time_batch(root: Path, name: str, text: str, extra: list[str], runs: int) -> list[float]:
    source = root / name
    source.write_text(text, encoding="utf-8")
    homes = iter(range(runs + 1))

    def fresh_home() -> None:
        env["DESKCLI_HOME"] = str(root / f"{name}-{next(homes)}")

    env = environment(root / f"{name}-warm")
    args = [*command(), "open", "--from", str(source), *extra]
    return timed(args, env, runs, before=fresh_home)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=8000)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; medians of {args.runs} runs, each into an empty repository")
    with scratch("deskcli-bench-intake-") as root:
        small = report(f"{args.small:,} distinct callers (JSON lines)",
                       time_batch(root, "small.jsonl", callers_jsonl(args.small), [], args.runs))
        large = report(f"{args.large:,} distinct callers (JSON lines)",
                       time_batch(root, "large.jsonl", callers_jsonl(args.large), [], args.runs))
        print(f"ratio {args.large:,} / {args.small:,} callers: {large / small:.1f} "
              f"(linear: {args.large / args.small:.0f}, target under 10)")
        report("10,000 JSON lines records",
               time_batch(root, "records.jsonl", records_jsonl(10_000), [], args.runs))
        report(f"{args.large:,} distinct callers (CSV)",
               time_batch(root, "export.csv", callers_csv(args.large),
                          ["--map", "Customer Name=caller", "--map", "Subject=summary",
                           "--map", "Description=description", "--map", "Opened=opened_at",
                           "--date-format", "%d-%m-%Y %H:%M"], args.runs))
        report("500-message mbox (multipart, attachment)",
               time_batch(root, "inbox.mbox", mbox(500), [], args.runs))


if __name__ == "__main__":
    main()
