"""Practice calls: a scenario plays the caller, the student walks the procedure, and each
decision is scored against the rule it follows, with the rule and its section quoted."""

from __future__ import annotations

import copy
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from deskcli.core import choices, clock
from deskcli.core.desk import Desk
from deskcli.core.errors import DeskError, InvalidInput, NotFound
from deskcli.core.names import name_key
from deskcli.core.paths import data_dir
from deskcli.i18n import N_, from_record, say, term

SCENARIO_DIR = "scenarios"
PRACTICE_DIR = "practice"
RESULTS = "practice_results"

# The checklist questions a student can ask, in the order of procedure §1; each reveals
# the caller's reply of the same name in the scenario.
QUESTIONS = {
    "greeting": N_("Greet the caller with the company's name"),
    "introduction": N_("Introduce yourself"),
    "caller": N_("Ask who is calling, and their role"),
    "organisation": N_("Ask which organisation they call from (or whether it is private)"),
    "contact": N_("Ask for a contact number or address"),
    "equipment": N_("Ask about the equipment and its environment"),
    "problem": N_("Ask the caller to describe the problem"),
    "contract": N_("Ask for the contract or warranty number"),
}
TREATMENTS = {
    "direct": N_("Treat it directly, now, at level 1"),
    "deferred": N_("Deferred treatment: assign it to a colleague who calls back"),
    "transfer": N_("Transfer it to a specialist group (beyond level-1 skills)"),
    "escalate": N_("Escalate it to the next level (level 1 ran out of time)"),
    "intervene": N_("Request an on-site intervention (evident hardware fault)"),
    "problem": N_("Requalify it as a problem (no identifiable cause)"),
}
# What the technician tells a caller whose call is not admissible.
TOLD = {
    "billing": N_("Explain that incidents are solved under a contract or warranty; otherwise "
               "it is a billed service that needs a purchase order (bon de commande)"),
    "free": N_("Promise to solve it anyway, free of charge this time"),
    "nothing": N_("End the call without explanation"),
}
# What the technician does with a caller who hung up while waiting.
ABANDONED = {
    "record": N_("Record it as an abandoned call (raccroché), with the number shown"),
    "ticket": N_("Open a ticket for it as for a call answered"),
    "ignore": N_("Nothing: the caller will call again"),
}


@dataclass(frozen=True)
class Rule:
    section: str
    text: str


# The one catalogue of what practice scores, each with the rule the feedback quotes.
RULES = {
    "greeting": Rule(N_("procedure §1; seed 000 §3"),
                     N_("Pick up quickly and announce the name of the company you represent.")),
    "introduction": Rule(N_("procedure §1; seed 001 §2.1"),
                         N_("First identify yourself formally, then reassure the caller.")),
    "caller": Rule(N_("procedure §1; seed 001 §2.2, seed 000 §4"),
                   N_("Identify the caller and their role: it tells which service you owe them.")),
    "organisation": Rule(N_("procedure §1; seed 000 §4"),
                         N_("Understand the caller's organisation: a company or a private "
                         "individual, and whether it is already in the repository.")),
    "contact": Rule(N_("procedure §1; seed 000 §5"),
                    N_("Record the caller's contact: even a call you stop keeps it.")),
    "equipment": Rule(N_("procedure §1; seed 001 §2.2"),
                      N_("Identify the equipment: brand and model of the PC or device, network "
                      "type, operating system and software.")),
    "problem": Rule(N_("procedure §1; seed 001 §2.3"),
                    N_("Listen to the problem in the caller's own words before solving it.")),
    "contract": Rule(N_("procedure §1, Admissibility; seed 000 §5"),
                     N_("Check the caller's contract or warranty in the repository.")),
    "reformulation": Rule(N_("procedure §1; seed 001 §2.3"),
                          N_("Make sure you understood: reformulate and have the caller confirm.")),
    "identification_time": Rule(N_("procedure §1; seed 001 §2.3"),
                                N_("Identifying the caller and the problem takes about 3 to 5 "
                                "minutes.")),
    "admissible": Rule(N_("procedure §1, Admissibility; seed 000 §5"),
                       N_("A call is admissible under a valid contract or warranty; with none, or "
                       "out of warranty, the technician may stop the call.")),
    "told": Rule(N_("procedure §1, Admissibility; seed 000 §5"),
                 N_("Before stopping a call, record the contact and the incident and explain that "
                 "incidents are solved under a contract, otherwise as a billed service that "
                 "needs a purchase order (bon de commande).")),
    "type": Rule(N_("procedure §2; seed 001 §2.5"),
                 N_("Call type: an incident (something broken) or a service request (a demand).")),
    "impact": Rule(N_("procedure §2; seed 001 §2.5.2.1"),
                   N_("Impact is how far the incident reaches: the whole company, a department "
                   "or a VIP, one user.")),
    "urgency": Rule(N_("procedure §2; seed 001 §2.5.2.2"),
                    N_("Urgency is how critical it is to the caller's work: blocked, degraded, "
                    "can live with it.")),
    "priority": Rule(N_("procedure §2; seed 001 §2.5.2.4"),
                     N_("The priority comes from the grid, impact x urgency: a mis-qualified "
                     "blocking outage is costly (seed 001 §3).")),
    "kb": Rule(N_("procedure §3; seed 000 §6"),
               N_("Before a transfer, consult the knowledge base for an identical incident.")),
    "treatment": Rule(N_("procedure §3; seed 001 §4"),
                      N_("Direct treatment within level 1's time; transfer what exceeds level-1 "
                      "skills (or a step-by-step procedure followed to its end); escalate a "
                      "level-1 problem not solved in time; send someone on site for an evident "
                      "hardware fault; an incident with no identifiable cause is a problem.")),
    "escalation_kind": Rule(N_("procedure §3; seed 000 §6"),
                            N_("Functional (horizontal) escalation brings more specialised people "
                            "or access rights; hierarchical (vertical) escalation brings more "
                            "authority or resources.")),
    "diagnosis": Rule(N_("procedure §3, On-site intervention; seed 001 §4.3.4"),
                      N_("An intervention request carries a precise diagnosis, so as not to send "
                      "the technician into the unknown.")),
    "level1_time": Rule(N_("procedure §3; seed 001 §2.5.1, §4.3.2"),
                        N_("Level 1 treats a call within about 10 minutes; past that, hand it over.")),
    "closing": Rule(N_("procedure §5; seed 001 §5.1"),
                    N_("Close only with a definitive solution: a loan keeps the call open, a "
                    "replacement closes it; the contract decides which it is.")),
    "abandoned": Rule(N_("procedure, vocabulary; seed 001 §4.3.2"),
                      N_("A caller who hangs up while waiting is an abandoned call (raccroché): "
                      "record it, it counts in the desk's indicators.")),
}
# The rules of the treatment choices, apart: "problem" is both a checklist question and a
# treatment, and each quotes its own rule.
TREATMENT_RULES = {
    "direct": Rule(N_("procedure §3; seed 001 §4.1"),
                   N_("A call is treated directly when the technician who qualified it takes it "
                   "in charge at once; most incidents must be solved at level 1.")),
    "deferred": Rule(N_("procedure §3; seed 001 §4.2"),
                     N_("A call assigned to someone else is treated deferred: the caller is "
                     "called back.")),
    "transfer": Rule(N_("procedure §3, Handing over; seed 001 §4.3.3"),
                     N_("Transfer to a specialist when the problem exceeds level-1 skills, or when "
                     "a step-by-step procedure was followed to its end without success.")),
    "escalate": Rule(N_("procedure §3, Handing over; seed 001 §4.3.3"),
                     N_("Escalate when a level-1 problem could not be solved in level 1's time: "
                     "it should have been solved here (a Word table of contents, for example).")),
    "intervene": Rule(N_("procedure §3, On-site intervention; seed 001 §4.3.4"),
                      N_("When the fault is evidently hardware, request an on-site intervention "
                      "with a precise diagnosis; without one, transfer to level 2.")),
    "problem": Rule(N_("procedure §4; seed 001 §4.4"),
                    N_("An incident whose cause cannot be identified is requalified as a problem.")),
}

CLOSING_LABEL = N_("May the call close?")
POINTS = {"admissible": 2, "impact": 2, "urgency": 2, "treatment": 3, "closing": 2,
          "abandoned": 3}


# -- scenarios -------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    path: Path
    title: str
    summary: str
    kind: str  # "call", or "abandoned" for a caller who hung up
    company: str | None
    caller: dict
    replies: dict
    equipment: dict
    problem: dict
    contracts: list[dict]
    treatment: dict
    closing: list[dict]
    questions: list[dict]
    expected: dict
    why: dict


def scenario_dirs(home: Path | None) -> list[Path]:
    """The shipped scenarios, then the repository's own (a teacher's file of the same name
    replaces the shipped one)."""
    dirs = [data_dir() / SCENARIO_DIR]
    if home is not None:
        dirs.append(home / SCENARIO_DIR)
    return dirs


def scenario_files(home: Path | None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in scenario_dirs(home):
        if directory.is_dir():
            for path in sorted(directory.glob("*.toml")):
                found[path.stem] = path
    return found


def list_scenarios(home: Path | None) -> list[Scenario]:
    return [load_scenario(path) for path in scenario_files(home).values()]


def find_scenario(home: Path | None, name: str) -> Scenario:
    """A scenario by name, or by the path of a file a teacher is writing."""
    files = scenario_files(home)
    if name in files:
        return load_scenario(files[name])
    candidate = Path(name).expanduser()
    if candidate.suffix == ".toml" and candidate.is_file():
        return load_scenario(candidate)
    raise NotFound(say("no practice scenario {name!r}; `deskcli practice --list` shows them",
                       name=name))


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(say("{path}: not valid TOML: {error}", path=str(path),
                               error=str(exc))) from None
    except OSError as exc:
        raise InvalidInput(say("{path}: cannot be read: {error}", path=str(path),
                               error=exc.strerror)) from None


class _Checker:
    """Reads one file's tables, naming the file and the key in every complaint."""

    def __init__(self, path: Path, document: dict) -> None:
        self.path = path
        self.document = document

    def fail(self, key: str, message) -> InvalidInput:
        return InvalidInput(say("scenario {path}: {key}: {problem}", path=str(self.path), key=key,
                                problem=message))

    def table(self, key: str, required: bool = False) -> dict:
        value = self.document.get(key, None)
        if value is None:
            if required:
                raise self.fail(key, say("the table is missing"))
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, say("expected a table"))
        return value

    def tables(self, key: str) -> list[dict]:
        value = self.document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, say("expected [[{key}]] tables", key=key))
        return value

    def text(self, where: dict, key: str, label: str, required: bool = False) -> str | None:
        value = where.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(label, say("a text is needed"))
            return None
        if not isinstance(value, str):
            raise self.fail(label, say("expected a text, got {value!r}", value=value))
        return value.strip()

    def choice(self, where: dict, key: str, label: str, allowed, required: bool = True):
        value = where.get(key)
        if value is None and not required:
            return None
        if value not in allowed:
            raise self.fail(label, say("{value!r} is not one of {allowed}", value=value,
                                       allowed=", ".join(map(str, allowed))))
        return value

    def value(self, where: dict, key: str, label: str, kind: str) -> str:
        """A chosen value, in English or French, kept as its machine value."""
        try:
            where[key] = choices.pick(kind, where.get(key), label)
        except InvalidInput as exc:
            raise InvalidInput(say("scenario {path}: {problem}", path=str(self.path),
                                   problem=exc.args[0])) from None
        return where[key]

    def keywords(self, where: dict, key: str, label: str) -> list[str]:
        value = where.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(label, say("expected a list of words, such as {example}",
                                       example='["serveur", "démarr|allum"]'))
        return value


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; a mistake names the file and the key."""
    doc = _read_toml(path)
    check = _Checker(path, doc)
    kind = check.choice(doc, "kind", "kind", ("call", "abandoned"), required=False) or "call"
    caller = check.table("caller", required=True)
    check.text(caller, "name", "caller.name", required=kind == "call")
    caller.setdefault("kind", "company")
    check.value(caller, "kind", "caller.kind", "org_kind")
    replies = check.table("replies")
    for key, value in replies.items():
        check.text(replies, key, f"replies.{key}")
    expected = check.table("expected", required=True)
    problem = check.table("problem")
    treatment = check.table("treatment")
    closing = check.tables("closing")
    for index, moment in enumerate(closing, 1):
        check.text(moment, "situation", f"closing[{index}].situation", required=True)
        check.text(moment, "solution", f"closing[{index}].solution", required=True)
        if not isinstance(moment.get("definitive"), bool):
            raise check.fail(f"closing[{index}].definitive", say("expected true or false"))
    questions = check.tables("questions")
    seen = set()
    for index, question in enumerate(questions, 1):
        label = f"questions[{index}]"
        qid = check.text(question, "id", f"{label}.id", required=True)
        if qid in seen:
            raise check.fail(f"{label}.id", say("{value!r} is used twice", value=qid))
        seen.add(qid)
        check.text(question, "ask", f"{label}.ask", required=True)
        check.text(question, "section", f"{label}.section", required=True)
        check.text(question, "rule", f"{label}.rule", required=True)
        check.choice(question, "at", f"{label}.at", ("opening", "treatment", "closing"),
                     required=False)
        choices = question.get("choices")
        if not isinstance(choices, list) or len(choices) < 2 or not all(
                isinstance(c, str) and c.strip() for c in choices):
            raise check.fail(f"{label}.choices", say("expected a list of at least two texts"))
        check.choice(question, "right", f"{label}.right", range(1, len(choices) + 1))
    if kind == "abandoned":
        check.value(expected, "abandoned", "expected.abandoned", "abandoned")
    else:
        _check_call_expectations(check, expected, problem, treatment, closing)
    contracts = []
    for index, contract in enumerate(check.tables("contracts"), 1):
        label = f"contracts[{index}]"
        contracts.append({
            "number": check.text(contract, "number", f"{label}.number", required=True),
            "organisation": check.text(contract, "organisation", f"{label}.organisation")
            or caller.get("organisation") or caller.get("name"),
            "coverage": check.value(dict(contract, coverage=contract.get("coverage", "contract")),
                                    "coverage", f"{label}.coverage", "coverage"),
            "valid": _flag(check, contract, "valid", f"{label}.valid", True),
            "signers": [str(s) for s in contract.get("signers", [])],
        })
    return Scenario(
        name=path.stem, path=path,
        title=check.text(doc, "title", "title", required=True),
        summary=check.text(doc, "summary", "summary", required=True),
        kind=kind,
        company=check.text(check.table("desk"), "company", "desk.company"),
        caller=caller, replies=replies, equipment=check.table("equipment"),
        problem=problem, contracts=contracts, treatment=treatment, closing=closing,
        questions=questions, expected=expected, why=check.table("why"),
    )


def _flag(check: _Checker, where: dict, key: str, label: str, default: bool) -> bool:
    value = where.get(key, default)
    if not isinstance(value, bool):
        raise check.fail(label, say("expected true or false"))
    return value


def _check_call_expectations(check: _Checker, expected: dict, problem: dict, treatment: dict,
                             closing: list[dict]) -> None:
    from deskcli.core import settings, sla

    admissible = _flag(check, expected, "admissible", "expected.admissible", True)
    check.keywords(problem, "keywords", "problem.keywords")
    if not admissible:
        return
    check.value(expected, "type", "expected.type", "type")
    impact = check.value(expected, "impact", "expected.impact", "impact")
    urgency = check.value(expected, "urgency", "expected.urgency", "urgency")
    grid = sla.priority_for(settings.defaults(), impact, urgency)
    if "priority" in expected and expected["priority"] != grid:
        raise check.fail("expected.priority", say(
            "the grid gives {grid} for impact {impact} and urgency {urgency}, not {priority!r}",
            grid=grid, impact=impact, urgency=urgency, priority=expected["priority"]))
    chosen = check.value(expected, "treatment", "expected.treatment", "treatment")
    if chosen == "escalate":
        check.value(expected, "escalation_kind", "expected.escalation_kind", "escalation")
    if chosen == "intervene":
        if not check.keywords(treatment, "diagnosis_keywords", "treatment.diagnosis_keywords"):
            raise check.fail("treatment.diagnosis_keywords", say(
                "an on-site intervention scenario names what a precise diagnosis says"))
    check.text(treatment, "situation", "treatment.situation", required=True)


def matches(text: str | None, keywords: list[str]) -> bool:
    """Whether a text says every keyword: each is a word or word beginning, with `|`
    between alternatives; case and accents do not count."""
    folded = name_key(text or "")
    words = re.findall(r"\w+", folded)
    for keyword in keywords:
        options = [name_key(k) for k in keyword.split("|") if k.strip()]
        # A single word matches a word's beginning; a phrase ("hors ligne") matches as is.
        if not any(any(w.startswith(o) for w in words) if re.fullmatch(r"\w+", o)
                   else o in folded for o in options):
            return False
    return True


# -- the sandbox ------------------------------------------------------------------------

def student_key(student: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "-", name_key(student)).strip("-")
    if not key:
        raise InvalidInput(say("--student: {name!r} holds no letter or digit to file results under",
                               name=student))
    return key[:60]


def sandbox(home: Path, student: str, scenario: Scenario) -> Desk:
    """A fresh repository of its own for one practice call: never the desk's real tickets.

    It is always a TinyDB repository under the practice directory, whatever backend the
    real desk uses, and it works to the shipped grid and targets the course teaches."""
    from deskcli.core import settings as settings_module
    from deskcli.core.storage import TinyDBRepository

    root = home / PRACTICE_DIR / "sandboxes"
    path = root / student_key(student)
    if path.exists():
        shutil.rmtree(path)
    from deskcli.core.paths import private_directory

    private_directory(home, PRACTICE_DIR, "sandboxes", student_key(student))
    settings = copy.deepcopy(settings_module.defaults())
    if scenario.company:
        settings["desk"]["company"] = scenario.company
    return Desk(home=path, settings=settings, repo=TinyDBRepository(path), technician=student)


def _seed_contracts(desk: Desk, scenario: Scenario, today: date, now: datetime) -> None:
    from deskcli.core import contracts

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


class PracticeCall:
    """One student taking one scenario. The UI (prompts or a file of answers) calls these
    steps in the order of a real call; each step records what a real command would in the
    sandbox, so the desk's own rules answer the student as they would at work."""

    def __init__(self, scenario: Scenario, desk: Desk, student: str, now: datetime,
                 timed: bool = True) -> None:
        self.scenario = scenario
        self.desk = desk
        self.student = student
        self.timed = timed
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
    def remaining_questions(self) -> list[str]:
        return [key for key in QUESTIONS if key not in self.decided.asked]

    def ask(self, key: str) -> str:
        """The caller's reply to one checklist question."""
        if key not in QUESTIONS:
            raise InvalidInput(say("{value!r} is not a checklist question; they are: {allowed}",
                                   value=key, allowed=", ".join(QUESTIONS)))
        if key not in self.decided.asked:
            self.decided.asked.append(key)
        reply = self.scenario.replies.get(key)
        if reply:
            return reply
        return _DEFAULT_REPLIES[key](self.scenario)

    def reformulate(self, text: str) -> tuple[bool, str]:
        text = (text or "").strip()
        confirmed = bool(text) and matches(text, self.scenario.problem.get("keywords", []))
        self.decided.reformulations.append((text, confirmed))
        replies = self.scenario.replies
        if confirmed:
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
        from deskcli.core.tickets import CallFacts

        s, asked = self.scenario, set(self.decided.asked)
        caller = s.caller
        reformulation = self._confirmed_reformulation() or (
            self.decided.reformulations[-1][0] if self.decided.reformulations else None)
        summary = s.problem.get("summary") or s.title
        return CallFacts(
            caller=caller.get("name") if "caller" in asked else term(N_("(caller not identified)")),
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
        from deskcli.core import contracts

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
        from deskcli.core import tickets

        self.decided.admissible = bool(admissible)
        if not admissible:
            self.decided.told = choices.pick("told", told, "told")
        if self.identified_at is None:
            self.identified_at = now
        facts = tickets.validate(self._facts())
        if self._on_desk(lambda: setattr(self, "ticket_id",
                                         tickets.open_ticket(self.desk, facts, now)["id"])):
            pass
        expected = self.scenario.expected.get("admissible", True)
        if not admissible or not expected:
            self.ended_early = "admissibility"

    # qualification and treatment
    def qualify(self, call_type: str, impact: str, urgency: str, now: datetime) -> int | None:
        from deskcli.core import qualify, sla

        call_type = choices.pick("type", call_type, "type")
        impact = choices.pick("impact", impact, "impact")
        urgency = choices.pick("urgency", urgency, "urgency")
        self.decided.type, self.decided.impact, self.decided.urgency = call_type, impact, urgency
        self.decided.priority = sla.priority_for(self.desk.settings, impact, urgency)
        self.qualified_at = now
        if self.ticket_id is not None:
            self._on_desk(lambda: qualify.qualify(self.desk, self.ticket_id, call_type=call_type,
                                                  impact=impact, urgency=urgency, reason=None,
                                                  now=now))
        return self.decided.priority

    def consult_kb(self, now: datetime) -> str:
        from deskcli.core import kb

        self.decided.consulted_kb = True
        if self.ticket_id is not None:
            self._on_desk(lambda: kb.consult_ticket(self.desk, self.ticket_id, now))
        return (self.scenario.treatment.get("kb")
                or "La base de connaissances ne contient aucun incident identique.")

    def treat(self, decision: str, now: datetime, *, group: str | None = None,
              escalation_kind: str | None = None, diagnosis: str | None = None) -> None:
        from deskcli.core import problems, treatment

        decision = choices.pick("treatment", decision, "treatment")
        if decision == "escalate":
            escalation_kind = choices.pick("escalation", escalation_kind, "escalation_kind")
        if decision == "transfer":
            group = group or self.scenario.expected.get("group") or "workstation"
            known = treatment.groups(self.desk.settings)
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
        from deskcli.core import treatment

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
        from deskcli.core import tickets

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


# -- scoring ----------------------------------------------------------------------------

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


# -- answers from a file ------------------------------------------------------------------

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
    call.qualify(answers["type"], answers["impact"], answers["urgency"], moment)
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
    return call.finish(moment)


def right_answers(scenario: Scenario) -> dict:
    """The answers that follow the procedure, as a file of answers would hold them."""
    e = scenario.expected
    answers: dict = {"questions": {q["id"]: q["right"] for q in scenario.questions}}
    if scenario.kind == "abandoned":
        answers["abandoned"] = e["abandoned"]
        return answers
    answers.update(asked=list(QUESTIONS), reformulation=scenario.problem.get("summary"),
                   admissible=e.get("admissible", True))
    if not answers["admissible"]:
        answers["told"] = "billing"
        return answers
    answers.update(type=e["type"], impact=e["impact"], urgency=e["urgency"],
                   consulted_kb=True, treatment=e["treatment"],
                   closing=[m["definitive"] for m in scenario.closing])
    if e.get("group"):
        answers["group"] = e["group"]
    if e["treatment"] == "escalate":
        answers["escalation_kind"] = e["escalation_kind"]
    if e["treatment"] == "intervene":
        answers["diagnosis"] = scenario.treatment.get("diagnosis")
    return answers


# -- results --------------------------------------------------------------------------------

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
