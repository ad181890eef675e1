"""`deskcli report`: the intervention report in every format, the indicators for a browser and
a spreadsheet, and abandoned calls, through the entry point."""

import csv
import io
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from freezegun import freeze_time

from deskcli.core.calls import contracts, qualify, tickets
from deskcli.core.treating import treatment

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)



pytestmark = pytest.mark.usefixtures("utc")

def at(minutes):
    return T0 + timedelta(minutes=minutes)


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def on_site(desk, *, signer=("Nadia Alami", "Director"), report=True, summary="Server does not start",
            contract="C-1", billable=False, org="Atlas SARL"):
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31),
                           signers=[{"name": "Nadia Alami", "function": "Director"}], now=T0)
    ticket = tickets.open_ticket(desk, tickets.CallFacts(
        caller="Karim Benali", org=org, role="Assistant", contact="0611223344",
        summary=summary, contract=contract, billable=billable, device="Dell PowerEdge T40",
        description="The server stays off <b>since</b> this morning"), T0)
    number = ticket["id"]
    qualify.qualify(desk, number, call_type="incident", impact="company", urgency="blocked",
                    reason=None, now=at(1))
    treatment.treat(desk, number, now=at(3), diagnosis="power supply dead", minutes=2)
    treatment.request_intervention(desk, number, nature="replace the power supply", amount="150",
                                   now=at(5))
    if report:
        treatment.report_intervention(
            desk, number, number=1, start=at(60), end=at(105), done="PSU replaced, server tested",
            outcome="server starts; watch the UPS", parts=["PSU 500W"], now=at(110),
            signed_by=signer[0] if signer else None, signer_function=signer[1] if signer else None)
    return number


class Fields(HTMLParser):
    """Rows of th/td pairs and the text of every element with a class, from a rendered page."""

    def __init__(self):
        super().__init__()
        self.rows, self.classes, self._cell, self._row, self._open = [], {}, None, [], []
        self.external = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        source = attrs.get("src") or ""
        if tag in ("link", "script") or (tag != "svg" and source and not source.startswith("data:")):
            self.external.append(tag)
        if tag == "tr":
            self._row = []
        if tag in ("th", "td"):
            self._cell = ""
        self._open.append((tag, attrs.get("class")))

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        if tag == "tr":
            self.rows.append(self._row)
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        for _, cls in self._open:
            if cls:
                for name in cls.split():
                    self.classes[name] = self.classes.get(name, "") + data

    def field(self, label, occurrence=0):
        values = [r[1] for r in self.rows if len(r) == 2 and r[0] == label]
        return values[occurrence]


def parse(html):
    parser = Fields()
    parser.feed(html)
    return parser


def test_the_text_report_carries_every_field_of_the_procedure(deskcli, desk):
    number = on_site(desk)
    text = ok(deskcli("report", str(number))).stdout
    for expected in ("Intervention 1", "Karim Benali", "0611223344", "C-1",
                     "covered by the contract or warranty", "Dell PowerEdge T40",
                     "The server stays off <b>since</b> this morning", "replace the power supply",
                     "PSU 500W", "2026-11-10 10:00", "2026-11-10 10:45", "45min",
                     "PSU replaced, server tested", "server starts; watch the UPS", "alice",
                     "Nadia Alami, Director", "History", "call opened (phone)"):
        assert expected in text, expected
    assert "does not commit the customer" not in text


def test_an_unauthorised_signer_is_marked_in_every_format(deskcli, desk):
    number = on_site(desk, signer=("Omar", "Clerk"))
    assert "does not commit the customer" in ok(deskcli("report", str(number))).stdout
    assert "does not commit the customer" in ok(deskcli("report", str(number), "--format", "markdown")).stdout
    page = parse(ok(deskcli("report", str(number), "--format", "html")).stdout)
    assert "does not commit the customer" in page.classes["not-authorised"]
    document = ok(deskcli("report", str(number), "--json")).json()
    assert document["interventions"][0]["report"]["signer"] == {
        "name": "Omar", "function": "Clerk", "commits_customer": False}


def test_the_html_report_is_one_printable_page_whose_fields_read_back(deskcli, desk):
    number = on_site(desk)
    html = ok(deskcli("report", str(number), "--format", "html")).stdout
    assert "@page { size: A4" in html and "@media print" in html
    page = parse(html)
    assert page.external == []
    assert page.field("Intervention number") == "1"
    assert page.field("Contract number") == "C-1"
    assert page.field("Equipment") == "Dell PowerEdge T40"
    assert page.field("Nature of the intervention") == "replace the power supply"
    assert ["1", "PSU 500W"] in page.rows  # the parts table: number, part
    assert page.field("Start") == "2026-11-10 10:00"
    assert page.field("End") == "2026-11-10 10:45"
    assert page.field("Time spent") == "47min"  # the call: 2 min by phone and the 45 on site
    assert page.field("Time spent", 1) == "45min"
    assert page.field("Outcome or follow-up") == "server starts; watch the UPS"
    assert page.field("Incident") == "The server stays off <b>since</b> this morning"
    assert "<b>since</b>" not in html  # the caller's text is escaped, not markup
    assert page.classes["technician"].count("alice") == 1
    assert "Nadia Alami" in page.classes["user"] and "Director" in page.classes["user"]


def html_blank_rows(page):
    return sum(1 for row in page.rows if len(row) == 4 and row[0].isdigit() and not any(row[1:]))


def test_an_unsigned_report_prints_empty_signature_boxes(deskcli, desk):
    number = on_site(desk, report=False)
    page = parse(ok(deskcli("report", str(number), "--format", "html")).stdout)
    start = next(row for row in page.rows if row and row[0] == "Start")
    assert "____" in start[1]  # a blank to fill in on site
    assert page.classes.get("name", "").strip() == ""
    assert "Signature" in page.classes["technician"] and "Signature" in page.classes["user"]
    assert "Company stamp" in page.classes["user"] and "read and approved" in page.classes["user"]
    # The form taken on site: lines to write the work on, a parts table with empty rows.
    assert html_blank_rows(page) == 3 and "What was done" in page.classes["write-in"]
    assert "not written yet" in ok(deskcli("report", str(number))).stdout


def test_an_uncovered_intervention_shows_its_amount(deskcli, desk):
    number = on_site(desk, contract=None, billable=True, org="Nobody Inc", signer=None)
    assert "150.00 EUR excl. tax (not covered)" in ok(deskcli("report", str(number))).stdout
    assert parse(ok(deskcli("report", str(number), "-f", "html")).stdout).field("Amount") == \
        "150.00 EUR excl. tax (not covered)"


def test_markdown_escapes_what_would_break_a_table(deskcli, desk):
    number = on_site(desk, summary="Disk | full *now*")
    text = ok(deskcli("report", str(number), "--format", "markdown")).stdout
    assert "Disk \\| full \\*now\\*" in text
    assert text.startswith("# Intervention report")


def test_a_call_without_intervention_still_has_its_report(deskcli, desk):
    number = tickets.open_ticket(desk, tickets.CallFacts(caller="Zoe", summary="Slow", billable=True), T0)["id"]
    text = ok(deskcli("report", str(number))).stdout
    assert "No on-site intervention was requested" in text and "History" in text


def test_report_refusals(deskcli, desk):
    number = on_site(desk)
    assert deskcli("report", "99").exit_code == 1
    bad = deskcli("report", str(number), "--format", "csv")
    assert bad.exit_code == 2 and "text, markdown, html, pdf, json" in bad.stderr
    assert deskcli("report", "--format", "markdown").exit_code == 2
    assert deskcli("report", str(number), "--since", "2026-11-01").exit_code == 2
    assert deskcli("report", "--by", "colour").exit_code == 2
    assert deskcli("report", "--since", "2026-12-01", "--until", "2026-11-01").exit_code == 2
    refused = deskcli("report", "--since", "yesterday")
    assert refused.exit_code == 2 and "YYYY-MM-DD" in refused.stderr and "Traceback" not in refused.stderr


def test_a_report_written_to_a_file_is_private(deskcli, desk, tmp_path):
    number = on_site(desk)
    target = tmp_path / "report.html"
    ok(deskcli("report", str(number), "--format", "html", "--output", str(target)))
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert parse(target.read_text()).field("Intervention number") == "1"
    assert deskcli("report", str(number), "-o", str(tmp_path / "missing" / "x.html")).exit_code == 2


@freeze_time("2026-11-30 18:00:00")
def test_the_dashboard_and_the_csv_read_back(deskcli, desk):
    number = on_site(desk)
    treatment.treat(desk, number, now=at(120), solution="PSU replaced", definitive=True)
    ok(deskcli("open", "--abandoned", "--contact", "0600000000", "--at", "2026-11-20 10:00",
               "--waited", "4m"))
    document = ok(deskcli("report", "--json")).json()
    html = ok(deskcli("report", "--format", "html")).stdout
    page = parse(html)
    assert page.external == [] and html.count("<svg") == 4
    # The headline figures come first, before any chart or table.
    assert html.index('class="cards"') < html.index("<svg") < html.index("<table")
    assert page.classes["card"].replace(" ", "").startswith("1Callsreceived")
    # SLA bars coloured by their target; a priority without a decided clock reads n/a.
    cells = [document["sla"][p][c] for p in "1234" for c in ("take_charge", "resolution")]
    met = sum(1 for c in cells if c["compliance"] is not None and c["compliance"] >= c["target"])
    missed = sum(1 for c in cells if c["compliance"] is not None and c["compliance"] < c["target"])
    assert met and html.count('fill="#2f855a"><title>') == met
    assert html.count('fill="#c53030"><title>') == missed
    assert html.count("n/a (no decided clock)") == sum(1 for c in cells if c["compliance"] is None) == 6
    assert "Day" in html and "Calls" in html  # axis titles
    assert page.field("Calls received") == "1"
    assert page.field("Abandoned calls") == "1 (50.0% of calls)"
    rows = list(csv.reader(io.StringIO(ok(deskcli("report", "--format", "csv")).stdout)))
    assert rows[0] == ["section", "group", "item", "value"]
    values = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert values[("figures", "all", "calls")] == str(document["calls"]) == "1"
    assert values[("figures", "all", "abandoned")] == "1"
    assert values[("sla", "all", "1.take_charge.target")] == "0.99"
    assert values[("resolution_time", "all", "all.count")] == "1"


@freeze_time("2026-11-30 18:00:00")
def test_the_terminal_indicators_show_tables_and_charts(deskcli, desk):
    on_site(desk)
    text = ok(deskcli("report", "--by", "technician")).stdout
    for expected in ("Calls received", "First-level resolution", "take-charge", "Backlog at",
                     "By technician", "Calls received per week", "Against the targets",
                     "Backlog by age"):
        assert expected in text, expected
    charts = text[text.index("Against the targets"):]
    # Each clock against its target: a mark on the bar, the target and the verdict in words;
    # a priority without a decided clock reads n/a rather than a bar of 0.
    assert "| 100.0%  target 99.0%: met" in charts
    assert charts.count("n/a (no decided clock)") == 6
    assert "Solved at level 1 n/a (no closed incident)" in charts
    week = next(line for line in text.splitlines() if "█" in line)
    assert week.rstrip().endswith(" 1") and ".00" not in text  # counts written as counts
    assert "\x1b[" not in text  # no colour codes when the output is not a terminal
    assert "Calls received per" not in ok(deskcli("report", "--no-chart")).stdout
    assert "Calls received per day" in ok(deskcli("report", "--since", "7d")).stdout


def test_abandoned_calls_are_recorded_apart_from_tickets(deskcli, desk):
    first = ok(deskcli("open", "--abandoned", "--caller", "Karim", "--contact", "0611223344"))
    assert first.stdout.strip() == "A-1" and "not in the backlog" in first.stderr
    record = ok(deskcli("open", "--abandoned", "--json")).json()
    assert record["id"] == 2 and record["caller"] is None
    assert ok(deskcli("list", "--all", "--json")).json() == []
    assert deskcli("open", "--abandoned", "--waited", "forever").exit_code == 2
    assert deskcli("open", "--abandoned", "--at", "2999-01-01 10:00").exit_code == 2
    assert deskcli("open", "--caller", "K", "--summary", "x", "--waited", "3m").exit_code == 2
    assert ok(deskcli("report", "--json")).json()["abandoned"] == 2


def test_indicators_of_a_period_whose_clocks_all_still_run(deskcli):
    """A call qualified and not yet taken in charge: its clocks run, none is decided."""
    assert deskcli("open", "--caller", "K", "--summary", "S", "--billable",
                   "--channel", "email").exit_code == 0
    assert deskcli("qualify", "1", "--type", "request", "--impact", "company",
                   "--urgency", "degraded").exit_code == 0
    result = deskcli("report", "--json")
    assert result.exit_code == 0, result.stderr
    cell = result.json()["sla"]["2"]["take_charge"]
    assert (cell["met"], cell["missed"], cell["running"], cell["compliance"]) == (0, 0, 1, None)


def test_an_internal_desk_has_no_list_of_signers_to_warn_about(deskcli, home):
    ok(deskcli("init", "--company", "Atlas Support", "--no-contracts", "--no-starter-kb",
               "--completion", "none", "--no-input"))
    with freeze_time("2026-11-10 09:00"):
        ok(deskcli("open", "--caller", "Omar Idrissi", "--org", "Accounting",
                   "--summary", "PC does not start"))
        ok(deskcli("qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "blocked"))
        ok(deskcli("treat", "1", "--diagnosis", "the power supply is dead"))
        ok(deskcli("intervene", "1", "--nature", "replace the power supply"))
    with freeze_time("2026-11-10 12:00"):
        written = ok(deskcli("intervene", "1", "--report", "1", "--start", "2026-11-10 10:00",
                             "--end", "2026-11-10 10:45", "--done", "PSU replaced",
                             "--outcome", "the PC starts", "--signed-by", "Omar Idrissi",
                             "--signer-function", "Accountant"))
    assert "authorised" not in written.stderr
    assert "(does not commit" not in ok(deskcli("show", "1")).stdout
    for form in ("text", "markdown", "html"):
        shown = ok(deskcli("report", "1", "--format", form)).stdout
        assert "authorised signatory" not in shown and "Omar Idrissi" in shown
    signer = ok(deskcli("report", "1", "--json")).json()["interventions"][0]["report"]["signer"]
    assert signer == {"name": "Omar Idrissi", "function": "Accountant", "commits_customer": None}


def test_an_abandoned_call_is_a_sentence_at_a_terminal_and_its_id_in_a_pipe(deskcli, monkeypatch):
    piped = ok(deskcli("open", "--abandoned", "--contact", "0611223344"))
    assert piped.stdout == "A-1\n"
    from deskcli.ui import output

    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)
    shown = ok(deskcli("open", "--abandoned", "--contact", "0611223344", "--caller", "Karim Benali"))
    assert shown.stdout == ""
    assert "Abandoned call A-2 recorded (Karim Benali, " in shown.stderr
    assert "Next: deskcli open --caller 'Karim Benali' --contact 0611223344" in shown.stderr
    assert "Next:" not in ok(deskcli("open", "--abandoned")).stderr  # nobody to call back
