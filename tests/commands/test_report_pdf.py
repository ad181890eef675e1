"""`deskcli report --format pdf`: the intervention report laid out on A4 by WeasyPrint and
read back from the PDF (page count, every field, the running footer), and the dashboard."""

import io
import sys
from datetime import date, datetime, timedelta, timezone

import pypdf
import pytest
from freezegun import freeze_time

try:
    import weasyprint  # noqa: F401  (loads Pango and HarfBuzz from the system)
except OSError as missing:  # a machine without Pango: the rest of the suite still runs
    pytest.skip(f"PDF tests not run: WeasyPrint cannot load the system's Pango ({missing}); "
                "Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 (CI installs them)",
                allow_module_level=True)

from deskcli.core.calls import contracts, qualify, tickets
from deskcli.core.treating import treatment
from deskcli.core.app.settings import load

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)
A4 = (595, 842)  # points

pytestmark = pytest.mark.usefixtures("utc")


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


SETTINGS = '''
[documents]
name = "Rhone Info Services"
logo = "logo.png"
address = ["12 rue des Lilas", "69003 Lyon"]
phone = "04 78 00 00 00"
registration = "SIRET 123 456 789 00012"
place = "Lyon"
currency = "EUR"
amounts = "excl-tax"
[technicians]
alice = { name = "Alice Durand", function = "Field technician" }
'''


def set_up_desk(home):
    from PIL import Image

    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(SETTINGS)
    Image.new("RGB", (40, 40), "#23577a").save(home / "logo.png")


def call(desk, *, report=True, signer=("Nadia Alami", "Director"), parts=("PSU 500W", "Power cord C13")):
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31),
                           signers=[{"name": "Nadia Alami", "function": "Director"}], now=T0,
                           address=["4 place Bellecour", "69002 Lyon"])
    number = tickets.open_ticket(desk, tickets.CallFacts(
        caller="Karim Benali", org="Atlas SARL", role="Assistant", contact="0611223344",
        summary="Server does not start", contract="C-1", device="Dell PowerEdge T40",
        description="The server stays off since this morning"), T0)["id"]
    qualify.qualify(desk, number, call_type="incident", impact="company", urgency="blocked",
                    reason=None, now=at(1))
    treatment.treat(desk, number, now=at(3), diagnosis="power supply dead", minutes=2)
    treatment.request_intervention(desk, number, nature="replace the power supply", now=at(5))
    if report:
        treatment.report_intervention(
            desk, number, number=1, start=at(60), end=at(105), done="PSU replaced, server tested",
            outcome="server starts; watch the UPS", parts=list(parts), now=at(110),
            signed_by=signer[0], signer_function=signer[1])
    return number


@pytest.fixture
def printed(home, desk, deskcli, tmp_path):
    """The PDF of a ticket's report, as pypdf reads it."""
    def run(number, *options):
        target = tmp_path / f"report-{number}.pdf"
        ok(deskcli("report", str(number), "--format", "pdf", "--output", str(target), *options))
        assert oct(target.stat().st_mode & 0o777) == "0o600"
        return pypdf.PdfReader(io.BytesIO(target.read_bytes()))
    return run


def text_of(page):
    return " ".join(page.extract_text().split())


def test_one_intervention_with_two_parts_prints_on_one_a4_page_with_every_field(home, desk, printed):
    set_up_desk(home)
    desk.settings.update(load(home))  # the letterhead and full names, for core's calls here
    number = call(desk)
    pdf = printed(number)
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4
    text = text_of(pdf.pages[0])
    for field in (
            # the company that issues it, the customer and the caller
            "Rhone Info Services", "12 rue des Lilas", "69003 Lyon", "04 78 00 00 00",
            "SIRET 123 456 789 00012", "Atlas SARL", "4 place Bellecour", "69002 Lyon",
            "Karim Benali", "Assistant", "0611223344",
            # the call
            f"Ticket #{number}", "Server does not start", "Dell PowerEdge T40",
            "The server stays off since this morning", "power supply dead",
            # the intervention
            "Intervention number", "Contract number", "C-1", "covered by the contract or warranty",
            "replace the power supply", "2026-11-10 10:00", "2026-11-10 10:45", "45min",
            "PSU 500W", "Power cord C13", "PSU replaced, server tested",
            "server starts; watch the UPS",
            # both signature blocks
            "Alice Durand", "Field technician", "Nadia Alami", "Director", "2026-11-10", "Lyon",
            "read and approved", "Company stamp",
            # the running footer
            f"ticket #{number}", "Page 1/1"):
        assert field in text, field
    assert "alice" not in text.replace("Alice", "")  # the full name, never the login
    assert text.count("power supply dead") == 1  # the diagnosis is printed once
    assert "History" not in text and "clock stopped" not in text
    assert len(pdf.pages[0].images) == 1  # the logo, embedded


def test_the_history_annex_leaves_the_desks_bookkeeping_out_and_every_page_is_numbered(
        home, desk, printed):
    number = call(desk)
    treatment.treat(desk, number, now=at(120), solution="PSU replaced", definitive=True)
    pdf = printed(number, "--history")
    assert len(pdf.pages) == 2
    annex = text_of(pdf.pages[1])
    assert "history of the call" in annex and "call opened (phone)" in annex
    assert "intervention 1 report" in annex
    assert "clock stopped" not in annex and "knowledge base" not in annex
    for index, page in enumerate(pdf.pages, 1):
        assert f"ticket #{number}" in text_of(page) and f"Page {index}/2" in text_of(page)


def test_the_blank_form_fits_one_page_with_room_to_write(home, desk, printed):
    number = call(desk, report=False)
    pdf = printed(number)
    assert len(pdf.pages) == 1
    text = text_of(pdf.pages[0])
    for field in ("What was done", "Parts supplied or exchanged", "Reference", "Qty",
                  "Outcome or follow-up", "THE TECHNICIAN", "THE CUSTOMER", "Company stamp"):
        assert field in text, field


def test_an_unauthorised_signer_is_warned_outside_the_signing_space(home, desk, printed):
    number = call(desk, signer=("Omar", "Clerk"))
    text = text_of(printed(number).pages[0])
    warning = text.index("this signature does not commit the customer")
    assert warning < text.index("THE TECHNICIAN")  # above the boxes, not inside one


def test_a_french_amount_has_its_currency_and_tax_basis(home, deskcli, tmp_path, monkeypatch):
    monkeypatch.setenv("DESKCLI_LANG", "fr")
    from deskcli.core.app.desk import open_desk

    desk = open_desk(home, "alice")
    number = tickets.open_ticket(desk, tickets.CallFacts(
        caller="Zoé", org="Particulier Martin", summary="PC ne démarre pas", billable=True,
        device="PC"), T0)["id"]
    qualify.qualify(desk, number, call_type="incident", impact="user", urgency="blocked",
                    reason=None, now=at(1))
    treatment.treat(desk, number, now=at(3), diagnosis="disque mort", minutes=2)
    treatment.request_intervention(desk, number, nature="changer le disque", amount="89.90", now=at(5))
    desk.repo.close()
    target = tmp_path / "fr.pdf"
    ok(deskcli("report", str(number), "-f", "pdf", "-o", str(target)))
    text = text_of(pypdf.PdfReader(str(target)).pages[0])
    assert "89,90 € HT (non couvert)" in text
    assert "Page 1/1" in text and f"ticket n° {number}" in text


def test_without_weasyprint_pdf_is_refused_with_the_way_to_install_it(desk, deskcli, tmp_path,
                                                                       monkeypatch):
    number = call(desk)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint raises
    refused = deskcli("report", str(number), "-f", "pdf", "-o", str(tmp_path / "r.pdf"))
    assert refused.exit_code == 2 and "deskcli[pdf]" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "r.pdf").exists()
@freeze_time("2026-11-30 18:00:00")
def test_the_dashboard_prints_to_pdf_with_its_desk_and_page_numbers(desk, deskcli, tmp_path):
    call(desk)
    target = tmp_path / "dashboard.pdf"
    ok(deskcli("report", "--format", "pdf", "-o", str(target)))
    pdf = pypdf.PdfReader(str(target))
    pages = [text_of(page) for page in pdf.pages]
    assert "Calls received" in pages[0] and "First-level resolution" in pages[0]
    for index, text in enumerate(pages, 1):
        assert "Helpdesk" in text and f"Page {index}/{len(pages)}" in text


def test_a_pdf_goes_to_a_pipe(desk, deskcli):
    number = call(desk)
    piped = ok(deskcli("report", str(number), "-f", "pdf"))
    assert piped.stdout.startswith("%PDF-")


def test_a_logo_that_cannot_be_read_is_named(home, desk, deskcli, tmp_path):
    number = call(desk)
    (home / "settings.toml").write_text('[documents]\nlogo = "missing.png"\n')
    refused = deskcli("report", str(number), "-f", "pdf", "-o", str(tmp_path / "r.pdf"))
    assert refused.exit_code == 2 and "missing.png" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "r.pdf").exists()


def test_each_intervention_of_a_call_starts_a_page_of_its_own_to_sign(desk, printed):
    number = call(desk)
    treatment.request_intervention(desk, number, nature="check the UPS", now=at(200))
    treatment.report_intervention(desk, number, number=2, start=at(300), end=at(330),
                                  done="UPS tested", outcome="fine", parts=[], now=at(331),
                                  signed_by="Nadia Alami", signer_function="Director")
    pdf = printed(number)
    first, second = (text_of(page) for page in pdf.pages)
    assert "Intervention 1" in first and "Intervention 2" not in first
    assert "Intervention 2" in second and "THE CUSTOMER" in second and "Page 2/2" in second
