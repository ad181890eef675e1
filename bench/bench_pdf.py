"""The printed reports: `deskcli report ID --format pdf` (one intervention with two parts)
and the dashboard as PDF, against the same pages as HTML, and WeasyPrint's import alone.

    python bench/bench_pdf.py [--runs 7]

Needs the pdf extra (`pip install '.[pdf]'`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import command, environment, report, scratch, timed  # noqa: E402


def build(home: Path) -> int:
    from deskcli.core.calls import contracts, qualify, tickets
    from deskcli.core.treating import treatment
    from deskcli.core.app.desk import open_desk

    t0 = datetime.now(timezone.utc) - timedelta(days=20)
    desk = open_desk(home, "alice")
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2020, 1, 1),
                           valid_until=date(2099, 12, 31),
                           signers=[{"name": "Nadia Alami", "function": "Director"}], now=t0,
                           address=["4 place Bellecour", "69002 Lyon"])
    number = tickets.open_ticket(desk, tickets.CallFacts(
        caller="Karim Benali", org="Atlas SARL", summary="Server does not start", contract="C-1",
        device="Dell PowerEdge T40"), t0)["id"]
    qualify.qualify(desk, number, call_type="incident", impact="company", urgency="blocked",
                    reason=None, now=t0)
    treatment.treat(desk, number, now=t0 + timedelta(minutes=3), diagnosis="PSU dead", minutes=2)
    treatment.request_intervention(desk, number, nature="replace the PSU",
                                   now=t0 + timedelta(minutes=5))
    treatment.report_intervention(
        desk, number, number=1, start=t0 + timedelta(hours=1), end=t0 + timedelta(hours=2),
        done="PSU replaced", outcome="server starts", parts=["PSU 500W", "Power cord"],
        now=t0 + timedelta(hours=2), signed_by="Nadia Alami", signer_function="Director")
    for index in range(40):
        tickets.open_ticket(desk, tickets.CallFacts(
            caller=f"Caller {index}", org="Atlas SARL", summary="Mail blocked", contract="C-1"),
            t0 + timedelta(hours=index * 11))
    desk.repo.close()
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with scratch() as root:
        home = root / "repo"
        number = str(build(home))
        env = environment(home)
        deskcli = command()
        out = root / "out"
        report("python -c 'import weasyprint'",
               timed([sys.executable, "-c", "import weasyprint"], env, runs))
        for label, args in (
                ("report ID --format html", ["report", number, "-f", "html", "-o", f"{out}.html"]),
                ("report ID --format pdf", ["report", number, "-f", "pdf", "-o", f"{out}.pdf"]),
                ("report --format html (dashboard)", ["report", "-f", "html", "-o", f"{out}.html"]),
                ("report --format pdf (dashboard)", ["report", "-f", "pdf", "-o", f"{out}.pdf"])):
            report(label, timed([*deskcli, *args], env, runs))
        pages = subprocess.run([sys.executable, "-c", "import pypdf,sys; print(len(pypdf.PdfReader(sys.argv[1]).pages))",
                                f"{out}.pdf"], capture_output=True, text=True).stdout.strip()
        print(f"dashboard pages: {pages or '? (pypdf not installed)'}")


if __name__ == "__main__":
    main()
