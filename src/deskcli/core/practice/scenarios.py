"""Practice scenarios: reading a scenario file, checking every key, finding the shipped ones."""

from __future__ import annotations

import re
from pathlib import Path

from deskcli.core.calls import choices
from deskcli.core.base.errors import InvalidInput, NotFound
from deskcli.core.base.paths import data_dir
from deskcli.core.practice.rules import SCENARIO_DIR
from deskcli.core.practice.scenario import Scenario
from deskcli.i18n import fact, say

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
    raise NotFound(say("no practice scenario {name!r}; `deskcli practice {list_field}` shows them",
                       name=name, list_field=fact("list")))


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


# Every key a scenario file may hold, by table: anything else is a mistake the author is told
# of (a misspelt `keyword` would otherwise leave the reformulation unchecked).
ITEM_KEYS = {"greeting", "introduction", "caller", "organisation", "contact", "equipment",
             "problem", "contract", "reformulation", "identification_time", "admissible",
             "told", "type", "impact", "urgency", "priority", "kb", "treatment", "group",
             "escalation_kind", "diagnosis", "level1_time", "request", "report", "abandoned"}
KEYS: dict[str, set[str]] = {
    "": {"title", "summary", "kind", "desk", "caller", "replies", "equipment", "problem",
         "contracts", "treatment", "closing", "questions", "expected", "why", "variants",
         "story"},
    "desk": {"company"},
    "caller": {"name", "organisation", "kind", "role", "contact", "contract", "channel",
               "waited_seconds", "purchase_order"},
    "replies": {"greeting", "introduction", "caller", "organisation", "contact", "equipment",
                "problem", "contract", "reformulation_yes", "reformulation_no"},
    "equipment": {"device", "os", "network", "software"},
    "problem": {"summary", "keywords", "reformulation"},
    "contracts": {"number", "organisation", "coverage", "valid", "signers"},
    "treatment": {"intro", "situation", "kb", "diagnosis", "diagnosis_keywords", "nature",
                  "request_keywords", "report", "report_keywords"},
    "closing": {"situation", "solution", "definitive", "why"},
    "questions": {"id", "at", "ask", "choices", "right", "section", "rule", "why", "points",
                  "part"},
    "expected": {"admissible", "billed", "type", "impact", "urgency", "priority", "treatment", "group",
                 "escalation_kind", "abandoned"},
    "why": ITEM_KEYS,
    "story": {"checklist_minutes", "treatment_minutes"},
    "variants": set(),  # checked apart: each key is a placeholder of the texts
}


def _unknown_keys(path: Path, doc: dict) -> list[str]:
    """Every key the format does not know, each named with where it is and what was meant."""
    import difflib

    problems = []

    def scan(where: str, table: dict, allowed: set[str]) -> None:
        for key in table:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
            hint = say("did you mean {key}?", key=close[0]) if close else say(
                "the keys here are: {allowed}", allowed=", ".join(sorted(allowed)))
            problems.append(say("scenario {path}: {key}: unknown key ({hint})", path=str(path),
                                key=f"{where}.{key}" if where else key, hint=hint))

    scan("", doc, KEYS[""])
    for name, allowed in KEYS.items():
        if not name or name == "variants":
            continue
        value = doc.get(name)
        if isinstance(value, dict):
            scan(name, value, allowed)
        elif isinstance(value, list):
            for index, entry in enumerate(value, 1):
                if isinstance(entry, dict):
                    scan(f"{name}[{index}]", entry, allowed)
    return problems


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_MOST_CHECKED = 24  # variant combinations checked one by one; past that, the first ones


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _substitute(value, choice: dict):
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: choice.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _substitute(v, choice) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, choice) for v in value]
    return value


def _variant_problems(path: Path, doc: dict) -> list[str]:
    """Variants are lists of texts, each used as {name} somewhere, and every {name} used
    is a variant."""
    variants = doc.get("variants", {})
    problems = []
    fail = lambda key, problem: problems.append(say(  # noqa: E731
        "scenario {path}: {key}: {problem}", path=str(path), key=key, problem=problem))
    if not isinstance(variants, dict):
        fail("variants", say("expected a table"))
        return problems
    used = {m for text in _texts({k: v for k, v in doc.items() if k != "variants"})
            for m in _PLACEHOLDER.findall(text)}
    for name, values in variants.items():
        if not isinstance(values, list) or not values or not all(
                isinstance(v, str) and v.strip() for v in values):
            fail(f"variants.{name}", say("expected a list of texts to draw from"))
        elif name not in used:
            fail(f"variants.{name}", say("no text says {{{name}}}: the variant would change "
                                         "nothing", name=name))
    for name in sorted(used - set(variants)):
        fail("variants", say("{{{name}}} is used in a text but is no variant", name=name))
    return problems


def _choices(doc: dict) -> list[dict]:
    import itertools

    variants = doc.get("variants") or {}
    if not isinstance(variants, dict) or not variants:
        return [{}]
    names = sorted(variants)
    product = itertools.product(*(variants[n] for n in names))
    return [dict(zip(names, combo)) for combo in itertools.islice(product, _MOST_CHECKED)]


def check_scenario(path: Path) -> tuple[Scenario | None, list[str]]:
    """Every mistake of a scenario file: its unknown keys, its first malformed value, and
    each incoherence between its parts, all named with the key; with variants, every
    combination of them is checked."""
    try:
        doc = _read_toml(path)
    except InvalidInput as exc:
        return None, [exc.args[0]]
    problems = _unknown_keys(path, doc)
    variant_problems = _variant_problems(path, doc)
    if variant_problems:
        return None, problems + variant_problems
    from deskcli.core.practice.coherence import incoherences

    first = None
    for choice in _choices(doc):
        try:
            scenario = _build(path, _substitute(doc, choice), choice)
        except InvalidInput as exc:
            return None, problems + [exc.args[0]]
        first = first or scenario
        found = [say("scenario {path}: {key}: {problem}", path=str(path), key=key,
                     problem=problem) for key, problem in incoherences(scenario)]
        if found and choice:
            found = [say("{problem} (with {variant})", problem=p, variant=", ".join(
                f"{k} = {v}" for k, v in choice.items())) for p in found]
        problems += [p for p in found if p not in problems]
    return first, problems


def load_scenario(path: Path, rng=None) -> Scenario:
    """Read and check a scenario file; a mistake names the file and the key. With `rng`,
    its variants are drawn (a play); without, the first of each is taken."""
    scenario, problems = check_scenario(path)
    if problems:
        raise InvalidInput("\n".join(problems))
    if rng is None or not scenario.variants:
        return scenario
    doc = _read_toml(path)
    choice = {name: rng.choice(values) for name, values in sorted(doc["variants"].items())}
    return _build(path, _substitute(doc, choice), choice)


def draw(scenario: Scenario, rng=None) -> Scenario:
    """The scenario with its variants drawn anew, for one play."""
    import random

    return load_scenario(scenario.path, rng or random.Random())


def _build(path: Path, doc: dict, choice: dict | None = None) -> Scenario:
    check = _Checker(path, doc)
    kind = check.choice(doc, "kind", "kind", ("call", "abandoned"), required=False) or "call"
    caller = check.table("caller", required=True)
    check.text(caller, "name", "caller.name", required=kind == "call")
    caller.setdefault("kind", "company")
    from deskcli.core.calls.tickets import CHANNELS

    check.choice(caller, "channel", "caller.channel", CHANNELS, required=False)
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
        story=_story(check), variants=check.table("variants"), variant=dict(choice or {}),
    )


def _story(check: _Checker) -> dict:
    story = check.table("story")
    for key, value in story.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 600:
            raise check.fail(f"story.{key}", say("expected a number of minutes from 0 to 600"))
    return story


def _flag(check: _Checker, where: dict, key: str, label: str, default: bool) -> bool:
    value = where.get(key, default)
    if not isinstance(value, bool):
        raise check.fail(label, say("expected true or false"))
    return value


def _check_call_expectations(check: _Checker, expected: dict, problem: dict, treatment: dict,
                             closing: list[dict]) -> None:
    from deskcli.core.app import settings
    from deskcli.core.calls import sla

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
