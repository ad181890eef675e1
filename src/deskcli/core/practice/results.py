"""Practice results: kept per student apart from the desk's tickets, summed up for a class."""

from __future__ import annotations

from pathlib import Path

from deskcli.core.base.names import name_key
from deskcli.core.practice.call import student_key
from deskcli.core.practice.rules import CLOSING_LABEL, PRACTICE_DIR, RESULTS

def results_repository(home: Path):
    """Where scores are kept: the practice directory, apart from the desk's tickets."""
    from deskcli.core.app.factory import embedded_repository

    return embedded_repository(home / PRACTICE_DIR)


def keep_result(home: Path, card: dict) -> dict:
    with results_repository(home).writing() as store:
        card = dict(card, id=None)
        card["id"] = store.insert_record(RESULTS, card)
    return card


def student_of(card: dict) -> str:
    """The identifier a result is filed under: given, or the name with case and accents
    folded (« Inès », « ines » and « INES » are one student)."""
    return card.get("student_id") or student_key(card["student"])


def mode_of(card: dict) -> str:
    """How a result was played; results kept before modes were recorded say "unknown"."""
    return card.get("mode", "unknown")


def results(home: Path, student: str | None = None, student_id: str | None = None) -> list[dict]:
    if not (home / PRACTICE_DIR).is_dir():
        return []
    with results_repository(home).reading() as store:
        found = store.records(RESULTS)
    if student_id is not None or student is not None:
        key = student_id or student_key(student)
        found = [r for r in found if student_of(r) == key]
    return sorted(found, key=lambda r: (r["started_at"], r.get("id") or 0))


def _left_undone(card: dict, item: dict) -> bool:
    """A step an interrupted call never came to: it cost its points, but it is no mistake
    of the rule's."""
    return card.get("status") == "interrupted" and item["answer"] in (None, "not asked")


def _family(key: str) -> str:
    """Mistakes are counted by rule: every closing moment is one item, each own question another."""
    return key if key.startswith("question:") else key.split(":")[0]


def _mistakes(cards: list[dict], limit: int = 5) -> list[dict]:
    """The items most often got wrong; an item the call never reached is no mistake."""
    from collections import Counter

    counts: Counter = Counter()
    first: dict[str, dict] = {}
    for card in cards:
        for item in card["items"]:
            if item["reached"] and not item["ok"] and not _left_undone(card, item):
                family = _family(item["key"])
                counts[family] += 1
                first.setdefault(family, item)
    return [{"item": family, "section": first[family]["section"], "count": n,
             "label": CLOSING_LABEL if family == "closing" else first[family]["label"]}
            for family, n in counts.most_common(limit)]


def summary(cards: list[dict]) -> dict:
    """Each student's scores over time and frequent mistakes, then the class's figures."""
    by_student: dict[str, list[dict]] = {}
    for card in cards:
        by_student.setdefault(student_of(card), []).append(card)
    students = []
    for key in sorted(by_student, key=lambda k: name_key(by_student[k][-1]["student"])):
        own = by_student[key]
        percents = [c["percent"] for c in own]
        students.append({
            "student": own[-1]["student"], "student_id": key,
            "sessions": [{"at": c["started_at"], "scenario": c["scenario"], "score": c["score"],
                          "max": c["max"], "percent": c["percent"], "mode": mode_of(c),
                          "status": c.get("status", "complete")} for c in own],
            "calls": len(own),
            "mean_percent": round(sum(percents) / len(percents), 1),
            "first_percent": percents[0], "last_percent": percents[-1],
            "best_percent": max(percents),
            "frequent_mistakes": _mistakes(own),
            "mastery": mastery(own),
        })
    scenarios: dict[str, list[int]] = {}
    for card in cards:
        scenarios.setdefault(card["scenario"], []).append(card["percent"])
    all_percents = [c["percent"] for c in cards]
    return {
        "students": students,
        "class": {
            "students": len(students),
            "calls": len(cards),
            "mean_percent": round(sum(all_percents) / len(all_percents), 1) if cards else None,
            "scenarios": [{"scenario": name, "calls": len(p),
                           "mean_percent": round(sum(p) / len(p), 1)}
                          for name, p in sorted(scenarios.items())],
            "frequent_mistakes": _mistakes(cards),
        },
    }


# -- exams ------------------------------------------------------------------------------------

EXAM_FILE = "exam.json"


def set_exam(home: Path, names: list[str], now) -> dict:
    """The teacher fixes the scenarios of an exam: every student plays these, in this order,
    at the prompts, timed, with the expected answers hidden."""
    import json

    from deskcli.core.base import clock
    from deskcli.core.base.errors import InvalidInput
    from deskcli.core.practice.scenarios import find_scenario
    from deskcli.core.base.files import write_atomically
    from deskcli.i18n import fact, say

    chosen = [n.strip() for n in names if n.strip()]
    if not chosen:
        raise InvalidInput(say("{set_field}: name at least one scenario (`deskcli practice {list_field}` "
                               "shows them)", set_field=fact("set"), list_field=fact("list")))
    for name in chosen:
        find_scenario(home, name)  # a name that is no scenario is refused now, not mid-exam
    exam = {"scenarios": chosen, "set_at": clock.to_iso(now)}
    from deskcli.core.base.paths import private_directory

    directory = private_directory(home, PRACTICE_DIR)
    write_atomically(directory / EXAM_FILE, json.dumps(exam, ensure_ascii=False))
    return exam


def exam(home: Path) -> dict | None:
    import json

    path = home / PRACTICE_DIR / EXAM_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def next_exam_scenario(home: Path, student_id: str) -> str | None:
    """The first scenario of the exam this student has not yet played in exam mode (an
    interrupted call counts as played: it is not taken again)."""
    current = exam(home)
    if current is None:
        return None
    done = {c["scenario"] for c in results(home, student_id=student_id)
            if mode_of(c) == "exam" and c["started_at"] >= current["set_at"]}
    return next((name for name in current["scenarios"] if name not in done), None)


# -- grades out -------------------------------------------------------------------------------

CSV_COLUMNS = ("student_id", "student", "scenario", "date", "mode", "status", "score", "max",
               "percentage")


def grades_csv(cards: list[dict]) -> str:
    """One line per result, for a spreadsheet or Moodle's CSV grade import (map the
    student_id column to the users' ID number or username, percentage to the grade item):
    UTF-8, comma-separated, dot decimals whatever the session's language."""
    import csv
    import io

    from deskcli.core.base import clock

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for card in cards:
        day = clock.local_date(clock.from_iso(card["started_at"])).isoformat()
        percentage = round(100 * card["score"] / card["max"], 2) if card["max"] else 100
        writer.writerow([student_of(card), _spreadsheet_safe(card["student"]), card["scenario"],
                         day, mode_of(card), card.get("status", "complete"), card["score"],
                         card["max"], f"{percentage:.2f}"])
    return out.getvalue()


def _spreadsheet_safe(text: str) -> str:
    # A name a spreadsheet would run as a formula is written as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def mastery(cards: list[dict]) -> list[dict]:
    """Each rule (scored item family) a student met, call after call: whether it was done
    right each time, first to last, and the share of the last three."""
    by_rule: dict[str, dict] = {}
    for card in cards:
        for item in card["items"]:
            if not item["reached"] or _left_undone(card, item):
                continue
            family = _family(item["key"])
            entry = by_rule.setdefault(family, {
                "item": family, "section": item["section"],
                "label": CLOSING_LABEL if family == "closing" else item["label"],
                "history": []})
            entry["history"].append({"at": card["started_at"], "scenario": card["scenario"],
                                     "ok": item["ok"]})
    for entry in by_rule.values():
        recent = entry["history"][-3:]
        entry["recent_percent"] = round(100 * sum(h["ok"] for h in recent) / len(recent))
        entry["mastered"] = len(recent) >= 2 and all(h["ok"] for h in recent)
    return sorted(by_rule.values(), key=lambda e: (e["recent_percent"], e["item"]))
