"""The guided call opening: the checklist of procedure §1, asked one question at a time."""

from __future__ import annotations

from typing import Callable

from deskcli import i18n
from deskcli.core.base import clock
from deskcli.core.calls import choices, contracts
from deskcli.core.store.repository import Desk
from deskcli.core.base.names import name_key
from deskcli.core.base.paths import data_file
from deskcli.core.app.settings import load_toml
from deskcli.core.calls.tickets import CHANNELS
from deskcli.i18n import _, tr
from deskcli.ui import output, prompts


def _checklist() -> dict:
    """The checklist's texts in the session's language: the shipped ones are in the catalog;
    a hotline's own wording is shown as it wrote it."""
    return {section: {key: tr(text) for key, text in texts.items()}
            for section, texts in load_toml(data_file("checklist.toml")).items()}


def _minutes(seconds: float) -> str:
    return i18n.seconds_text(seconds)


class CallWalk:
    """Walks one call. `answers` fills in as the technician goes, so an interrupted walk
    leaves everything typed so far in it (the command saves it as a draft)."""

    def __init__(self, desk: Desk, answers: dict, fixed: set[str], resumed: set[str] = frozenset()):
        self.desk = desk
        self.answers = answers
        # Flags given on the line, and the facts a resumed draft already holds: neither is
        # asked again, so a resumed call goes straight to its first unanswered question.
        self.given = set(fixed)
        self.fixed = set(fixed) | set(resumed)
        self.text = _checklist()
        self._warned = False
        self._previous: dict = {}  # a returning caller's last answers, offered as defaults
        self.answers.setdefault("checklist", [])

    def _fmt(self, template: str, **values) -> str:
        return template.format(
            company=self.desk.settings["desk"]["company"], technician=self.desk.technician, **values
        )

    def _step(self, step: str, **details) -> None:
        done = {s["step"] for s in self.answers["checklist"]}
        if step not in done:
            self.answers["checklist"].append(
                {"event": "checklist", "step": step, "at": clock.to_iso(clock.now()), **details}
            )

    def _elapsed(self) -> float:
        """Seconds since identification began, by the wall clock: an interruption and its
        resumption count, since the caller waited through them."""
        started = self.answers.get("identification_started_at")
        return (clock.now() - clock.from_iso(started)).total_seconds() if started else 0.0

    def _done(self, step: str) -> bool:
        return any(s["step"] == step for s in self.answers["checklist"])

    def _check_time(self) -> None:
        if not self.answers.get("identification_started_at") or self._warned:
            return
        elapsed = self._elapsed()
        limit = self.desk.settings["desk"]["identification_minutes"]
        if elapsed > limit * 60:
            self._warned = True
            output.warn(self._fmt(
                self.text["identification"]["over_limit"], elapsed=_minutes(elapsed), limit=limit))

    def _ask(self, key: str, ask: Callable[[str | None], str]) -> str | None:
        """Ask for one fact unless a flag gave it; the draft's value is the default."""
        if key in self.fixed:
            return self.answers.get(key)
        value = ask(self.answers.get(key))
        self.answers[key] = value or None
        self._check_time()
        return self.answers[key]

    def run(self) -> dict:
        desk_text = self.text
        self.answers.setdefault("started_at", clock.to_iso(clock.now()))
        output.message(_("Call started {when} - {name} at {company}.").format(
            when=output.when(self.answers["started_at"]), name=self.desk.technician,
            company=self.desk.settings["desk"]["company"]))

        for step in ("greeting", "introduction"):
            if self._done(step) or "identification_started_at" in self.answers:
                continue
            output.message(self._fmt(desk_text[step]["say"]))
            if prompts.confirm(desk_text[step]["ask"], default=True):
                self._step(step)

        output.message(desk_text["identification"]["hint"])
        self.answers.setdefault("identification_started_at", clock.to_iso(clock.now()))
        self._identify_caller()

        output.message(desk_text["equipment"]["hint"])
        last = self._previous.get("equipment") or {}
        self._ask("device", lambda d: prompts.text(_("Device (brand and model):"), d or last.get("device")))
        self._ask("os", lambda d: prompts.text(_("Operating system:"), d or last.get("os")))
        self._ask("network", lambda d: prompts.text(_("Network (wired, Wi-Fi, VPN...):"),
                                                    d or last.get("network")))
        self._ask("software", lambda d: prompts.text(_("Software concerned:"), d or last.get("software")))
        self._step("equipment")

        output.message(desk_text["problem"]["hint"])
        self._ask("description", lambda d: prompts.text(_("The problem, in the caller's words:"), d,
                                                        required=True))
        self._ask("summary", lambda d: prompts.text(_("Summary (one line):"), d, required=True))
        self._step("problem")
        self._suggest()

        output.message(desk_text["reformulation"]["hint"])
        self._reformulate()
        self.answers["identification_seconds"] = self._elapsed()
        output.message(_("Identification took {duration}.").format(
            duration=_minutes(self.answers["identification_seconds"])))

        self._admissibility()
        output.message(desk_text["promises"]["say"])
        return self.answers

    def _suggest(self) -> None:
        """The knowledge base's best matches for the problem just described (seed 000 §6)."""
        from deskcli.core.knowledge import kb
        from deskcli.core.base.errors import DeskError

        text = " ".join(self.answers.get(k) or "" for k in ("summary", "description", "software"))
        try:
            found = kb.suggestions(self.desk, text)
        except DeskError as exc:  # a search that fails must not cost the call
            output.warn(_("knowledge base not searched: {reason}").format(reason=i18n.shown(exc.args[0])))
            return
        if not found:
            if kb.is_empty(self.desk):
                output.hint(output.kb_empty_hint())
            return
        output.message(_("Similar incidents in the knowledge base:"))
        for hit in found:
            output.message(f"  {hit['label']}  {output.safe_line(hit['title'])}")
            output.message(f"      {output.safe_line(hit['snippet'])}")
        self._step("kb_suggestions", matches=[hit["id"] for hit in found])

    def _identify_caller(self) -> None:
        known = contracts.organisations(self.desk)
        names = [o["name"] for o in known]
        org = self._ask("org", lambda d: prompts.pick_or_type(
            _("Organisation (leave empty for a private individual):"), names, d))
        record = next((o for o in known if name_key(o["name"]) == name_key(org or "")), None)
        if org and record is None and "org_kind" not in self.fixed and "org_kind" not in self.answers:
            output.message(_("{name} is not on record yet.").format(name=org))
            self.answers["org_kind"] = prompts.select(
                _("Is it a company or a private individual?"),
                [("company", _("company")), ("individual", _("private individual"))],
                default=self.answers.get("org_kind") or "company",
            )
        elif org and record is None:
            pass  # the kind was chosen before the call was interrupted
        elif record is not None:
            output.message(_("{name} is on record ({kind}).").format(
                name=record["name"], kind=choices.label("org_kind", record["kind"])))
            self.answers["org_kind"] = record["kind"]
        elif not org:
            self.answers["org_kind"] = "individual"
        callers = record.get("callers", []) if record else []
        caller = self._ask("caller", lambda d: prompts.pick_or_type(
            _("Caller's name:"), [c["name"] for c in callers], d, required=True))
        if not org and "org" not in self.given:
            # A private individual is on record under their own name; a name known in a
            # company is offered that company (the caller may not have said it).
            own = next((o for o in known if name_key(o["name"]) == name_key(caller or "")), None)
            callers = own.get("callers", []) if own else []
            company = None if own else next(
                (o for o in known if o["kind"] == "company"
                 and any(name_key(c["name"]) == name_key(caller or "") for c in o.get("callers", []))),
                None)
            if company and prompts.confirm(_("{name} called before for {organisation}: is it "
                                             "for {organisation} again?").format(
                    name=caller, organisation=company["name"]), default=True):
                self.answers.update(org=company["name"], org_kind="company")
                callers = company.get("callers", [])
        previous = next((c for c in callers if name_key(c["name"]) == name_key(caller or "")), {})
        self._previous = previous
        if previous:
            output.message(_("Returning caller: their last answers are offered; Enter keeps "
                             "each one, or type the new one."))
        self._ask("role", lambda d: prompts.text(_("Role or function in the organisation:"),
                                                 d or previous.get("role")))
        contact = self._ask("contact", lambda d: prompts.text(_("Contact (phone or e-mail):"),
                                                              d or previous.get("contact")))
        if not previous and contact:
            self._recognise_by_contact(known, contact)
        self._ask("channel", lambda d: prompts.select(
            _("Channel:"), [(c, choices.label("channel", c)) for c in CHANNELS],
            default=d or self._previous.get("channel") or "phone"))
        self._step("caller_identified")

    def _recognise_by_contact(self, known: list[dict], contact: str) -> None:
        """A caller met before under another name or organisation, known by their phone or
        e-mail: their last equipment is offered."""
        def key(text: str) -> str:
            return "".join(ch for ch in (text or "").lower() if ch.isalnum() or ch in "@.")

        for org in known:
            for caller in org.get("callers", []):
                if key(caller.get("contact")) and key(caller["contact"]) == key(contact):
                    from deskcli.ui.render import caller_text

                    who = caller_text({"caller": caller, "organisation": org})
                    output.message(_("{contact} is the contact of {who} on record: their last "
                                     "equipment is offered.").format(
                        contact=output.safe_line(contact), who=output.safe_line(who)))
                    self._previous = caller
                    return

    def _reformulate(self) -> None:
        if "reformulation" in self.given:
            self.answers["reformulation_confirmed"] = True
            return
        if self.answers.get("reformulation_confirmed"):
            return  # confirmed before the call was interrupted
        while True:
            self.answers["reformulation"] = prompts.text(
                _("Your reformulation:"), self.answers.get("reformulation") or self.answers.get("summary"),
                required=True) or None
            confirmed = prompts.confirm(self.text["reformulation"]["ask"], default=True)
            self._check_time()
            if confirmed:
                self.answers["reformulation_confirmed"] = True
                self._step("reformulation_confirmed")
                return
            output.message(_("Ask the caller what you misunderstood, and reformulate again."))

    def _admissibility(self) -> None:
        org = self.answers.get("org") or self.answers.get("caller")
        day = clock.local_date(clock.from_iso(self.answers["started_at"]))
        while True:
            verdict = contracts.check_admissibility(
                self.desk, organisation=org, contract_number=self.answers.get("contract"), day=day)
            from deskcli.ui.render import admissibility_text

            if verdict["admissible"]:
                output.message(_("Admissible: {reason}.").format(reason=admissibility_text(verdict)))
                self._step("admissibility_checked")
                return
            output.message(_("Not covered: {reason}.").format(reason=admissibility_text(verdict)))
            ways = [
                ("number", _("The caller gives a contract or warranty number")),
                ("billed", _("Serve it as a billed service (purchase order)")),
                ("stop", _("Stop here: record the call as not admissible")),
            ]
            default = "number" if not self.answers.get("contract") else "billed"
            if verdict.get("org_contract"):
                output.message(_("{org} holds a valid contract: {number}.").format(
                    org=org, number=verdict["org_contract"]))
                ways.insert(0, ("own", _("Use {org}'s contract {number}").format(
                    org=org, number=verdict["org_contract"])))
                default = "own"
            choice = prompts.select(_("How does the call go on?"), ways, default=default)
            if choice == "own":
                self.answers["contract"] = verdict["org_contract"]
                continue
            if choice == "number":
                self.answers["contract"] = prompts.text(_("Contract or warranty number:"), required=True)
                continue
            if choice == "billed":
                self.answers["billable"] = True
                self.answers["purchase_order"] = prompts.text(
                    _("Purchase order reference (empty if not received yet):")) or None
            else:
                output.message(self.text["admissibility"]["not_admissible"])
            self._step("admissibility_checked")
            return
