"""The practice call at the terminal: the caller's replies, the student's moves, the scorecard.

The scorecard keeps its labels and rules as the catalog's English messages (so a --json
card reads the same in every language); they are said in the session's language here."""

from __future__ import annotations

from deskcli.core import practice
from deskcli.core.base import clock
from deskcli.core.calls import choices
from deskcli.core.calls.qualify import IMPACT_LABELS, URGENCY_LABELS
from deskcli.i18n import N_, _, from_record, ngettext, number, percent, shown, tr
from deskcli.ui import output, prompts

REFORMULATE = "reformulate"
DONE = "done"
KB = "kb"


def _caller(text: str) -> None:
    output.message(_("  Caller: « {words} »").format(words=output.safe(text)))


def _ask_questions(call: practice.PracticeCall, moment: str) -> None:
    for question in call.questions_at(moment):
        options = [(str(i), text) for i, text in enumerate(question["choices"], 1)]
        answer = prompts.select(question["ask"], options)
        call.answer_question(question["id"], int(answer))


class _Clocked(str):
    """A question whose clock runs while it waits: questionary formats the message each
    time it draws it, and the prompt is drawn again every second."""

    def __new__(cls, template: str, clock_text):
        self = super().__new__(cls, template)
        self.clock_text = clock_text
        return self

    def __format__(self, spec: str) -> str:
        return str.__str__(self).format(clock=self.clock_text())

    def __str__(self) -> str:
        return self.__format__("")


def _elapsed(call: practice.PracticeCall, since, limit: int, phase: str) -> str:
    """The call's clock, as a real call's would run: seconds since the phase began, plus
    the minutes the story says went by; past the limit it says so."""
    if not call.timed or since is None:
        return ""
    seconds = max(0, int((clock.now() - since).total_seconds()
                         + call.story_minutes(phase) * 60))
    values = dict(minutes=seconds // 60, seconds=seconds % 60, limit=limit)
    if seconds >= limit * 60:
        return _(" [{minutes}:{seconds:02d} of {limit}:00 — time is up!]").format(**values)
    return _(" [{minutes}:{seconds:02d} of {limit}:00]").format(**values)


def _clocked_select(call, template: str, moves, since, limit: int, phase: str, warned: set):
    """A decision with the running clock in its question, and a warning once the phase's
    time is up."""
    if (call.timed and since is not None and phase not in warned and
            (clock.now() - since).total_seconds() + call.story_minutes(phase) * 60 >= limit * 60):
        warned.add(phase)
        output.message(_("Time is up: the procedure allows {limit} minutes here.").format(
            limit=limit))
    if not call.timed:
        return prompts.select(template.format(clock=""), moves)
    return prompts.select(_Clocked(template, lambda: _elapsed(call, since, limit, phase)), moves,
                          refresh=1)


def _group(name: str) -> str:
    label = practice.GROUP_LABELS.get(name)
    return tr(label) if label else name


def _labelled(table: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, tr(label)) for key, label in table.items()]


def _channel(call: practice.PracticeCall) -> str:
    return call.scenario.caller.get("channel") or "phone"


def _greet(call: practice.PracticeCall) -> None:
    if _channel(call) == "phone":
        text = prompts.text(_("You pick up. What do you say?"), required=True)
    else:
        text = prompts.text(_("You answer the caller's message: how do you open your reply?"),
                            required=True)
    _caller(call.greet(text))


def _checklist(call: practice.PracticeCall) -> None:
    limit = call.desk.settings["desk"]["identification_minutes"]
    warned: set = set()
    while True:
        moves = [(key, tr(practice.QUESTIONS[key])) for key in call.remaining_questions()]
        if call.reformulation_tries_left() > 0:
            left = call.reformulation_tries_left()
            moves.append((REFORMULATE, ngettext("Reformulate the problem for the caller ({count} "
                                                "try left)",
                                                "Reformulate the problem for the caller ({count} "
                                                "tries left)", left).format(count=left)))
        moves += [(DONE, _("Checklist done: decide whether the call is admissible"))]
        move = _clocked_select(call, _("Your next move{clock}:"), moves, call.started, limit,
                               "checklist", warned)
        if move == DONE:
            return
        if move == REFORMULATE:
            text = prompts.text(_("Your reformulation:"), required=True)
            confirmed, reply = call.reformulate(text)
            _caller(reply)
            continue
        _caller(call.ask(move))


def play(call: practice.PracticeCall) -> dict:
    """Walk one practice call with the student; returns the scorecard."""
    s = call.scenario
    output.message(_("Practice call ({name}). {intro}").format(
        name=s.name, intro=output.safe(s.treatment.get("intro") or _("The phone rings."))))
    if call.timed and s.kind == "call":
        limits = dict(identification=call.desk.settings["desk"]["identification_minutes"],
                      level1=call.desk.settings["treatment"]["level1_minutes"])
        if call.mode == "exam":
            output.message(_("The clock runs as in a real call: identify the caller and the "
                             "problem within {identification} minutes; level 1 decides within "
                             "{level1}.").format(**limits))
        else:
            output.message(_("The clock runs as in a real call: identify the caller and the "
                             "problem within {identification} minutes; level 1 decides within "
                             "{level1} (--no-clock to practise without it).").format(**limits))
    if s.kind == "abandoned":
        output.message(output.safe(s.treatment.get("situation", "")))
        _ask_questions(call, "opening")
        choice = prompts.select(_("What do you do?"), _labelled(practice.ABANDONED))
        call.decide_abandoned(choice, clock.now())
        return call.finish(clock.now())

    _greet(call)
    _checklist(call)
    call.finish_checklist(clock.now())
    _ask_questions(call, "opening")
    output.message(_("The repository: {verdict}.").format(
        verdict=output.safe(shown(call.repository_verdict()))))
    admissible = prompts.confirm(_("Is the call admissible?"), default=True)
    told = None
    if not admissible:
        told = prompts.text(_("Before the call ends, what do you tell the caller?"),
                            required=True)
    call.decide_admissibility(admissible, told, clock.now())
    if call.ended_early:
        return call.finish(clock.now())

    call_type = prompts.select(_("Call type:"), [
        ("incident", _("incident: something is broken")),
        ("request", _("service request: a demand"))])
    impact = prompts.select(_("Impact:"), _labelled(IMPACT_LABELS))
    urgency = prompts.select(_("Urgency:"), _labelled(URGENCY_LABELS))
    priority = prompts.select(_("Priority, from the grid (impact × urgency):"),
                              [(str(n), str(n)) for n in (1, 2, 3, 4)])
    call.qualify(call_type, impact, urgency, clock.now(), priority=int(priority))

    output.message(output.safe(s.treatment.get("situation", "")))
    _ask_questions(call, "treatment")
    level1 = call.desk.settings["treatment"]["level1_minutes"]
    warned: set = set()
    while True:
        search = [] if call.decided.consulted_kb else [
            (KB, _("Search the knowledge base for an identical incident"))]
        decision = _clocked_select(call, _("Your decision{clock}:"),
                                   search + _labelled(practice.TREATMENTS), call.qualified_at,
                                   level1, "treatment", warned)
        if decision != KB:
            break
        output.message(_("  Knowledge base: {found}").format(
            found=output.safe(call.consult_kb(clock.now()))))
    details: dict = {}
    if decision == "transfer":
        from deskcli.core.treating import treatment

        groups = sorted(treatment.groups(call.desk.settings))
        details["group"] = prompts.select(_("To which group?"), [(g, _group(g)) for g in groups])
    elif decision == "escalate":
        details["escalation_kind"] = prompts.select(_("Which escalation?"), [
            ("functional", _("functional (horizontal): more specialised people or access rights")),
            ("hierarchical", _("hierarchical (vertical): more authority or resources"))])
    elif decision == "intervene":
        details["diagnosis"] = prompts.text(
            _("Your intervention request (equipment, caller's contact, precise diagnosis):"),
            required=True)
    call.treat(decision, clock.now(), **details)

    _ask_questions(call, "closing")
    for index, moment in enumerate(call.closing_moments()):
        output.message(output.safe(moment["situation"]))
        close = prompts.confirm(_("Close the call now?"), default=False)
        said = call.decide_closing(index, close, clock.now())
        if said:
            output.message(_("  The desk: {refusal}").format(refusal=output.safe(shown(said))))
    if s.treatment.get("report_keywords") and call.decided.closing:
        call.write_report(prompts.text(
            _("You did the intervention: write its report (work done, parts, time spent, "
              "outcome):"), required=True))
    return call.finish(clock.now())


# The kind of machine value each scored item holds, to name it in the session's language.
_KINDS = {"type": "type", "impact": "impact", "urgency": "urgency", "treatment": "treatment",
          "escalation_kind": "escalation", "abandoned": "abandoned"}


def _message(value) -> str:
    """A message core kept for the card: a catalog message, or one with its values (a
    machine value among them, such as an impact, named in the session's language)."""
    if not isinstance(value, dict):
        return tr(value)
    text = from_record(value)
    if hasattr(text, "values"):
        text.values = {k: choices.label(_KINDS[k], v) if k in _KINDS and isinstance(v, str)
                       else v for k, v in text.values.items()}
    return shown(text)


def _ours(key: str, text: str) -> str:
    """A label, section or rule in the session's language; a scenario's own question is
    the teacher's text, in the scenario's language, and stays as written."""
    return text if key.startswith("question:") else tr(text)


def _value(key: str, value) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None:
        return "—"
    if value in ("asked", "not asked"):
        return _("asked") if value == "asked" else _("not asked")
    if isinstance(value, float):
        return number(value, 1)  # minutes, written as the session writes numbers
    if key == "group" and isinstance(value, str):
        return _group(value)
    kind = _KINDS.get(key)
    if kind and isinstance(value, str):
        return choices.label(kind, value)
    return output.safe_line(value)


_MODES = {"interactive": N_("at the prompts"), "exam": N_("exam"),
          "answers": N_("from a file of answers"), "untimed": N_("untimed"),
          "unknown": N_("not recorded")}


def mode_label(card_or_mode) -> str:
    mode = card_or_mode if isinstance(card_or_mode, str) else practice.mode_of(card_or_mode)
    return tr(_MODES.get(mode, mode))


def show_scorecard(card: dict, hidden: bool = False) -> None:
    """The feedback: each item with the rule and its section where a point was lost, and
    what should have been said; in an exam (`hidden`), only what was done and its points."""
    print(_("Practice call {name}: {title}").format(name=card["scenario"],
                                                   title=output.safe_line(card["title"])))
    print(_("Student: {name} ({mode})").format(name=output.safe_line(card["student"]),
                                              mode=mode_label(card)))
    for item in card["items"]:
        key = item["key"].split(":")[0]
        label = _ours(item["key"], item["label"])
        if item.get("situation"):
            label = f"{label} {output.safe_line(item['situation'])}"
        line = f"{'✓' if item['ok'] else '✗'} {output.safe_line(label)} " \
               f"({item['points']}/{item['max']})"
        if not item["ok"] and not hidden:
            if not item["reached"]:
                line += _(": not reached, the call had ended")
            elif item["expected"] is None:  # a text the student wrote: the model follows
                line += _(": you wrote « {answer} »").format(
                    answer=output.safe_line(item["answer"] or "—"))
            else:
                line += _(": your answer {answer}, expected {expected}").format(
                    answer=_value(key, item["answer"]), expected=_value(key, item["expected"]))
        output.paragraph(line)
        if item["ok"] or not item["reached"] or hidden:
            continue
        output.paragraph(_("    Rule ({section}): {rule}").format(
            section=output.safe(_ours(item["key"], item["section"])),
            rule=output.safe(_ours(item["key"], item["rule"]))), indent=6)
        if item.get("applied_rule"):
            output.paragraph(_("    Not this ({section}): {rule}").format(
                section=tr(item["applied_section"]), rule=tr(item["applied_rule"])), indent=6)
        if item.get("fault"):
            output.paragraph(_("    Lost because {fault}").format(fault=_message(item["fault"])), indent=6)
        if item.get("why"):
            output.paragraph(_("    Here: {why}").format(why=output.safe(item["why"])), indent=6)
        if item.get("model"):
            output.paragraph(_("    What to say: « {model} »").format(model=output.safe(
                _message(item["model"]) if isinstance(item["model"], dict) else item["model"])), indent=6)
    if not hidden:
        for said in card.get("desk_said", []):
            print(_("  The desk refused: {refusal}").format(refusal=output.safe(shown(said))))
    timing = card["minutes"]
    if card["timed"] and timing["identification"] is not None and timing["level1"] is None:
        print(_("Time: identification {identification} min").format(
            identification=number(timing["identification"], 1)))
    elif card["timed"] and timing["identification"] is not None:
        print(_("Time: identification {identification} min, level 1 {level1} min").format(
            identification=number(timing["identification"], 1),
            level1=number(timing["level1"], 1)))
    if card.get("status") == "interrupted":
        print(_("Interrupted before its end: kept as such."))
    print(_("Score: {score}/{most} ({percent}%)").format(score=card["score"], most=card["max"],
                                                         percent=number(card["percent"])))
    if hidden:
        print(_("Exam: the expected answers are for your teacher."))


def show_list(scenarios: list[practice.Scenario]) -> None:
    # Each situation on lines of its own under its name: a third column of sentences
    # would not fit a terminal.
    import textwrap

    width = max(40, min(output.terminal_width(), 100) - 1)
    name_width = max((len(s.name) for s in scenarios), default=0)
    for scenario in scenarios:
        print(f"{scenario.name:<{name_width}}  {output.safe_line(scenario.title)}")
        print(textwrap.fill(output.safe_line(scenario.summary), width, initial_indent="    ",
                            subsequent_indent="    ", break_on_hyphens=False))


def _share(percentage: float) -> str:
    return percent(percentage / 100, None)


def show_summary(report: dict) -> None:
    group = report["class"]
    if not report["students"]:
        output.message(_("No practice call recorded yet: `deskcli practice --student NAME` "
                         "takes one."))
        return
    students = ngettext("{count} student", "{count} students", group["students"]).format(
        count=group["students"])
    calls = ngettext("{count} call", "{count} calls", group["calls"]).format(count=group["calls"])
    print(_("Class: {students}, {calls}, mean score {mean}%").format(
        students=students, calls=calls, mean=number(group["mean_percent"])))
    output.table([(s["scenario"], s["calls"], _share(s["mean_percent"])) for s in group["scenarios"]],
                 headers=[_("scenario"), _("calls"), _("mean score")])
    if group["frequent_mistakes"]:
        print("\n" + _("Most frequent mistakes in the class:"))
        output.table([(m["count"], _ours(m["item"], m["label"]), _ours(m["item"], m["section"]))
                      for m in group["frequent_mistakes"]],
                     headers=[_("times"), _("item"), _("rule")])
    for student in report["students"]:
        calls = ngettext("{count} call", "{count} calls", student["calls"]).format(
            count=student["calls"])
        print("\n" + _("{name}: {calls}, mean {mean}%, first {first}% -> last {last}%").format(
            name=output.safe_line(student["student"]), calls=calls,
            mean=number(student["mean_percent"]), first=number(student["first_percent"]),
            last=number(student["last_percent"])))
        output.table([(output.when(x["at"]), x["scenario"],
                       mode_label(x["mode"]) + (_(", interrupted")
                                                if x["status"] == "interrupted" else ""),
                       f"{x['score']}/{x['max']}", _share(x["percent"]))
                      for x in student["sessions"]],
                     headers=[_("date"), _("scenario"), _("played"), _("score"), "%"])
        weak = [m for m in student["mastery"] if m["recent_percent"] < 100]
        if weak:
            print(_("Rules not yet mastered (right in the last calls):"))
            for entry in weak[:8]:
                marks = "".join("✓" if h["ok"] else "✗" for h in entry["history"])
                print(_("  {marks} {item} ({section})").format(
                    marks=marks, item=output.safe_line(_ours(entry["item"], entry["label"])),
                    section=_ours(entry["item"], entry["section"])))
        if student["frequent_mistakes"]:
            print(_("Frequent mistakes:"))
            for mistake in student["frequent_mistakes"]:
                print(_("  {count} x {item} ({section})").format(
                    count=mistake["count"],
                    item=output.safe_line(_ours(mistake["item"], mistake["label"])),
                    section=_ours(mistake["item"], mistake["section"])))
