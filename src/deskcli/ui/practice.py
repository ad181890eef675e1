"""The practice call at the terminal: the caller's replies, the student's moves, the scorecard."""

from __future__ import annotations

from deskcli.core import clock, practice
from deskcli.core.qualify import IMPACT_LABELS, URGENCY_LABELS
from deskcli.ui import output, prompts

REFORMULATE = "reformulate"
DONE = "done"
KB = "kb"


def _caller(text: str) -> None:
    output.message(f"  Caller: « {output.safe(text)} »")


def _ask_questions(call: practice.PracticeCall, moment: str) -> None:
    for question in call.questions_at(moment):
        choices = [(str(i), text) for i, text in enumerate(question["choices"], 1)]
        answer = prompts.select(question["ask"], choices)
        call.answer_question(question["id"], int(answer))


def _said(call: practice.PracticeCall, step: str) -> None:
    """The student's own line, as the checklist of a real call words it."""
    from deskcli.core.paths import data_file
    from deskcli.core.settings import load_toml

    line = load_toml(data_file("checklist.toml")).get(step, {}).get("say")
    if line:
        output.message("  You: " + line.format(company=call.desk.settings["desk"]["company"],
                                               technician=call.student))


def _elapsed(call: practice.PracticeCall, since, limit: int) -> str:
    """The running clock shown in the prompt, as a real call's clock would run."""
    if not call.timed or since is None:
        return ""
    seconds = max(0, int((clock.now() - since).total_seconds()))
    return f" [{seconds // 60}:{seconds % 60:02d} of {limit}:00]"


def _checklist(call: practice.PracticeCall) -> None:
    limit = call.desk.settings["desk"]["identification_minutes"]
    while True:
        choices = [(key, practice.QUESTIONS[key]) for key in call.remaining_questions()]
        choices += [(REFORMULATE, "Reformulate the problem and check it with the caller"),
                    (DONE, "Checklist done: decide whether the call is admissible")]
        move = prompts.select(f"Your next move{_elapsed(call, call.started, limit)}:", choices)
        if move == DONE:
            return
        if move == REFORMULATE:
            text = prompts.text("Your reformulation:", required=True)
            confirmed, reply = call.reformulate(text)
            _caller(reply)
            continue
        if move in ("greeting", "introduction"):
            _said(call, move)
        _caller(call.ask(move))


def play(call: practice.PracticeCall) -> dict:
    """Walk one practice call with the student; returns the scorecard."""
    s = call.scenario
    output.message(f"Practice call ({s.name}). {s.treatment.get('intro') or 'The phone rings.'}")
    if call.timed and s.kind == "call":
        output.message("The clock runs as in a real call: identify the caller and the problem "
                       "within 5 minutes; level 1 decides within 10 (--no-clock to practise "
                       "without it).")
    if s.kind == "abandoned":
        output.message(output.safe(s.treatment.get("situation", "")))
        _ask_questions(call, "opening")
        choice = prompts.select("What do you do?", list(practice.ABANDONED.items()))
        call.decide_abandoned(choice, clock.now())
        return call.finish(clock.now())

    _checklist(call)
    call.finish_checklist(clock.now())
    _ask_questions(call, "opening")
    output.message(f"The repository: {output.safe(call.repository_verdict())}.")
    admissible = prompts.confirm("Is the call admissible?", default=True)
    told = None
    if not admissible:
        told = prompts.select("Before the call ends, you:", list(practice.TOLD.items()))
    call.decide_admissibility(admissible, told, clock.now())
    if call.ended_early:
        return call.finish(clock.now())

    call_type = prompts.select("Call type:", [("incident", "incident: something is broken"),
                                              ("request", "service request: a demand")])
    impact = prompts.select("Impact:", list(IMPACT_LABELS.items()))
    urgency = prompts.select("Urgency:", list(URGENCY_LABELS.items()))
    priority = call.qualify(call_type, impact, urgency, clock.now())
    output.message(f"Priority {priority}, from the grid.")

    output.message(output.safe(s.treatment.get("situation", "")))
    _ask_questions(call, "treatment")
    while True:
        choices = [] if call.decided.consulted_kb else [
            (KB, "Search the knowledge base for an identical incident")]
        level1 = call.desk.settings["treatment"]["level1_minutes"]
        decision = prompts.select(f"Your decision{_elapsed(call, call.qualified_at, level1)}:",
                                  choices + list(practice.TREATMENTS.items()))
        if decision != KB:
            break
        output.message(f"  Knowledge base: {output.safe(call.consult_kb(clock.now()))}")
    details: dict = {}
    if decision == "transfer":
        from deskcli.core import treatment

        groups = sorted(treatment.groups(call.desk.settings))
        details["group"] = prompts.select("To which group?", [(g, g) for g in groups])
    elif decision == "escalate":
        details["escalation_kind"] = prompts.select("Which escalation?", [
            ("functional", "functional (horizontal): more specialised people or access rights"),
            ("hierarchical", "hierarchical (vertical): more authority or resources")])
    elif decision == "intervene":
        details["diagnosis"] = prompts.text("Your diagnosis, for the technician on site:",
                                            required=True)
    call.treat(decision, clock.now(), **details)

    _ask_questions(call, "closing")
    for index, moment in enumerate(call.closing_moments()):
        output.message(output.safe(moment["situation"]))
        close = prompts.confirm("Close the call now?", default=False)
        said = call.decide_closing(index, close, clock.now())
        if said:
            output.message(f"  The desk: {output.safe(said)}")
    return call.finish(clock.now())


def _value(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "—"
    return output.safe_line(value)


def show_scorecard(card: dict) -> None:
    """The feedback: each item with the rule and its section where a point was lost."""
    print(f"Practice call {card['scenario']}: {output.safe_line(card['title'])}")
    print(f"Student: {output.safe_line(card['student'])}")
    for item in card["items"]:
        mark = "✓" if item["ok"] else "✗"
        line = f"{mark} {output.safe_line(item['label'])} ({item['points']}/{item['max']})"
        if not item["ok"]:
            if not item["reached"]:
                line += ": not reached, the call had ended"
            else:
                line += (f": your answer {_value(item['answer'])}, "
                         f"expected {_value(item['expected'])}")
        print(line)
        if not item["ok"] and item["reached"]:
            print(f"    Rule ({item['section']}): {output.safe(item['rule'])}")
            if item.get("why"):
                print(f"    Here: {output.safe(item['why'])}")
    for said in card.get("desk_said", []):
        print(f"  The desk refused: {output.safe(said)}")
    timing = card["minutes"]
    if card["timed"] and timing["identification"] is not None:
        level1 = f", level 1 {timing['level1']} min" if timing["level1"] is not None else ""
        print(f"Time: identification {timing['identification']} min{level1}")
    print(f"Score: {card['score']}/{card['max']} ({card['percent']}%)")


def show_list(scenarios: list[practice.Scenario]) -> None:
    output.table([(s.name, s.title, s.summary) for s in scenarios],
                 headers=["scenario", "title", "situation"])


def show_summary(report: dict) -> None:
    group = report["class"]
    if not report["students"]:
        output.message("No practice call recorded yet: `deskcli practice --student NAME` takes one.")
        return
    print(f"Class: {group['students']} student(s), {group['calls']} call(s), "
          f"mean score {group['mean_percent']}%")
    output.table([(s["scenario"], s["calls"], f"{s['mean_percent']}%") for s in group["scenarios"]],
                 headers=["scenario", "calls", "mean score"])
    if group["frequent_mistakes"]:
        print("\nMost frequent mistakes in the class:")
        output.table([(m["count"], m["label"], m["section"]) for m in group["frequent_mistakes"]],
                     headers=["times", "item", "rule"])
    for student in report["students"]:
        print(f"\n{output.safe_line(student['student'])}: {student['calls']} call(s), mean "
              f"{student['mean_percent']}%, first {student['first_percent']}% -> last "
              f"{student['last_percent']}%")
        output.table([(output.when(x["at"]), x["scenario"], f"{x['score']}/{x['max']}",
                       f"{x['percent']}%") for x in student["sessions"]],
                     headers=["date", "scenario", "score", "%"])
        if student["frequent_mistakes"]:
            print("Frequent mistakes:")
            for mistake in student["frequent_mistakes"]:
                print(f"  {mistake['count']} x {output.safe_line(mistake['label'])} "
                      f"({mistake['section']})")
