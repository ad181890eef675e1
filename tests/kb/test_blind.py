"""The blind relevance set (blind.toml): its held-out half must be answered well, and its
uncovered problems answered with "no relevant article".

The figures are printed with the test run, with every miss, so that a regression is read
at once. The tuning half, on which the search was tuned, is held to the same figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # blindset, beside this file
from blindset import blind_half, measure, starter_desk  # noqa: E402

FIRST = 0.75
TOP_3 = 0.90
SILENT = 0.80


def test_the_blind_set_is_large_varied_and_split_in_two_halves():
    from deskcli.core.knowledge import kb

    tuning, tuning_uncovered = blind_half(held_out=False)
    held_out, held_out_uncovered = blind_half(held_out=True)
    assert len(tuning) + len(held_out) >= 150 and len(tuning_uncovered) + len(held_out_uncovered) >= 30
    assert abs(len(tuning) - len(held_out)) <= len({q["expect"] for q in tuning})
    assert not {q["text"] for q in tuning} & {q["text"] for q in held_out}
    starters = {a["key"] for a in kb.starter_articles()}
    expected = {k for q in tuning + held_out for k in [q["expect"], *q.get("also", [])]}
    assert expected <= starters and len({q["expect"] for q in held_out}) == len(starters)
    assert {q["style"] for q in tuning + held_out} >= {"spoken", "sms", "typo", "english", "shorthand"}


@pytest.mark.parametrize("half", ["held-out", "tuning"])
def test_each_half_finds_its_articles_and_stays_silent_on_uncovered_problems(tmp_path, capsys, half):
    desk = starter_desk(tmp_path)
    try:
        figures = measure(desk, *blind_half(held_out=half == "held-out"))
    finally:
        desk.repo.close()
    with capsys.disabled():
        print(f"\nblind relevance set, {half} half: {figures.line()}")
        for miss in figures.misses:
            print(f"  missed: {miss}")
        for problem in figures.answered:
            print(f"  answered although uncovered: {problem}")
    assert figures.first >= FIRST and figures.top3 >= TOP_3 and figures.silent >= SILENT, figures.line()
