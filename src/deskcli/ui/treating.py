"""Interactive treatment: a clock against the level-1 budget, each step saved as it is typed."""

from __future__ import annotations

from typing import Callable

from deskcli.core import clock, tickets, treatment
from deskcli.core.desk import Desk
from deskcli.ui import knowledge, output, prompts

STEPS = [
    ("diagnosis", "Record a diagnosis"),
    ("action", "Record an action"),
    ("solution", "Record a solution"),
    ("handover", "Hand the call over (escalate, transfer, on site)"),
    ("done", "Stop here for now"),
]
HANDOVERS = [
    ("escalate", "Escalate to the next level (not solved in time)"),
    ("transfer", "Transfer to a specialist group (beyond level-1 skills)"),
    ("intervene", "Send someone on site (evident hardware fault)"),
    ("continue", "Go on treating"),
]


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class TreatmentWalk:
    def __init__(self, desk: Desk, ticket_id: int, monotonic: Callable[[], float]):
        self.desk = desk
        self.ticket_id = ticket_id
        self.monotonic = monotonic
        self.budget = desk.settings["treatment"]["level1_minutes"]
        self._start = 0.0
        self._recorded = 0.0

    def _record_time(self) -> dict:
        """Save the minutes spent since the last save."""
        spent = (self.monotonic() - self._start) / 60 - self._recorded
        self._recorded += spent
        return treatment.treat(self.desk, self.ticket_id, now=clock.now(), minutes=round(spent, 2))

    def run(self) -> dict:
        ticket = tickets.get_ticket(self.desk, self.ticket_id)
        output.message(f"Treating #{ticket['id']}: {output.safe_line(ticket['summary'])} "
                       f"(level {ticket['level']})")
        knowledge.offer_known_errors(self.desk, ticket)
        already = treatment.level1_minutes(ticket) * 60 if ticket["level"] == 1 else 0
        self._start = self.monotonic()
        warned = False
        try:
            while True:
                elapsed = already + self.monotonic() - self._start
                output.message(f"Level-{ticket['level']} clock: {_minutes(elapsed)} of {self.budget} min.")
                if ticket["level"] == 1 and elapsed > self.budget * 60 and not warned:
                    warned = True
                    output.warn(f"the level-1 budget of {self.budget} min is spent.")
                    choice = prompts.select("Hand the call over?", HANDOVERS, default="escalate")
                    if choice != "continue":
                        self._record_time()
                        return self._handover(choice)
                step = prompts.select("Next step:", STEPS, default="diagnosis")
                now = clock.now()
                if step == "diagnosis":
                    text = prompts.text("Diagnosis:", required=True)
                    ticket = treatment.treat(self.desk, self.ticket_id, now=now, diagnosis=text)
                elif step == "action":
                    text = prompts.text("Action done:", required=True)
                    ticket = treatment.treat(self.desk, self.ticket_id, now=now, actions=[text])
                elif step == "solution":
                    text = prompts.text("Solution:", required=True)
                    definitive = prompts.select("Is it definitive?", [
                        ("yes", "definitive (repair, replacement, fix)"),
                        ("no", "temporary (a loaned device, a workaround): the call stays open")]) == "yes"
                    self._record_time()
                    return treatment.treat(self.desk, self.ticket_id, now=now, solution=text,
                                           definitive=definitive)
                elif step == "handover":
                    choice = prompts.select("How?", HANDOVERS[:-1])
                    self._record_time()
                    return self._handover(choice)
                else:
                    return self._record_time()
        except (KeyboardInterrupt, EOFError):
            self._record_time()
            output.message("Treatment interrupted; what was typed and the time spent are saved.")
            raise

    def _handover(self, choice: str) -> dict:
        now = clock.now()
        if choice == "escalate":
            reason = prompts.text("Why escalate?", required=True)
            kind = prompts.select("Kind of escalation:", [
                ("functional", "functional: more specialised people or access"),
                ("hierarchical", "hierarchical: more authority or resources")])
            return treatment.escalate(self.desk, self.ticket_id, reason=reason, kind=kind, now=now)
        if choice == "transfer":
            groups = treatment.groups(self.desk.settings)
            group = prompts.select("Transfer to:", [(g, f"{g} (level {lvl})") for g, lvl in sorted(groups.items())])
            reason = prompts.text("Why transfer?", required=True)
            return treatment.transfer(self.desk, self.ticket_id, group=group, reason=reason, now=now)
        nature = prompts.text("Nature of the on-site intervention:", required=True)
        return treatment.request_intervention(self.desk, self.ticket_id, nature=nature, now=now)
