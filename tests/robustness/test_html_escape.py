"""The HTML intervention report escapes each name exactly once: never raw (injection),
never twice (O&amp;amp;Brien on the printed sheet)."""

import re

from freezegun import freeze_time

TECHNICIAN = "O'Brien & <Co>"
ONCE = "O&#39;Brien &amp; &lt;Co&gt;"


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def test_names_are_escaped_once_in_the_html_intervention_report(deskcli):
    with freeze_time("2026-03-10 09:00:00"):
        ok(deskcli("--as", TECHNICIAN, "open", "--caller", "Karim", "--summary", "PC",
                   "--billable", "--no-input"))
        ok(deskcli("--as", TECHNICIAN, "qualify", "1", "--type", "incident", "--impact", "user",
                   "--urgency", "minor"))
        ok(deskcli("--as", TECHNICIAN, "treat", "1", "--diagnosis", "PSU dead"))
        ok(deskcli("--as", TECHNICIAN, "intervene", "1", "--nature", "replace the PSU"))
    with freeze_time("2026-03-10 14:00:00"):
        ok(deskcli("--as", TECHNICIAN, "intervene", "1", "--report", "1", "--start",
                   "2026-03-10T11:00:00Z", "--end", "2026-03-10T12:15:00Z", "--done", "x",
                   "--outcome", "y", "--signed-by", "Kar<i>m", "--signer-function", "A"))
    page = ok(deskcli("report", "1", "--format", "html")).stdout
    opened = next(line for line in page.splitlines() if "<th>Opened</th>" in line)
    assert ONCE in opened  # a name inside a translated sentence
    assert re.search(r'class="name"[^>]*>' + re.escape(ONCE), page)  # a name on its own
    assert "Kar&lt;i&gt;m is not an authorised signatory" in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page and "&amp;#39;" not in page
    assert "<Co>" not in page and "<i>" not in page
