"""The simulated call: a sandbox repository, the caller's replies, each step the student
takes recorded there as a real command would, and a whole call played from a file of answers."""

from __future__ import annotations

import copy
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from deskcli.core.base import clock
from deskcli.core.calls import choices
from deskcli.core.store.repository import Desk
from deskcli.core.base.errors import DeskError, InvalidInput
from deskcli.core.base.names import name_key
from deskcli.core.practice.rules import PRACTICE_DIR, QUESTIONS, SAID
from deskcli.core.practice.scenario import Scenario
from deskcli.core.practice.scenarios import _read_toml
from deskcli.core.practice.scorecard import scorecard
from deskcli.core.practice.scoring import REFORMULATION_TRIES, judge_explanation, judge_reformulation
from deskcli.i18n import N_, fact, from_record, say

UNIDENTIFIED = "(appelant non identifié)"
# How a call was played, recorded with its result and shown in reports: a teacher grades an
# exam apart from a first untimed try.
MODES = ("interactive", "exam", "answers", "untimed")


def student_key(student: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "-", name_key(student)).strip("-")
    if not key:
        raise InvalidInput(say("{student_field}: {name!r} holds no letter or digit to file "
                               "results under",
                               name=student, student_field=fact("student")))
    return key[:60]


def sandbox(home: Path, student: str, scenario: Scenario) -> Desk:
    """A fresh repository of its own for one practice call: never the desk's real tickets.

    It is always a TinyDB repository under the practice directory, whatever backend the
    real desk uses, and it works to the shipped grid and targets the course teaches."""
    from deskcli.core.app import settings as settings_module
    from deskcli.core.app.factory import embedded_repository

    root = home / PRACTICE_DIR / "sandboxes"
    path = root / student_key(student)
    if path.exists():
        shutil.rmtree(path)
    from deskcli.core.base.paths import private_directory

    private_directory(home, PRACTICE_DIR, "sandboxes", student_key(student))
    settings = copy.deepcopy(settings_module.defaults())
    if scenario.company:
        settings["desk"]["company"] = scenario.company
    return Desk(home=path, settings=settings, repo=embedded_repository(path), technician=student)


def _seed_contracts(desk: Desk, scenario: Scenario, today: date, now: datetime) -> None:
    from deskcli.core.calls import contracts

    for contract in scenario.contracts:
        if contract["valid"]:
            start, end = today - timedelta(days=180), today + timedelta(days=185)
        else:  # lapsed a month ago, after a year
            start, end = today - timedelta(days=395), today - timedelta(days=30)
        contracts.add_contract(
            desk, org=contract["organisation"],
            org_kind=scenario.caller.get("kind", "company"), number=contract["number"],
            coverage=contract["coverage"], valid_from=start, valid_until=end,
            signers=[contracts.parse_signer(s) for s in contract["signers"]], now=now)


# -- a practice call --------------------------------------------------------------------

@dataclass
class Decisions:
    asked: list[str] = field(default_factory=list)
    reformulations: list[tuple[str, bool]] = field(default_factory=list)
    reformulation_reasons: list[str | None] = field(default_factory=list)
    admissible: bool | None = None
    told: str | None = None
    type: str | None = None
    impact: str | None = None
    urgency: str | None = None
    priority: int | None = None
    consulted_kb: bool = False
    treatment: str | None = None
    group: str | None = None
    escalation_kind: str | None = None
    diagnosis: str | None = None
    closing: list[bool] = field(default_factory=list)
    questions: dict[str, int] = field(default_factory=dict)
    abandoned: str | None = None
    greeting: str | None = None
    told_text: str | None = None
    report: str | None = None


class PracticeCall:
    """One student taking one scenario. The UI (prompts or a file of answers) calls these
    steps in the order of a real call; each step records what a real command would in the
    sandbox, so the desk's own rules answer the student as they would at work."""

    def __init__(self, scenario: Scenario, desk: Desk, student: str, now: datetime,
                 timed: bool = True, mode: str = "interactive",
                 student_id: str | None = None) -> None:
        self.scenario = scenario
        self.desk = desk
        self.student = student
        self.student_id = student_id or student_key(student)
        self.timed = timed
        if mode not in MODES:
            raise InvalidInput(say("{value!r} is not one of {allowed}", value=mode,
                                   allowed=", ".join(MODES)))
        self.mode = mode
        self.status = "complete"
        self.started = now
        self.identified_at: datetime | None = None
        self.qualified_at: datetime | None = None
        self.decided_at: datetime | None = None
        self.finished_at: datetime | None = None
        self.decided = Decisions()
        self.ended_early: str | None = None
        self.desk_said: list[str] = []
        self.ticket_id: int | None = None
        _seed_contracts(desk, scenario, clock.local_date(now), now)

    # the checklist
    def greet(self, text: str) -> str:
        """What the student says on picking up; the caller's first words in reply."""
        self.decided.greeting = (text or "").strip()
        return self.scenario.replies.get("greeting") or _DEFAULT_REPLIES["greeting"](self.scenario)

    def remaining_questions(self) -> list[str]:
        return [key for key in QUESTIONS if key not in self.decided.asked and key not in SAID]

    def ask(self, key: str) -> str:
        """The caller's reply to one checklist question."""
        if key in SAID:
            raise InvalidInput(say("{value!r} is said, not asked: write it as greeting = \"...\" "
                                   "(the company's name and yours)", value=key))
        if key not in QUESTIONS:
            raise InvalidInput(say("{value!r} is not a checklist question; they are: {allowed}",
                                   value=key, allowed=", ".join(
                                       k for k in QUESTIONS if k not in SAID)))
        if key not in self.decided.asked:
            self.decided.asked.append(key)
        reply = self.scenario.replies.get(key)
        if reply:
            return reply
        return _DEFAULT_REPLIES[key](self.scenario)

    def story_minutes(self, phase: str) -> float:
        """Minutes the scenario's story says have passed in this phase ("checklist" or
        "treatment"), on top of the clock's."""
        return float(self.scenario.story.get(f"{phase}_minutes", 0))

    def reformulation_tries_left(self) -> int:
        if any(ok for _, ok in self.decided.reformulations):
            return 0
        return REFORMULATION_TRIES - len(self.decided.reformulations)

    def reformulate(self, text: str) -> tuple[bool, str]:
        """The caller's answer to a reformulation: confirmed only when it says what they
        said, after they said it; a call allows a fixed number of tries."""
        if self.reformulation_tries_left() <= 0:
            raise InvalidInput(say("reformulation: no try left (a call allows {count}, and "
                                   "stops at the first one the caller confirms)",
                                   count=REFORMULATION_TRIES))
        text = (text or "").strip()
        replies = self.scenario.replies
        if "problem" not in self.decided.asked:
            self.decided.reformulations.append((text, False))
            self.decided.reformulation_reasons.append(
                N_("the caller had not yet described the problem"))
            return False, "Mais je ne vous ai pas encore expliqué mon problème…"
        verdict = judge_reformulation(self.scenario, text)
        self.decided.reformulations.append((text, verdict.confirmed))
        self.decided.reformulation_reasons.append(verdict.reason)
        if verdict.confirmed:
            return True, replies.get("reformulation_yes") or "Oui, c'est bien ça."
        return False, replies.get("reformulation_no") or "Non, ce n'est pas tout à fait ça…"

    def questions_at(self, moment: str) -> list[dict]:
        return [q for q in self.scenario.questions if q.get("at", "opening") == moment]

    def answer_question(self, qid: str, choice: int) -> None:
        question = next((q for q in self.scenario.questions if q["id"] == qid), None)
        if question is None:
            raise InvalidInput(say("the scenario has no question {value!r}", value=qid))
        if not isinstance(choice, int) or not 1 <= choice <= len(question["choices"]):
            raise InvalidInput(say("question {name}: answer with a choice from 1 to {count}",
                                   name=qid, count=len(question["choices"])))
        self.decided.questions[qid] = choice

    def finish_checklist(self, now: datetime) -> None:
        self.identified_at = now

    def _confirmed_reformulation(self) -> str | None:
        return next((text for text, ok in self.decided.reformulations if ok), None)

    def _facts(self):
        from deskcli.core.calls.tickets import CallFacts

        s, asked = self.scenario, set(self.decided.asked)
        caller = s.caller
        reformulation = self._confirmed_reformulation() or (
            self.decided.reformulations[-1][0] if self.decided.reformulations else None)
        summary = s.problem.get("summary") or s.title
        return CallFacts(
            # The sandbox ticket speaks the scenario's language, as the caller's words do.
            caller=caller.get("name") if "caller" in asked else UNIDENTIFIED,
            summary=summary,
            org=caller.get("organisation") if "organisation" in asked else None,
            org_kind=caller.get("kind") if "organisation" in asked else None,
            role=caller.get("role") if "caller" in asked else None,
            contact=caller.get("contact") if "contact" in asked else None,
            channel=caller.get("channel", "phone"),
            contract=caller.get("contract") if "contract" in asked else None,
            device=s.equipment.get("device") if "equipment" in asked else None,
            os=s.equipment.get("os") if "equipment" in asked else None,
            network=s.equipment.get("network") if "equipment" in asked else None,
            software=s.equipment.get("software") if "equipment" in asked else None,
            description=s.replies.get("problem") if "problem" in asked else None,
            reformulation=reformulation,
            reformulation_confirmed=self._confirmed_reformulation() is not None,
            # A caller with no contract who sends a purchase order is served as billed.
            billable=bool(s.expected.get("billed") and self.decided.admissible),
            purchase_order=caller.get("purchase_order") if "contract" in asked else None,
            started_at=self.started,
            identification_seconds=(self.identified_at - self.started).total_seconds()
            if self.identified_at else None,
        )

    def _on_desk(self, action) -> bool:
        """Run one step in the sandbox; a refusal is what the desk says to the student."""
        try:
            action()
            return True
        except DeskError as exc:
            # The refusal as core made it: English in the card's JSON, said in the
            # student's language on screen.
            self.desk_said.append(exc.args[0] if exc.args else str(exc))
            return False

    def repository_verdict(self) -> str:
        """What the repository says of the caller's contract, as `deskcli open` checks it."""
        from deskcli.core.calls import contracts

        facts = self._facts()
        with self.desk.repo.reading() as store:
            verdict = contracts.assess_admissibility(
                store.records(contracts.CONTRACTS),
                organisation=facts.org or facts.caller, contract_number=facts.contract,
                call_date=clock.local_date(self.started), require_contract=True,
                billable=False, purchase_order=None, company=self.desk.settings["desk"]["company"])
        # The reason as a message, said in the student's language where it is shown.
        return from_record(verdict.get("reason_message", verdict["reason"]))

    def decide_admissibility(self, admissible: bool, told: str | None, now: datetime) -> None:
        from deskcli.core.calls import tickets

        self.decided.admissible = bool(admissible)
        if not admissible:
            self.decided.told_text = (told or "").strip()
            self.decided.told = judge_explanation(self.decided.told_text)
        if self.identified_at is None:
            self.identified_at = now
        facts = tickets.validate(self._facts())
        if self._on_desk(lambda: setattr(self, "ticket_id",
                                         tickets.open_ticket(self.desk, facts, now)["id"])):
            if not admissible:
                self._record_what_was_told()
        expected = self.scenario.expected.get("admissible", True)
        if not admissible or not expected:
            self.ended_early = "admissibility"

    def _record_what_was_told(self) -> None:
        """The sandbox ticket keeps the student's own words to the caller, not the desk's
        standard explanation: a promise of a free repair stays on record as made."""
        with self.desk.repo.writing() as store:
            ticket = store.get_ticket(self.ticket_id)
            for entry in ticket["history"]:
                if entry.get("event") == "admissibility":
                    entry.pop("explanation_message", None)
                    entry["explanation"] = self.decided.told_text or "—"
            store.update_ticket(ticket)

    # qualification and treatment
    def qualify(self, call_type: str, impact: str, urgency: str, now: datetime,
                priority: int | None = None) -> int | None:
        """The student's qualification, and the priority they read from the grid."""
        from deskcli.core.calls import qualify

        call_type = choices.pick("type", call_type, "type")
        impact = choices.pick("impact", impact, "impact")
        urgency = choices.pick("urgency", urgency, "urgency")
        if priority is not None and (isinstance(priority, bool) or priority not in (1, 2, 3, 4)):
            raise InvalidInput(say("priority: {value!r} is not one of 1, 2, 3, 4", value=priority))
        self.decided.type, self.decided.impact, self.decided.urgency = call_type, impact, urgency
        self.decided.priority = priority
        self.qualified_at = now
        if self.ticket_id is not None:
            self._on_desk(lambda: qualify.qualify(self.desk, self.ticket_id, call_type=call_type,
                                                  impact=impact, urgency=urgency, reason=None,
                                                  now=now))
        return self.decided.priority

    def consult_kb(self, now: datetime) -> str:
        from deskcli.core.knowledge import kb

        self.decided.consulted_kb = True
        if self.ticket_id is not None:
            self._on_desk(lambda: kb.consult_ticket(self.desk, self.ticket_id, now))
        return (self.scenario.treatment.get("kb")
                or "La base de connaissances ne contient aucun incident identique.")

    def write_report(self, text: str) -> None:
        """The intervention report, as whoever did the intervention writes it."""
        self.decided.report = (text or "").strip() or None

    def treat(self, decision: str, now: datetime, *, group: str | None = None,
              escalation_kind: str | None = None, diagnosis: str | None = None) -> None:
        from deskcli.core.knowledge import problems
        from deskcli.core.treating import treatment

        decision = choices.pick("treatment", decision, "treatment")
        if decision == "escalate":
            escalation_kind = choices.pick("escalation", escalation_kind, "escalation_kind")
        if decision == "transfer":
            known = treatment.groups(self.desk.settings)
            if not group:
                raise InvalidInput(say("group: a transfer names the group it goes to, one of "
                                       "{allowed}", allowed=", ".join(sorted(known))))
            if group not in known:
                raise InvalidInput(say("{option}: {value!r} is not one of {allowed}", option="group",
                                       value=group, allowed=", ".join(sorted(known))))
        d = self.decided
        # Only what the chosen treatment uses is the student's decision.
        d.treatment = decision
        d.group = group if decision == "transfer" else None
        d.escalation_kind = escalation_kind if decision == "escalate" else None
        d.diagnosis = ((diagnosis or "").strip() or None) if decision == "intervene" else None
        self.decided_at = now
        number = self.ticket_id
        if number is None:
            return
        desk, situation = self.desk, self.scenario.treatment.get("situation", "")
        minutes = round((now - (self.qualified_at or now)).total_seconds() / 60, 2)
        self._on_desk(lambda: treatment.treat(desk, number, now=now, actions=[situation],
                                              minutes=min(minutes, treatment.MAX_MINUTES)))
        steps = {
            "direct": lambda: None,
            "deferred": lambda: treatment.defer(desk, number, to="level-1 colleague", now=now),
            "transfer": lambda: treatment.transfer(desk, number, group=group, now=now,
                                                   reason="beyond level-1 skills"),
            "escalate": lambda: treatment.escalate(desk, number, kind=escalation_kind, now=now,
                                                   reason="not solved in level 1's time"),
            "intervene": lambda: (
                treatment.treat(desk, number, now=now, diagnosis=d.diagnosis)
                if d.diagnosis else None,
                treatment.request_intervention(desk, number, now=now, nature=self.scenario
                                               .treatment.get("nature", "on-site repair"))),
            "problem": lambda: problems.open_from_ticket(desk, number, now),
        }
        self._on_desk(steps[decision])

    def closing_moments(self) -> list[dict]:
        return self.scenario.closing

    def decide_closing(self, index: int, close: bool, now: datetime) -> str | None:
        """The student closes the call at this moment, or keeps it open; returns what the
        desk said when it refused to close."""
        from deskcli.core.treating import treatment

        moment = self.scenario.closing[index]
        self.decided.closing.append(bool(close))
        if self.ticket_id is None:
            return None
        said = len(self.desk_said)
        number = self.ticket_id
        self._on_desk(lambda: treatment.treat(self.desk, number, now=now,
                                              solution=moment["solution"],
                                              definitive=moment["definitive"]))
        if close:
            self._on_desk(lambda: treatment.close(self.desk, number, now=now))
        return self.desk_said[-1] if len(self.desk_said) > said else None

    def decide_abandoned(self, choice: str, now: datetime) -> None:
        from deskcli.core.calls import tickets

        choice = self.decided.abandoned = choices.pick("abandoned", choice, "abandoned")
        caller = self.scenario.caller
        if choice == "record":
            self._on_desk(lambda: tickets.record_abandoned(
                self.desk, at=self.started, now=now, caller=caller.get("name"),
                contact=caller.get("contact"), waited_seconds=caller.get("waited_seconds")))
        self.ended_early = "abandoned"

    def finish(self, now: datetime) -> dict:
        self.finished_at = now
        return scorecard(self)

    def interrupt(self, now: datetime) -> dict:
        """The student stopped the call before its end: what was done is scored, what was
        not counts as lost, and the result is kept as interrupted (no abandoning a bad call)."""
        self.status = "interrupted"
        return self.finish(now)


_DEFAULT_REPLIES = {
    "greeting": lambda s: "Bonjour, j'ai un problème.",
    "introduction": lambda s: "Bonjour.",
    "caller": lambda s: f"{s.caller.get('name', '')}"
                        + (f", {s.caller['role']}" if s.caller.get("role") else "") + ".",
    "organisation": lambda s: (f"J'appelle de {s.caller['organisation']}."
                               if s.caller.get("organisation") else "J'appelle à titre personnel."),
    "contact": lambda s: (f"Vous pouvez me joindre au {s.caller['contact']}."
                          if s.caller.get("contact") else "Je préfère ne pas le donner."),
    "equipment": lambda s: ", ".join(v for v in s.equipment.values() if v) or "Je ne sais pas.",
    "problem": lambda s: s.problem.get("summary") or s.title,
    "contract": lambda s: (f"Notre numéro est le {s.caller['contract']}."
                           if s.caller.get("contract") else "Un contrat ? Je ne crois pas."),
}


def read_answers(path: Path) -> dict:
    return _read_toml(path)


def play_answers(call: PracticeCall, answers: dict, now: datetime) -> dict:
    """Play a whole call from a file of answers (a teacher checking a scenario, the tests).

    The call is timed only when the file gives [clock]: the minutes it says each phase took."""
    s = call.scenario

    def get(key, kind, default=None):
        value = answers.get(key, default)
        if value is not None and not isinstance(value, kind):
            raise InvalidInput(say("answers: {key} must be {kind}, got {value!r}", key=key,
                                   value=value, kind={bool: "true or false", str: "a text",
                                                      list: "a list", dict: "a table"}[kind]))
        return value

    timing = answers.get("clock")
    call.timed = isinstance(timing, dict)
    ident = float((timing or {}).get("identification_minutes", 1))
    level1 = float((timing or {}).get("treatment_minutes", 1))
    moment = now

    def at(minutes: float) -> datetime:
        nonlocal moment
        moment = moment + timedelta(minutes=minutes)
        return moment

    chosen = get("questions", dict, {}) or {}
    unknown = set(chosen) - {q["id"] for q in s.questions}
    if unknown:
        raise InvalidInput(say("answers: questions: the scenario has no question {names}",
                               names=", ".join(sorted(unknown))))

    def answer_at(moment_name: str) -> None:
        for question in call.questions_at(moment_name):
            if question["id"] in chosen:
                call.answer_question(question["id"], chosen[question["id"]])

    answer_at("opening")
    if s.kind == "abandoned":
        call.decide_abandoned(get("abandoned", str, "") or "", at(1))
        return call.finish(moment)
    call.greet(get("greeting", str, "") or "")
    for key in get("asked", list, []):
        call.ask(key)
    for text in ([answers["reformulation"]] if isinstance(answers.get("reformulation"), str)
                 else get("reformulation", list, [])):
        call.reformulate(text)
    call.finish_checklist(at(ident))
    admissible = get("admissible", bool)
    if admissible is None:
        raise InvalidInput(say("answers: admissible = true or false is needed"))
    call.decide_admissibility(admissible, get("told", str), moment)
    if call.ended_early:
        return call.finish(moment)
    for key in ("type", "impact", "urgency"):
        if not isinstance(answers.get(key), str):
            raise InvalidInput(say("answers: {key} is needed once the call is admissible", key=key))
    priority = answers.get("priority")
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        raise InvalidInput(say("answers: priority must be 1, 2, 3 or 4, got {value!r}",
                               value=priority))
    call.qualify(answers["type"], answers["impact"], answers["urgency"], moment,
                 priority=priority)
    if get("consulted_kb", bool, False):
        call.consult_kb(moment)
    answer_at("treatment")
    call.treat(get("treatment", str, "") or "", at(level1), group=get("group", str),
               escalation_kind=get("escalation_kind", str), diagnosis=get("diagnosis", str))
    answer_at("closing")
    closing = get("closing", list, [])
    for index, close in enumerate(closing[:len(s.closing)]):
        if not isinstance(close, bool):
            raise InvalidInput(say("answers: closing is a list of true (close) or false (keep open)"))
        call.decide_closing(index, close, at(1))
    if s.treatment.get("report_keywords") and closing:
        call.write_report(get("report", str, "") or "")
    return call.finish(moment)


def _shipped_company() -> str:
    from deskcli.core.app import settings

    return settings.defaults()["desk"]["company"]


def right_answers(scenario: Scenario, student: str = "Salma") -> dict:
    """The answers that follow the procedure, as a file of answers would hold them."""
    e = scenario.expected
    answers: dict = {"questions": {q["id"]: q["right"] for q in scenario.questions}}
    if scenario.kind == "abandoned":
        answers["abandoned"] = e["abandoned"]
        return answers
    from deskcli.core.practice.scoring import MODEL_EXPLANATION, model_greeting, model_request

    company = scenario.company or _shipped_company()
    answers.update(greeting=model_greeting(company, student),
                   asked=[q for q in QUESTIONS if q not in SAID],
                   reformulation=scenario.problem.get("reformulation")
                   or scenario.problem.get("summary"),
                   admissible=e.get("admissible", True))
    if not answers["admissible"]:
        answers["told"] = MODEL_EXPLANATION
        return answers
    from deskcli.core.app import settings
    from deskcli.core.calls import sla

    answers.update(type=e["type"], impact=e["impact"], urgency=e["urgency"],
                   priority=sla.priority_for(settings.defaults(), e["impact"], e["urgency"]),
                   consulted_kb=True, treatment=e["treatment"],
                   closing=[m["definitive"] for m in scenario.closing])
    if e.get("group"):
        answers["group"] = e["group"]
    if e["treatment"] == "escalate":
        answers["escalation_kind"] = e["escalation_kind"]
    if e["treatment"] == "intervene":
        answers["diagnosis"] = model_request(scenario)
    if scenario.treatment.get("report"):
        answers["report"] = scenario.treatment["report"]
    return answers


def answers_toml(answers: dict) -> str:
    """A file of answers as TOML, to play back with --answers (tomllib reads, never writes)."""
    import json

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(v)

    return "".join(f"{key} = {value(v)}\n" for key, v in answers.items()
                   if v is not None and v != {})
