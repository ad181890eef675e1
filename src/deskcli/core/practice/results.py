"""Practice results: kept per student apart from the desk's tickets, summed up for a class."""

from __future__ import annotations

from pathlib import Path

from deskcli.core.names import name_key
from deskcli.core.practice.call import student_key
from deskcli.core.practice.rules import CLOSING_LABEL, PRACTICE_DIR, RESULTS

def results_repository(home: Path):
    """Where scores are kept: the practice directory, apart from the desk's tickets."""
    from deskcli.core.storage import TinyDBRepository

    return TinyDBRepository(home / PRACTICE_DIR)


def keep_result(home: Path, card: dict) -> dict:
    with results_repository(home).writing() as store:
        card = dict(card, id=None)
        card["id"] = store.insert_record(RESULTS, card)
    return card


def results(home: Path, student: str | None = None) -> list[dict]:
    if not (home / PRACTICE_DIR).is_dir():
        return []
    with results_repository(home).reading() as store:
        found = store.records(RESULTS)
    if student is not None:
        key = student_key(student)
        found = [r for r in found if student_key(r["student"]) == key]
    return sorted(found, key=lambda r: (r["started_at"], r.get("id") or 0))


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
            if item["reached"] and not item["ok"]:
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
        by_student.setdefault(card["student"], []).append(card)
    students = []
    for name in sorted(by_student, key=name_key):
        own = by_student[name]
        percents = [c["percent"] for c in own]
        students.append({
            "student": name,
            "sessions": [{"at": c["started_at"], "scenario": c["scenario"], "score": c["score"],
                          "max": c["max"], "percent": c["percent"]} for c in own],
            "calls": len(own),
            "mean_percent": round(sum(percents) / len(percents), 1),
            "first_percent": percents[0], "last_percent": percents[-1],
            "best_percent": max(percents),
            "frequent_mistakes": _mistakes(own),
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
