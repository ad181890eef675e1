"""Interactive treatment: a clock against the level-1 budget, each step saved as it is typed."""

from __future__ import annotations

from typing import Callable

from deskcli import i18n
from deskcli.core.base import clock
from deskcli.core.calls import choices, tickets
from deskcli.core.treating import treatment
from deskcli.core.store.repository import Desk
from deskcli.i18n import N_, _, shown, tr
from deskcli.ui import knowledge, output, prompts

STEPS = [
    ("diagnosis", N_("Record a diagnosis")),
    ("action", N_("Record an action")),
    ("solution", N_("Record a solution")),
    ("handover", N_("Hand the call over (escalate, transfer, on site)")),
    ("done", N_("Stop here for now")),
]
HANDOVERS = [
    ("escalate", N_("Escalate to the next level (not solved in time)")),
    ("transfer", N_("Transfer to a specialist group (beyond level-1 skills)")),
    ("intervene", N_("Send someone on site (evident hardware fault)")),
    ("continue", N_("Go on treating")),
]


def _choices(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(value, tr(text)) for value, text in pairs]


def _minutes(seconds: float) -> str:
    return i18n.seconds_text(seconds)


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
        output.message(_("Treating #{number}: {summary} (level {level})").format(
            number=ticket["id"], summary=output.safe_line(ticket["summary"]), level=ticket["level"]))
        knowledge.offer_known_errors(self.desk, ticket)
        already = treatment.level1_minutes(ticket) * 60 if ticket["level"] == 1 else 0
        self._start = self.monotonic()
        warned = False
        try:
            while True:
                elapsed = already + self.monotonic() - self._start
                output.message(_("Level-{level} clock: {elapsed} of {budget} min.").format(
                    level=ticket["level"], elapsed=_minutes(elapsed), budget=self.budget))
                if ticket["level"] == 1 and elapsed > self.budget * 60 and not warned:
                    warned = True
                    output.warn(_("the level-1 budget of {budget} min is spent.").format(budget=self.budget))
                    choice = prompts.select(_("Hand the call over?"), _choices(HANDOVERS),
                                            default="escalate")
                    if choice != "continue":
                        self._record_time()
                        return self._handover(choice)
                step = prompts.select(_("Next step:"), _choices(STEPS), default="diagnosis")
                now = clock.now()
                if step == "diagnosis":
                    text = prompts.text(_("Diagnosis:"), required=True)
                    ticket = treatment.treat(self.desk, self.ticket_id, now=now, diagnosis=text)
                elif step == "action":
                    text = prompts.text(_("Action done:"), required=True)
                    ticket = treatment.treat(self.desk, self.ticket_id, now=now, actions=[text])
                elif step == "solution":
                    text = prompts.text(_("Solution:"), required=True)
                    definitive = prompts.select(_("Is it definitive?"), [
                        ("yes", _("definitive (repair, replacement, fix)")),
                        ("no", _("temporary (a loaned device, a workaround): the call stays open"))]) == "yes"
                    self._record_time()
                    return treatment.treat(self.desk, self.ticket_id, now=now, solution=text,
                                           definitive=definitive)
                elif step == "handover":
                    choice = prompts.select(_("How?"), _choices(HANDOVERS[:-1]))
                    self._record_time()
                    return self._handover(choice)
                else:
                    return self._record_time()
        except (KeyboardInterrupt, EOFError):
            self._record_time()
            output.message(_("Treatment interrupted; what was typed and the time spent are saved."))
            raise

    def _handover(self, choice: str) -> dict:
        now = clock.now()
        if choice == "escalate":
            reason = prompts.text(_("Why escalate?"), required=True)
            kind = prompts.select(_("Kind of escalation:"), [
                ("functional", _("functional: more specialised people or access")),
                ("hierarchical", _("hierarchical: more authority or resources"))])
            return treatment.escalate(self.desk, self.ticket_id, reason=reason, kind=kind, now=now)
        if choice == "transfer":
            groups = treatment.groups(self.desk.settings)
            group = prompts.select(_("Transfer to:"), [
                (g, _("{group} (level {level})").format(group=shown(choices.group_term(g)), level=lvl))
                for g, lvl in sorted(groups.items())])
            reason = prompts.text(_("Why transfer?"), required=True)
            return treatment.transfer(self.desk, self.ticket_id, group=group, reason=reason, now=now)
        nature = prompts.text(_("Nature of the on-site intervention:"), required=True)
        return treatment.request_intervention(self.desk, self.ticket_id, nature=nature, now=now)
