"""The scorecard of a finished practice call (a `call.PracticeCall`, read by its fields):
each decision against the scenario's, with the rule it follows, the points, and what an
exam shows of it."""

from __future__ import annotations

from datetime import datetime

from deskcli.core.base import clock
from deskcli.core.practice.rules import (CLOSING_LABEL, POINTS, QUESTIONS, RULES, SAID,
                                         TREATMENT_RULES, Rule)
from deskcli.core.practice.scenario import matches
from deskcli.core.practice.scoring import (MODEL_EXPLANATION, _request_fault, _says_name,
                                           model_greeting, model_request, request_gaps)
from deskcli.i18n import N_, say


def _item(key: str, label: str, ok: bool | None, answer, expected, points: int | None = None,
          rule: Rule | None = None, why: str | None = None, applied: Rule | None = None,
          situation: str | None = None, fault: str | None = None, model=None) -> dict:
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
    if fault is not None and not ok:
        # Why the point was lost when the answer alone does not say it (an English message).
        item["fault"] = fault
    if model is not None:
        item["model"] = model  # what should have been said or written
    if applied is not None:
        item.update(applied_section=applied.section, applied_rule=applied.text)
    return item


def _minutes(start: datetime | None, end: datetime | None, story: float = 0) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60 + story, 1)


def scorecard(call) -> dict:
    """Every decision against the scenario's, with the rule, its section and the reason."""
    s, d, why = call.scenario, call.decided, call.scenario.why
    settings = call.desk.settings
    items: list[dict] = []
    add = items.append

    if s.kind == "abandoned":
        add(_item("abandoned", N_("What to do with the caller who hung up"), d.abandoned == s.expected["abandoned"],
                  d.abandoned, s.expected["abandoned"], why=why.get("abandoned")))
    else:
        company = call.desk.settings["desk"]["company"]
        said = d.greeting or ""
        add(_item("greeting", N_("The greeting announces the company"),
                  _says_name(said, company), said or None, None, why=why.get("greeting"),
                  model=model_greeting(company, call.student)))
        add(_item("introduction", N_("The greeting gives your own name"),
                  _says_name(said, call.student, any_part=True), said or None, None,
                  why=why.get("introduction"), model=model_greeting(company, call.student)))
        for key, label in QUESTIONS.items():
            if key in SAID:
                continue
            add(_item(key, label, key in d.asked, "asked" if key in d.asked else "not asked",
                      "asked", why=why.get(key)))
        confirmed = any(ok for _, ok in d.reformulations)
        reason = next((r for r in reversed(d.reformulation_reasons) if r), None)
        model = s.problem.get("reformulation") or s.problem.get("summary")
        add(_item("reformulation", N_("Reformulation confirmed by the caller"), confirmed,
                  d.reformulations[-1][0] if d.reformulations else None,
                  None, why=why.get("reformulation"),
                  fault=reason or (None if d.reformulations else N_("no reformulation")),
                  model=model))
        if call.timed:
            spent = _minutes(call.started, call.identified_at, call.story_minutes("checklist"))
            limit = settings["desk"]["identification_minutes"]
            identified = {"caller", "problem"} <= set(d.asked)
            add(_item("identification_time", N_("Caller and problem identified in time (minutes)"),
                      identified and spent is not None and spent <= limit, spent, limit,
                      fault=None if identified else N_("the caller and the problem were not "
                                                       "both asked: nothing was identified")))
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
        "student_id": call.student_id, "mode": call.mode, "status": call.status,
        "variant": dict(s.variant),
        "started_at": clock.to_iso(call.started),
        "finished_at": clock.to_iso(call.finished_at or call.started),
        "timed": call.timed,
        "minutes": {"identification": _minutes(call.started, call.identified_at,
                                               call.story_minutes("checklist")),
                    "level1": _minutes(call.qualified_at, call.decided_at,
                                       call.story_minutes("treatment"))},
        "score": score, "max": most, "percent": round(100 * score / most) if most else 100,
        "items": items, "desk_said": list(call.desk_said), "sandbox_ticket": call.ticket_id,
    }


def _score_call(call, add) -> None:
    s, d, why, expected = call.scenario, call.decided, call.scenario.why, call.scenario.expected
    admissible = expected.get("admissible", True)
    checked = {"organisation", "contract"} <= set(d.asked)
    add(_item("admissible", N_("Admissibility"),
              checked and d.admissible is not None and d.admissible == admissible,
              d.admissible, admissible, why=why.get("admissible"),
              fault=None if checked else N_("decided without asking the organisation and the "
                                            "contract: the repository was never checked")))
    if not admissible:
        add(_item("told", N_("What the caller is told before the call stops"),
                  d.told == "billing" if d.admissible is False else None,
                  d.told_text, None, why=why.get("told"), model=MODEL_EXPLANATION,
                  fault={"free": N_("it promises a free repair: without a contract the work "
                                    "is billed"),
                         "nothing": N_("it does not say that the work is billed under a "
                                       "purchase order (bon de commande), outside a contract "
                                       "or warranty")}.get(d.told or "")))
        return
    reached = call.ended_early is None
    for key, label in (("type", N_("Call type")), ("impact", N_("Impact")),
                       ("urgency", N_("Urgency"))):
        value = getattr(d, key)
        add(_item(key, label, value == expected[key] if reached else None, value,
                  expected[key], why=why.get(key)))
    from deskcli.core.calls import sla

    # The act scored here is reading the grid: the priority of the impact and urgency the
    # student chose (a wrong impact has already cost its own points).
    grid = (sla.priority_for(call.desk.settings, d.impact, d.urgency)
            if d.impact and d.urgency else None)
    add(_item("priority", N_("Priority (from the grid)"),
              d.priority is not None and d.priority == grid if reached else None, d.priority,
              grid, why=why.get("priority"),
              model=say("impact {impact} × urgency {urgency}: priority {priority}",
                        impact=d.impact, urgency=d.urgency, priority=grid).record()
              if grid else None))
    chosen, wanted = d.treatment, expected["treatment"]
    if wanted == "transfer":
        add(_item("kb", N_("Knowledge base consulted before the transfer"),
                  d.consulted_kb if reached else None, d.consulted_kb, True, why=why.get("kb")))
    add(_item("treatment", N_("Treatment"), chosen == wanted if reached else None, chosen, wanted,
              rule=TREATMENT_RULES[wanted], why=why.get("treatment"),
              applied=TREATMENT_RULES[chosen] if chosen not in (None, wanted) else None))
    if wanted == "transfer":
        add(_item("group", N_("Group the call is transferred to"),
                  d.group == expected["group"] if reached else None, d.group, expected["group"],
                  why=why.get("group")))
    if wanted == "escalate":
        add(_item("escalation_kind", N_("Kind of escalation"),
                  d.escalation_kind == expected["escalation_kind"] if reached else None,
                  d.escalation_kind, expected["escalation_kind"], why=why.get("escalation_kind")))
    if wanted == "intervene":
        add(_item("diagnosis", N_("A precise diagnosis in the intervention request"),
                  matches(d.diagnosis, s.treatment["diagnosis_keywords"]) if reached else None,
                  d.diagnosis, None, why=why.get("diagnosis"), model=s.treatment.get("diagnosis")))
        missing = request_gaps(s, d.diagnosis)
        add(_item("request", N_("The intervention request names the equipment and the contact"),
                  not missing if reached and d.treatment == "intervene" else
                  (False if reached else None), d.diagnosis, None, why=why.get("request"),
                  fault=_request_fault(s, missing), model=model_request(s)))
    if call.timed:
        story = call.story_minutes("treatment")
        spent = _minutes(call.qualified_at, call.decided_at, story)
        limit = call.desk.settings["treatment"]["level1_minutes"]
        if story >= limit:
            # The story has used level 1's time up: what is scored is handing the call over.
            add(_item("level1_time", N_("Handed over once level 1's time was up (minutes)"),
                      (chosen not in (None, "direct")) if reached else None, spent, limit,
                      fault=N_("level 1's time was already up: the call is handed over, not "
                               "kept at level 1")))
        else:
            add(_item("level1_time", N_("Level 1 decided in time (minutes)"),
                      (spent is not None and spent <= limit) if reached else None, spent, limit))
    for index, moment in enumerate(s.closing):
        chosen_close = d.closing[index] if index < len(d.closing) else None
        add(_item(f"closing:{index + 1}", CLOSING_LABEL,
                  chosen_close == moment["definitive"] if reached and chosen_close is not None
                  else None,
                  chosen_close, moment["definitive"], why=moment.get("why"),
                  situation=moment["situation"]))
    if s.treatment.get("report_keywords"):
        add(_item("report", N_("The intervention report: work done, parts, time, outcome"),
                  matches(d.report, s.treatment["report_keywords"])
                  if reached and d.closing else None,
                  d.report, None, why=why.get("report"), model=s.treatment.get("report")))


_HIDDEN_IN_EXAM = ("expected", "model", "why", "rule", "section", "fault", "applied_section",
                   "applied_rule")


def exam_view(card: dict) -> dict:
    """A scorecard as an exam shows it to the student: what they did and what it scored,
    never the expected answers (the kept result holds them, for the teacher)."""
    shown = {k: v for k, v in card.items() if k not in ("desk_said",)}
    shown["items"] = [{k: v for k, v in item.items() if k not in _HIDDEN_IN_EXAM}
                      for item in card["items"]]
    return shown
