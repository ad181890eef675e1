"""`deskcli open`: take a call, guided through the checklist or with every fact as an option."""

from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, state
from deskcli.core.base import clock
from deskcli.core.calls import choices, tickets
from deskcli.core.mailing import drafts
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _, ngettext
from deskcli.ui import output, prompts

REQUIRED = {"caller": "--caller", "summary": "--summary"}
# The facts the guided call asks for, as a draft keeps them.
FACTS = {"org", "org_kind", "caller", "role", "contact", "channel", "device", "os", "network",
         "software", "description", "summary", "reformulation", "contract"}


def _text(flag: str, help_text: str, kind: str | None = None):
    complete = choices.completer(kind) if kind else None
    return Annotated[Optional[str], typer.Option(flag, help=help_text, autocompletion=complete)]


def open_call(
    ctx: typer.Context,
    caller: _text("--caller", N_("Caller's name (required).")) = None,
    summary: _text("--summary", N_("One-line summary of the problem (required).")) = None,
    org: _text("--org", N_("Organisation; without it the caller is a private individual.")) = None,
    org_kind: _text("--org-kind", N_("individual or company (also particulier, entreprise)."), "org_kind") = None,
    role: _text("--role", N_("Caller's role or function in the organisation.")) = None,
    contact: _text("--contact", N_("Caller's phone or e-mail.")) = None,
    channel: _text("--channel", N_("phone, email, chat, web or walk-in (default phone; also téléphone, courriel, tchat, formulaire, accueil)."), "channel") = None,
    contract: _text("--contract", N_("Contract or warranty number given by the caller.")) = None,
    device: _text("--device", N_("Device brand and model.")) = None,
    os_name: _text("--os", N_("Operating system.")) = None,
    network: _text("--network", N_("Network type.")) = None,
    software: _text("--software", N_("Software concerned.")) = None,
    description: _text("--description", N_("The problem in the caller's own words.")) = None,
    reformulation: _text("--reformulation", N_("The technician's reformulation, checked with the caller.")) = None,
    billable: Annotated[
        bool, typer.Option("--billable", help=N_("Serve without a valid contract, as a billed service."))
    ] = False,
    purchase_order: _text("--purchase-order", N_("Purchase order reference of a billed service.")) = None,
    abandoned: Annotated[
        bool, typer.Option("--abandoned", help=N_("Record a caller who hung up while waiting (not a ticket)."))
    ] = False,
    at: _text("--at", N_("With --abandoned: when the caller hung up, YYYY-MM-DD HH:MM (default now).")) = None,
    waited: _text("--waited", N_("With --abandoned: how long the caller waited, e.g. 90s or 3m.")) = None,
    from_file: _text("--from", N_("Read tickets from FILE ('-' for stdin) instead of one call.")) = None,
    fmt: _text("--format", N_("With --from: json, jsonl, csv, email or mbox (default: guessed).")) = None,
    mapping: Annotated[Optional[list[str]], typer.Option(
        "--map", metavar=N_("COLUMN=FIELD"), help=N_("With --from and CSV: read COLUMN as FIELD (repeatable)."))] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(
        "--ignore", metavar=N_("COLUMN"), help=N_("With --from and CSV: leave COLUMN out (repeatable; also --map COLUMN=-)."))] = None,
    defaults: Annotated[Optional[list[str]], typer.Option(
        "--set", metavar=N_("FIELD=VALUE"), help=N_("With --from: FIELD is VALUE for the records that do not give it (repeatable)."))] = None,
    date_format: _text("--date-format", N_("With --from: how opened_at is written, as strftime does (e.g. '%d-%m-%Y %H:%M').")) = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help=N_("With --from: import the good records, set the bad ones aside."))] = False,
    rejects: _text("--rejects", N_("With --from: add what is set aside (refused records, mail that is not a call), whole, as JSON lines to FILE.")) = None,
    encoding: _text("--encoding", N_("With --from: the text encoding of JSON or CSV input (default utf-8).")) = None,
    no_input: NoInputOption = False,
) -> None:
    """Open a call: walk the checklist, or give the facts as options.

    In a terminal, `deskcli open` asks each question of the call procedure. With
    --caller and --summary, or with --no-input, it asks nothing.

    Example: deskcli open --caller "Karim Benali" --org "Atlas SARL" --summary "Printer offline"

    A caller who hung up while waiting is recorded apart, for the indicators:

    Example: deskcli open --abandoned --contact 0611223344 --waited 3m

    Scripts and mail filters pipe tickets in (JSON, JSON lines, CSV, e-mail, mbox):

    Example: deskcli open --from tickets.csv --map "Nom=caller" --skip-invalid --rejects bad.jsonl

    Example: deskcli open --from - --format email < message.eml
    """
    st = state(ctx)
    if from_file is not None:
        given = {"--caller": caller, "--summary": summary, "--org": org, "--contact": contact,
                 "--description": description, "--abandoned": abandoned}
        clashing = [flag for flag, value in given.items() if value]
        if clashing:
            raise InvalidInput(_("--from reads every fact from the input; leave out {options} "
                                 "(a fact the records do not give: --set FIELD=VALUE)")
                               .format(options=", ".join(clashing)))
        import gc

        from deskcli.commands.piped import take_piped

        # A batch allocates millions of objects and no cycles: the cyclic collector would
        # walk the growing heap again and again (a third of the time of 20,000 tickets).
        collecting = gc.isenabled()
        gc.disable()
        try:
            take_piped(st, from_file, fmt=fmt, mapping=mapping or [], skip_invalid=skip_invalid,
                       rejects=rejects, encoding=encoding or "utf-8",
                       ignored=ignore or [], defaults=defaults or [], date_format=date_format)
        finally:
            if collecting:
                gc.enable()
        return
    if fmt or mapping or skip_invalid or rejects or encoding or ignore or defaults or date_format:
        raise InvalidInput(_("--format, --map, --ignore, --set, --date-format, --skip-invalid, "
                             "--rejects and --encoding go with --from FILE"))
    desk = st.desk()
    if abandoned:
        _abandoned(desk, caller=caller, contact=contact, org=org,
                   channel=channel, at=at, waited=waited, note=description)
        return
    if at or waited:
        raise InvalidInput(_("--at and --waited describe an abandoned call: add --abandoned"))
    given = {
        "caller": caller, "summary": summary, "org": org, "org_kind": org_kind, "role": role,
        "contact": contact, "channel": channel, "contract": contract, "device": device,
        "os": os_name, "network": network, "software": software, "description": description,
        "reformulation": reformulation, "purchase_order": purchase_order,
    }
    answers = {k: v for k, v in given.items() if v is not None}
    if billable:
        answers["billable"] = True
    missing = [flag for key, flag in REQUIRED.items() if not answers.get(key)]
    if missing and prompts.can_prompt(st.no_input or no_input):
        desk = _first_run(st, desk)
        answers = _walk(desk, answers)
    elif missing:
        raise InvalidInput(
            _("missing {options}: give them as options, or run `deskcli open` in a terminal "
              "without --no-input to be guided through the call").format(options=", ".join(missing))
        )
    else:
        _apply_org_contract(desk, answers)
    facts = tickets.CallFacts(**{k: v for k, v in answers.items()
                                 if k not in ("started_at", "identification_started_at")},
                              started_at=clock.from_iso(answers["started_at"]) if answers.get("started_at") else None)
    ticket = tickets.open_ticket(desk, facts, clock.now())
    drafts.discard(desk)
    _report(ticket)


def _first_run(st, desk):
    """The first guided call on a desk never set up offers to set it up (`deskcli init`):
    a yes asks its questions, then the call goes on; a no is remembered."""
    from deskcli.core.app import setup

    if setup.is_set_up(desk.home, desk.repo.shared_settings()):
        return desk
    from deskcli.commands.init import setup_desk

    if prompts.confirm(_("This desk is not set up yet: set the company name, your name and the "
                         "starter knowledge base now (deskcli init)?"), default=True):
        setup_desk(desk, interactive=True)
    else:
        setup.write_settings(desk.home, {})
        output.hint(_("`deskcli init` sets the desk up whenever you like."))
    st.close()
    return st.desk()


def _apply_org_contract(desk, answers: dict) -> None:
    """A contract number given as a flag that does not cover the call, for an organisation
    that holds a valid contract: the organisation's contract is applied, and said so."""
    from deskcli.core.calls import contracts
    from deskcli.ui.render import admissibility_text

    if not answers.get("contract") or not answers.get("caller"):
        return
    verdict = contracts.check_admissibility(
        desk, organisation=answers.get("org") or answers["caller"],
        contract_number=answers["contract"], day=clock.local_date(clock.now()))
    if verdict.get("org_contract"):
        output.warn(_("{reason}; {org}'s valid contract {number} is applied instead.").format(
            reason=admissibility_text(verdict), org=output.safe_line(answers.get("org") or answers["caller"]),
            number=verdict["org_contract"]))
        answers["contract"] = verdict["org_contract"]


def _abandoned(desk, *, at: str | None, waited: str | None, **facts) -> None:
    from deskcli.core.calls.sla import parse_duration

    now = clock.now()
    wait = None
    if waited is not None:
        wait = parse_duration(waited)
        if wait is None:
            raise InvalidInput(_("--waited: {value!r} is not a duration such as 90s or 3m")
                               .format(value=waited))
    record = tickets.record_abandoned(
        desk, at=clock.parse_datetime(at, "--at") if at else now, now=now,
        waited_seconds=wait.total_seconds() if wait is not None else None, **facts)
    out = output.answer()
    # For a script, the number alone on stdout: `number=$(deskcli open --abandoned ...)`.
    out.emit(record, None if output.is_terminal() else lambda: output.data(f"A-{record['id']}"))
    who = output.safe_line(record["caller"] or record["contact"] or _("an unknown caller"))
    output.message(_("Abandoned call A-{number} recorded ({who}, {when}); it counts in "
                     "`deskcli report`, not in the backlog.").format(
        number=record["id"], who=who, when=output.when(record["at"])))
    if record["contact"] and not out.json:
        import shlex

        # Calling the caller back opens the call as any other.
        known = [("--caller", record["caller"]), ("--contact", record["contact"])]
        output.next_step(" ".join(["deskcli open"] + [f"{option} {shlex.quote(output.safe_line(value))}"
                                                      for option, value in known if value]))


def _walk(desk, answers: dict) -> dict:
    from deskcli.ui.opening import CallWalk

    fixed = set(answers)
    resumed: set[str] = set()
    draft = drafts.load(desk)
    if draft and prompts.confirm(
        _("Resume the call interrupted at {when} (caller: {caller})?").format(
            when=output.when(draft["started_at"]) if draft.get("started_at") else "?",
            caller=output.safe_line(draft.get("caller") or _("not yet named"))),
        default=True,
    ):
        answers = {**draft, **answers}
        resumed = {k for k in draft if k not in ("checklist", "started_at")}
        kept = len(resumed & FACTS)
        output.message(ngettext("Resumed: {count} answer kept; the call goes on from its first "
                                "unanswered question.",
                                "Resumed: {count} answers kept; the call goes on from its first "
                                "unanswered question.", kept).format(count=kept))
    walk = CallWalk(desk, answers, fixed, resumed)
    try:
        return walk.run()
    except (KeyboardInterrupt, EOFError):
        path = drafts.save(desk, walk.answers)
        output.message(
            _("Call interrupted: what was typed is kept in {path}; `deskcli open` offers to "
              "resume it.").format(path=path)
        )
        raise typer.Exit(130) from None


def _report(ticket: dict) -> None:
    verdict = ticket["admissibility"]
    # For a script, the number alone on stdout: `number=$(deskcli open ...)`.
    output.answer().emit(ticket, None if output.is_terminal() else
                         lambda: output.data(str(ticket["id"])))
    from deskcli.ui.render import admissibility_text, caller_text

    who = caller_text(ticket)

    if verdict["admissible"]:
        output.message(_("Ticket #{number} opened for {who}: {reason}.").format(
            number=ticket["id"], who=output.safe_line(who),
            reason=output.safe_line(admissibility_text(verdict))))
    else:
        output.message(_("Ticket #{number} recorded as NOT admissible for {who}.").format(
            number=ticket["id"], who=output.safe_line(who)))
        output.message(output.safe(admissibility_text(verdict, explanation=True)))
    from deskcli.ui.render import next_for

    output.next_step(next_for(ticket))
