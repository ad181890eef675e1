"""Scoring a practice call: each decision against the scenario's, with its rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from deskcli.core import clock
from deskcli.core.practice.rules import (CLOSING_LABEL, POINTS, QUESTIONS, RULES, SAID,
                                         TREATMENT_RULES, Rule)
from deskcli.core.names import name_key
from deskcli.core.practice.scenarios import Scenario, matches
from deskcli.i18n import N_, say

if TYPE_CHECKING:
    from deskcli.core.practice.call import PracticeCall

# -- judging what the student wrote ----------------------------------------------------------

# What a technician says to a caller whose call is not admissible (« ce qu'il fallait dire »).
MODEL_EXPLANATION = ("Nous intervenons dans le cadre d'un contrat d'assistance ou d'une "
                     "garantie. Sans cela, nous pouvons intervenir en prestation facturée : il "
                     "nous faut alors un bon de commande. J'ai bien noté vos coordonnées et "
                     "votre problème.")
_BILLED = ("factur", "payant", "prestation", "devis", "tarif", "pay", "cout", "frais")
_FREE = ("gratuit", "offert", "sans frais", "gracieusement", "cadeau", "exceptionnellement")


def judge_explanation(text: str) -> str:
    """What the caller was told, as the procedure reads it: "billing" (contract or warranty,
    else a billed service with a purchase order), "free" (a promise to work for nothing)
    or "nothing" (anything short of that)."""
    folded = name_key(text or "")
    words = re.findall(r"\w+", folded)
    if any(p in folded for p in _FREE):
        return "free"
    contract = any(w.startswith(("contrat", "garanti")) for w in words)
    billed = any(w.startswith(_BILLED) for w in words)
    order = "bon de commande" in folded or "bons de commande" in folded
    return "billing" if contract and billed and order else "nothing"


def _says_name(text: str, name: str, any_part: bool = False) -> bool:
    """Whether a greeting says a name, as a person would type it (any case or accents,
    « Info Services » for InfoServices; a first name alone for a person)."""
    folded = name_key(text)
    squeezed = folded.replace(" ", "").replace("-", "")
    target = name_key(name)
    if not target:
        return False
    if not any_part:
        return target.replace(" ", "").replace("-", "") in squeezed
    words = set(re.findall(r"\w+", folded))
    return any(part in words for part in re.findall(r"\w+", target) if len(part) > 1)


def model_greeting(company: str, student: str) -> str:
    return f"{company}, bonjour ! {student} à l'appareil, que puis-je faire pour vous ?"


def request_gaps(scenario: Scenario, text: str | None) -> list[str]:
    """What an intervention request lacks of the equipment and the caller's contact."""
    folded = name_key(text or "")
    words = set(re.findall(r"\w+", folded))
    gaps = []
    device = [w for w in re.findall(r"\w+", name_key(scenario.equipment.get("device", "")))
              if len(w) > 2 and not w.isdigit()]
    if device and not words & set(device):
        gaps.append("equipment")
    contact = scenario.caller.get("contact") or ""
    digits = re.sub(r"\D", "", contact)
    named = any(part in words for part in re.findall(r"\w+", name_key(scenario.caller.get("name", "")))
                if len(part) > 2)
    if not named and not (digits and digits in re.sub(r"\D", "", folded)) and \
            not (contact and name_key(contact) in folded):
        gaps.append("contact")
    return gaps


def _request_fault(scenario: Scenario, gaps: list[str]) -> dict | None:
    device, contact = scenario.equipment.get("device", ""), scenario.caller.get("contact") or "—"
    if gaps == ["equipment"]:
        return say("it does not name the equipment ({device})", device=device).record()
    if gaps == ["contact"]:
        return say("it does not give the caller's contact ({contact})", contact=contact).record()
    if gaps:
        return say("it names neither the equipment ({device}) nor the caller's contact "
                   "({contact})", device=device, contact=contact).record()
    return None


def model_request(scenario: Scenario) -> str:
    caller = scenario.caller
    return (f"{scenario.treatment.get('nature') or 'Intervention sur site'} — "
            f"{scenario.equipment.get('device', '')} ; contact : {caller.get('name', '')}, "
            f"{caller.get('contact', '')} ; diagnostic : {scenario.treatment.get('diagnosis', '')}")


REFORMULATION_TRIES = 3
# The words of any French sentence: a reformulation without one is a list, not a sentence.
_FUNCTION_WORDS = set("""le la les l un une des du de d au aux ce cet cette ces c ca cela
son sa ses leur leurs votre vos mon ma mes notre nos il elle ils elles on vous je j nous
qui que qu dont ou et mais donc ni car ne n pas plus rien jamais aucun aucune est sont
a ont fait font etait avait peut peuvent doit sur sous dans avec sans pour par en y depuis
quand si tout tous toute toutes se s me m te t lui eux entre apres avant chez comme
n'est n'a veut voulez voudriez souhaitez avez etes""".split())
# Negation words: before a word (« ne démarre », « sans réseau »), after it (« démarre
# plus »), or the word itself (« rien »).
_BEFORE_NEGATIONS = {"ne", "n", "sans", "aucun", "aucune", "non", "ni", "no", "impossible"}
_AFTER_NEGATIONS = {"pas", "plus", "jamais", "rien", "point"}
_NEGATIONS = _BEFORE_NEGATIONS | _AFTER_NEGATIONS
# What denies that anything is wrong: said of a reported fault, it contradicts the caller.
_CONJUNCTIONS = ("et", "mais", "ou", "car", "puis", "donc", "quand", "alors")
_ALL_WELL = ("correctement", "normalement", "aucun probleme", "aucun souci", "pas de probleme",
             "pas de souci", "sans probleme", "tout va bien", "fonctionne bien", "marche bien",
             "tout fonctionne", "tout marche", "rien de grave")
_MAX_WORDS = 60


@dataclass
class Verdict:
    confirmed: bool
    reason: str | None = None  # an English message of the catalog, said where it is shown
    missing: list[str] = field(default_factory=list)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", name_key(text))


def _tokens(text: str) -> list[str]:
    """Words and the punctuation between them, which ends what a negation reaches."""
    return re.findall(r"\w+|[,.;:!?()]", name_key(text))


def _hits(option_list: list[str], text: str) -> bool:
    return bool(_positions(option_list, re.findall(r"\w+", text)))


def _positions(option_list: list[str], words: list[str]) -> list[tuple[int, int]]:
    """Where the options occur in a list of words: (first word, word after)."""
    found = []
    for option in option_list:
        parts = re.findall(r"\w+", option)
        if not parts:
            continue
        for i in range(len(words) - len(parts) + 1):
            if len(parts) == 1 and words[i].startswith(parts[0]) or \
                    len(parts) > 1 and words[i:i + len(parts)] == parts:
                found.append((i, i + len(parts)))
    return found


def _polarities(option_list: list[str], words: list[str]) -> dict[str, set[bool]]:
    """Whether each mention is negated, by the word as written: as French negates a verb,
    « ne » or « n' » just before it, or « pas », « plus », « jamais », « rien » just after
    (« ne démarre plus », « n'imprime pas »), a whole negation before it (« n'est pas
    hors ligne »), a negative word before it (« sans réseau »), or the mention itself
    (« rien »). A noun before a negated verb stays as it is: the
    server of « le serveur ne démarre plus » is still a server."""
    found: dict[str, set[bool]] = {}
    for a, b in _positions(option_list, words):
        before, after = words[max(0, a - 3):a], words[b:b + 2]
        # A conjunction or a punctuation mark starts another clause.
        for stop in (*_CONJUNCTIONS, ",", ".", ";", ":", "!", "?", "(", ")"):
            if stop in before:
                before = before[len(before) - before[::-1].index(stop):]
            if stop in after:
                after = after[:after.index(stop)]
        found.setdefault(" ".join(words[a:b]), set()).add(
            bool(_BEFORE_NEGATIONS & set(before[-2:]) or _NEGATIONS & set(words[a:b])
                 or _AFTER_NEGATIONS & set(after)
                 # « n'est pas hors ligne », « ne sont plus visibles »
                 or {"ne", "n"} & set(before) and _AFTER_NEGATIONS & set(before)))
    return found


def caller_words(scenario: Scenario) -> str:
    """Everything the caller said or the scenario shows of the call."""
    return " ".join(str(v) for v in [*scenario.replies.values(), *scenario.equipment.values(),
                                     scenario.problem.get("summary") or "", scenario.title]
                    if v)


def judge_reformulation(scenario: Scenario, text: str) -> Verdict:
    """Whether the caller would confirm this reformulation: a sentence, in words the call
    used, saying every required fact with the caller's own sense (a server that does not
    start is not one that starts correctly)."""
    words = _words(text or "")
    if len(words) < 4:
        return Verdict(False, N_("a reformulation is a sentence that says the problem back"))
    if len(words) > _MAX_WORDS:
        return Verdict(False, N_("a reformulation is one or two sentences, not a list of "
                                 "everything that might match"))
    keywords = scenario.problem.get("keywords", [])
    options = [[name_key(o) for o in k.split("|") if o.strip()] for k in keywords]
    heard = set(_words(caller_words(scenario)))
    stems = {w[:5] for w in heard if len(w) >= 5}
    unknown = [w for w in words if w not in _FUNCTION_WORDS and w not in heard
               and not w.isdigit() and w[:5] not in stems
               and not any(_hits(o, w) for o in options)]
    if not _FUNCTION_WORDS & set(words) or len(unknown) * 3 > len(words):
        return Verdict(False, N_("the caller does not recognise what they said in it"))
    hits = [w for w in words if any(_hits(o, w) for o in options)]
    if len(hits) * 3 > len(words) * 2:
        return Verdict(False, N_("a list of key words is not a reformulation"))
    missing = [k for k, o in zip(keywords, options) if not _hits(o, name_key(text))]
    if missing:
        return Verdict(False, N_("it leaves out what the caller said"), missing)
    folded, theirs_all = name_key(text), name_key(caller_words(scenario))
    if any(phrase in folded and phrase not in theirs_all for phrase in _ALL_WELL):
        return Verdict(False, N_("it says all is well, when the caller reports a fault"))
    said = _tokens(" . ".join(filter(None, [scenario.replies.get("problem"),
                                           scenario.replies.get("greeting"),
                                           scenario.problem.get("summary")])))
    # Each word of a fact in the sense the caller gave it (their « hors ligne » is not
    # « pas hors ligne »); a word they never used is not compared.
    # Only the same word is compared (their « démarre » with yours, not with « démarrage »).
    for option in (o for option_list in options for o in option_list):
        theirs = _polarities([option], said)
        mine = _polarities([option], _tokens(text))
        if any(form in theirs and polarities - theirs[form]
               for form, polarities in mine.items()):
            return Verdict(False, N_("it says the opposite of what the caller said"))
    return Verdict(True)


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


def _score_call(call: PracticeCall, add) -> None:
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
    from deskcli.core import sla

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
