"""What `deskcli export --format jsonl` writes, `deskcli open --from` reads back into an
empty repository: the same tickets, numbers and histories, whatever their text holds."""

import json
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskcli.core.calls import qualify, tickets
from deskcli.core.treating import treatment
from deskcli.core.app.desk import open_desk

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)

# Awkward text: accents, quotes, backslashes, newlines, emoji, right-to-left marks, very long.
awkward = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1, max_size=400,
).filter(lambda s: s.strip()) | st.sampled_from([
    'Zoé "la" d\'Artagnan', "Ligne 1\nLigne 2\r\n\tfin", "🖥️💥 écran", "=SUM(A1:A9)", "\\\\serveur\\partage",
    "x" * 19_000, "\u202eevil", "+33 6 11 22 33 44",
])


def build(home, calls):
    desk = open_desk(home, "alice")
    for n, (caller, summary, description, closed) in enumerate(calls):
        now = T0 + timedelta(hours=n)
        ticket = tickets.open_ticket(desk, tickets.CallFacts(
            caller=caller, summary=summary, description=description, billable=True,
            org="Atlas SARL" if n % 2 else None), now)
        if closed:
            qualify.qualify(desk, ticket["id"], call_type="incident", impact="user", urgency="minor",
                            reason=None, now=now + timedelta(minutes=1))
            treatment.treat(desk, ticket["id"], now=now + timedelta(minutes=2), diagnosis=description,
                            solution=summary, definitive=True)
            treatment.close(desk, ticket["id"], now=now + timedelta(minutes=3))
    return desk


def everything(desk):
    return sorted((dict(t, sla=None) for t in tickets.list_tickets(desk, scope="all")),
                  key=lambda t: t["id"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(st.tuples(awkward, awkward, awkward, st.booleans()), min_size=1, max_size=4))
def test_an_export_reads_back_to_the_same_tickets(tmp_path_factory, deskcli, monkeypatch, calls):
    root = tmp_path_factory.mktemp("roundtrip")
    source = build(root / "source", calls)
    monkeypatch.setenv("DESKCLI_HOME", str(root / "source"))
    exported = deskcli("export", "--format", "jsonl")
    assert exported.exit_code == 0, exported.stderr
    assert len(exported.stdout.rstrip("\n").split("\n")) == len(calls)
    dump = root / "export.jsonl"
    dump.write_text(exported.stdout, encoding="utf-8")
    monkeypatch.setenv("DESKCLI_HOME", str(root / "copy"))
    restored = deskcli("open", "--from", str(dump))
    assert restored.exit_code == 0, restored.stderr
    copy = open_desk(root / "copy", "alice")
    assert everything(copy) == everything(source)
    # Numbering goes on after the restored tickets, never over them.
    after = tickets.open_ticket(copy, tickets.CallFacts(caller="K", summary="next", billable=True), T0)
    assert after["id"] == len(calls) + 1
    assert json.loads(exported.stdout.split("\n")[0])["id"] == 1
