"""Scoring a practice call: each decision against the scenario's, with its rule."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from deskcli.core import clock
from deskcli.core.practice.rules import (CLOSING_LABEL, POINTS, QUESTIONS, RULES,
                                         TREATMENT_RULES, Rule)
from deskcli.core.practice.scenarios import matches
from deskcli.i18n import N_

if TYPE_CHECKING:
    from deskcli.core.practice.call import PracticeCall

def _item(key: str, label: str, ok: bool | None, answer, expected, points: int | None = None,
          rule: Rule | None = None, why: str | None = None, applied: Rule | None = None,
          situation: str | None = None) -> dict:
    """One scored line: `ok` None means not reached (no points, still counted).

    Labels, sections and rules are the English messages of the catalog, said in the
    reader's language where they are shown; `applied` is the rule a wrong choice followed."""
    full = points if points is not None else POINTS.get(key.split(":")[0], 1)
    rule = rule or RULES[key.split(":")[0]]
    item = {"key": key, "label": label, "ok": bool(ok), "reached": ok is not None,
            "points": full if ok else 0, "max": full,
            "answer": answer, "expected": expected,
            "section": rule.section, "rule": rule.text, "why": why}
    if situation is not None:
        item["situation"] = situation
    if applied is not None:
        item.update(applied_section=applied.section, applied_rule=applied.text)
    return item


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def scorecard(call: PracticeCall) -> dict:
    """Every decision against the scenario's, with the rule, its section and the reason."""
    s, d, why = call.scenario, call.decided, call.scenario.why
    settings = call.desk.settings
    items: list[dict] = []
    add = items.append

    if s.kind == "abandoned":
        add(_item("abandoned", N_("What to do with the caller who hung up"), d.abandoned == s.expected["abandoned"],
                  d.abandoned, s.expected["abandoned"], why=why.get("abandoned")))
    else:
        for key, label in QUESTIONS.items():
            add(_item(key, label, key in d.asked, "asked" if key in d.asked else "not asked",
                      "asked", why=why.get(key)))
        confirmed = any(ok for _, ok in d.reformulations)
        add(_item("reformulation", N_("Reformulation confirmed by the caller"), confirmed,
                  d.reformulations[-1][0] if d.reformulations else None,
                  s.problem.get("summary"), why=why.get("reformulation")))
        if call.timed:
            spent = _minutes(call.started, call.identified_at)
            limit = settings["desk"]["identification_minutes"]
            add(_item("identification_time", N_("Caller and problem identified in time (minutes)"),
                      spent is not None and spent <= limit, spent, limit))
        _score_call(call, add)

    for question in s.questions:
        chosen = d.questions.get(question["id"])
        reached = not call.ended_early or question.get("at", "opening") == "opening"
        add(_item(f"question:{question['id']}", question["ask"],
                  (chosen == question["right"]) if reached else None,
                  question["choices"][chosen - 1] if chosen else None,
                  question["choices"][question["right"] - 1],
                  points=int(question.get("points", 1)),
                  rule=Rule(question["section"], question["rule"]), why=question.get("why")))

    score = sum(i["points"] for i in items)
    most = sum(i["max"] for i in items)
    return {
        "scenario": s.name, "title": s.title, "student": call.student,
        "started_at": clock.to_iso(call.started),
        "finished_at": clock.to_iso(call.finished_at or call.started),
        "timed": call.timed,
        "minutes": {"identification": _minutes(call.started, call.identified_at),
                    "level1": _minutes(call.qualified_at, call.decided_at)},
        "score": score, "max": most, "percent": round(100 * score / most) if most else 100,
        "items": items, "desk_said": list(call.desk_said), "sandbox_ticket": call.ticket_id,
    }


def _score_call(call: PracticeCall, add) -> None:
    s, d, why, expected = call.scenario, call.decided, call.scenario.why, call.scenario.expected
    admissible = expected.get("admissible", True)
    add(_item("admissible", N_("Admissibility"), d.admissible is not None and d.admissible == admissible,
              d.admissible, admissible, why=why.get("admissible")))
    if not admissible:
        add(_item("told", N_("What the caller is told before the call stops"),
                  d.told == "billing" if d.admissible is False else None,
                  d.told, "billing", why=why.get("told")))
        return
    reached = call.ended_early is None
    for key, label in (("type", N_("Call type")), ("impact", N_("Impact")),
                       ("urgency", N_("Urgency"))):
        value = getattr(d, key)
        add(_item(key, label, value == expected[key] if reached else None, value,
                  expected[key], why=why.get(key)))
    from deskcli.core import sla

    right_priority = sla.priority_for(call.desk.settings, expected["impact"], expected["urgency"])
    add(_item("priority", N_("Priority (from the grid)"),
              d.priority == right_priority if reached else None, d.priority, right_priority,
              why=why.get("priority")))
    chosen, wanted = d.treatment, expected["treatment"]
    if wanted == "transfer":
        add(_item("kb", N_("Knowledge base consulted before the transfer"),
                  d.consulted_kb if reached else None, d.consulted_kb, True, why=why.get("kb")))
    add(_item("treatment", N_("Treatment"), chosen == wanted if reached else None, chosen, wanted,
              rule=TREATMENT_RULES[wanted], why=why.get("treatment"),
              applied=TREATMENT_RULES[chosen] if chosen not in (None, wanted) else None))
    if wanted == "escalate":
        add(_item("escalation_kind", N_("Kind of escalation"),
                  d.escalation_kind == expected["escalation_kind"] if reached else None,
                  d.escalation_kind, expected["escalation_kind"], why=why.get("escalation_kind")))
    if wanted == "intervene":
        add(_item("diagnosis", N_("A precise diagnosis in the intervention request"),
                  matches(d.diagnosis, s.treatment["diagnosis_keywords"]) if reached else None,
                  d.diagnosis, s.treatment.get("diagnosis"), why=why.get("diagnosis")))
    if call.timed:
        spent = _minutes(call.qualified_at, call.decided_at)
        limit = call.desk.settings["treatment"]["level1_minutes"]
        add(_item("level1_time", N_("Level 1 decided in time (minutes)"),
                  (spent is not None and spent <= limit) if reached else None, spent, limit))
    for index, moment in enumerate(s.closing):
        chosen_close = d.closing[index] if index < len(d.closing) else None
        add(_item(f"closing:{index + 1}", CLOSING_LABEL,
                  chosen_close == moment["definitive"] if reached and chosen_close is not None
                  else None,
                  chosen_close, moment["definitive"], why=moment.get("why"),
                  situation=moment["situation"]))
