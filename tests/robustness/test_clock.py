"""A clock set back while a call is worked on: its negative resolution time is flagged,
never averaged in, and `deskcli doctor` names the ticket and the event."""

from freezegun import freeze_time


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def solve(deskcli, number, when):
    with freeze_time(when):
        ok(deskcli("treat", number, "--solution", "rebooted", "--definitive"))


def test_a_clock_that_went_back_is_flagged_not_averaged(deskcli, utc):
    for number, opened in (("1", "2026-03-10 10:00:00"), ("2", "2026-03-10 10:30:00")):
        with freeze_time(opened):
            ok(deskcli("open", "--caller", "Karim", "--summary", "PC", "--billable", "--no-input"))
            ok(deskcli("qualify", number, "--type", "incident", "--impact", "user", "--urgency", "minor"))
    solve(deskcli, "1", "2026-03-10 11:00:00")  # 60 minutes
    solve(deskcli, "2", "2026-03-10 08:00:00")  # the clock set back: -150 minutes
    with freeze_time("2026-03-12 12:00:00"):
        report = ok(deskcli("report", "--since", "2026-03-01", "--json")).json()
    resolution = report["resolution_time"]
    assert resolution["all"]["count"] == 1 and resolution["all"]["mean_minutes"] == 60.0
    assert resolution["clock_went_back"] == 1
    doctor = deskcli("doctor", "--json")
    assert doctor.exit_code == 3
    problems = doctor.json()["problems"]
    assert [(p["ticket"], p["field"]) for p in problems] == [(2, "history[5].at")]
    assert "clock went back" in problems[0]["reason"]
