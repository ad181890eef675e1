"""What a scenario's parts must agree on: a file can be well formed and still teach wrong
(a transfer with no group, a caller whose own words would not be confirmed)."""

from __future__ import annotations

import re

from deskcli.core.practice.scenario import Scenario, matches
from deskcli.i18n import say

_SEED = re.compile(r"\bseed\s*\d", re.IGNORECASE)


def incoherences(s: Scenario) -> list[tuple[str, str]]:
    """(key, problem) for each disagreement between the parts of a scenario."""
    found: list[tuple[str, str]] = []
    add = lambda key, problem: found.append((key, problem))  # noqa: E731
    e = s.expected
    from deskcli.core.practice.rules import PARTS

    for index, question in enumerate(s.questions, 1):
        if question.get("part") is not None and question["part"] not in PARTS:
            add(f"questions[{index}].part", say("{value!r} is not one of {allowed}",
                                                value=question["part"],
                                                allowed=", ".join(PARTS)))
        if _SEED.search(question.get("section", "")):
            add(f"questions[{index}].section",
                say("name the course document as a student knows it (cours « Traiter un "
                    "ticket d'incident » §2.4), not a seed file"))
    if s.kind == "abandoned":
        if s.closing:
            add("closing", say("a caller who hung up has no later moments to close"))
        for question in s.questions:
            if question.get("at", "opening") != "opening":
                add("questions", say("a caller who hung up: every question is asked at the "
                                     "opening"))
                break
        return found
    admissible = e.get("admissible", True)
    keywords = s.problem.get("keywords", [])
    if not keywords:
        add("problem.keywords", say("name the facts a reformulation must say (a call with "
                                    "none would confirm anything)"))
    told = s.replies.get("problem")
    if told and keywords and not matches(told, keywords):
        add("problem.keywords", say("the caller's own words (replies.problem) do not say every "
                                    "one of them: no reformulation could be fair"))
    from deskcli.core.practice import scoring

    model = s.problem.get("reformulation") or s.problem.get("summary")
    if model and keywords:
        verdict = scoring.judge_reformulation(s, model)
        if not verdict.confirmed:
            add("problem.reformulation", say("the model reformulation is itself refused: "
                                             "{reason}", reason=verdict.reason))
    valid = [c for c in s.contracts if c["valid"]]
    organisation = s.caller.get("organisation") or s.caller.get("name")
    own = [c for c in valid if c["organisation"] == organisation
           and (not s.caller.get("contract") or c["number"] == s.caller.get("contract"))]
    if s.expected.get("billed") and not s.caller.get("purchase_order"):
        add("caller.purchase_order", say("a billed service needs the caller's purchase order"))
    if admissible and not own and not s.expected.get("billed"):
        add("expected.admissible", say("the call is admissible, but no valid contract in "
                                       "[[contracts]] belongs to the caller's organisation"))
    if not admissible and own:
        add("expected.admissible", say("the call is not admissible, but contract {number} is "
                                       "valid and the caller's own", number=own[0]["number"]))
    if not admissible:
        if s.closing:
            add("closing", say("a call that is not admissible stops before any closing moment"))
        if any(k in e for k in ("type", "impact", "urgency", "treatment")):
            add("expected", say("a call that is not admissible is not qualified nor treated: "
                                "remove type, impact, urgency and treatment"))
        return found
    treatment = e.get("treatment")
    if treatment == "transfer" and not e.get("group"):
        add("expected.group", say("a transfer names the group it goes to"))
    if treatment != "transfer" and e.get("group"):
        add("expected.group", say("only a transfer goes to a group (the treatment is "
                                  "{treatment})", treatment=treatment))
    if e.get("group"):
        from deskcli.core.app import settings
        from deskcli.core.treating import treatment as treating

        known = treating.groups(settings.defaults())
        if e["group"] not in known:
            add("expected.group", say("{value!r} is not one of {allowed}", value=e["group"],
                                      allowed=", ".join(sorted(known))))
    if treatment != "escalate" and e.get("escalation_kind"):
        add("expected.escalation_kind", say("only an escalation has a kind (the treatment is "
                                            "{treatment})", treatment=treatment))
    if treatment != "intervene":
        for key in ("diagnosis_keywords", "request_keywords", "report_keywords"):
            if s.treatment.get(key):
                add(f"treatment.{key}", say("only an on-site intervention has one (the "
                                            "treatment is {treatment})", treatment=treatment))
    else:
        diagnosis = s.treatment.get("diagnosis")
        if not diagnosis:
            add("treatment.diagnosis", say("an on-site intervention gives its model diagnosis"))
        elif not matches(diagnosis, s.treatment.get("diagnosis_keywords", [])):
            add("treatment.diagnosis", say("the model diagnosis does not say every one of "
                                           "treatment.diagnosis_keywords"))
    return found


def parts_of(s: Scenario) -> set[str]:
    """The parts of the procedure a scenario exercises: from what it scores, and from what
    its own questions say they exercise."""
    from deskcli.core.app import settings

    parts = {q["part"] for q in s.questions if q.get("part")}
    if s.caller.get("channel", "phone") != "phone":
        parts.add("channel")
    if s.kind == "abandoned":
        return parts | {"abandoned"}
    parts |= {"greeting", "identification", "reformulation"}
    if s.caller.get("kind") == "individual":
        parts.add("individual")
    e = s.expected
    if not e.get("admissible", True):
        return parts | {"admissibility"}
    if e.get("billed"):
        parts.add("billed")
    parts |= {"qualification", e["treatment"]}
    if "vip" in (s.why.get("impact") or "").lower():
        parts.add("vip")
    if e.get("escalation_kind"):
        parts.add(e["escalation_kind"])
    if e["treatment"] == "transfer":
        parts.add("kb")
    limit = settings.defaults()["treatment"]["level1_minutes"]
    if e["treatment"] == "escalate" or s.story.get("treatment_minutes", 0) >= limit:
        parts.add("level1_time")
    if e.get("group") == "vendor":
        parts.add("level3")
    if s.treatment.get("report_keywords"):
        parts.add("report")
    if s.closing:
        parts.add("closing")
    if any(not m["definitive"] for m in s.closing) and any(m["definitive"] for m in s.closing):
        parts.add("loan")
    return parts
