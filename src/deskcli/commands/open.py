"""`deskcli open`: take a call, guided through the checklist or with every fact as an option."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import JsonOption, NoInputOption, state, wants_json
from deskcli.core import clock, drafts, tickets
from deskcli.core.errors import InvalidInput
from deskcli.ui import output, prompts

REQUIRED = {"caller": "--caller", "summary": "--summary"}


def _text(flag: str, help_text: str):
    return Annotated[Optional[str], typer.Option(flag, help=help_text)]


def open_call(
    ctx: typer.Context,
    caller: _text("--caller", "Caller's name (required).") = None,
    summary: _text("--summary", "One-line summary of the problem (required).") = None,
    org: _text("--org", "Organisation; without it the caller is a private individual.") = None,
    org_kind: _text("--org-kind", "individual or company.") = None,
    role: _text("--role", "Caller's role or function in the organisation.") = None,
    contact: _text("--contact", "Caller's phone or e-mail.") = None,
    channel: _text("--channel", "phone, email, chat, web or walk-in (default phone).") = None,
    contract: _text("--contract", "Contract or warranty number given by the caller.") = None,
    device: _text("--device", "Device brand and model.") = None,
    os_name: _text("--os", "Operating system.") = None,
    network: _text("--network", "Network type.") = None,
    software: _text("--software", "Software concerned.") = None,
    description: _text("--description", "The problem in the caller's own words.") = None,
    reformulation: _text("--reformulation", "The technician's reformulation, checked with the caller.") = None,
    billable: Annotated[
        bool, typer.Option("--billable", help="Serve without a valid contract, as a billed service.")
    ] = False,
    purchase_order: _text("--purchase-order", "Purchase order reference of a billed service.") = None,
    abandoned: Annotated[
        bool, typer.Option("--abandoned", help="Record a caller who hung up while waiting (not a ticket).")
    ] = False,
    at: _text("--at", "With --abandoned: when the caller hung up, YYYY-MM-DD HH:MM (default now).") = None,
    waited: _text("--waited", "With --abandoned: how long the caller waited, e.g. 90s or 3m.") = None,
    from_file: _text("--from", "Read tickets from FILE ('-' for stdin) instead of one call.") = None,
    fmt: _text("--format", "With --from: json, jsonl, csv, email or mbox (default: guessed).") = None,
    mapping: Annotated[Optional[list[str]], typer.Option(
        "--map", metavar="COLUMN=FIELD", help="With --from and CSV: read COLUMN as FIELD (repeatable).")] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="With --from: import the good records, set the bad ones aside.")] = False,
    rejects: _text("--rejects", "With --skip-invalid: write the refused records as JSON lines to FILE.") = None,
    encoding: _text("--encoding", "With --from: the text encoding of JSON or CSV input (default utf-8).") = None,
    no_input: NoInputOption = False,
    json_output: JsonOption = False,
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
            raise InvalidInput("--from reads every fact from the input; leave out "
                               + ", ".join(clashing))
        from deskcli.commands.piped import take_piped

        take_piped(ctx, st, from_file, fmt=fmt, mapping=mapping or [], skip_invalid=skip_invalid,
                   rejects=rejects, encoding=encoding or "utf-8", json_output=json_output)
        return
    if fmt or mapping or skip_invalid or rejects or encoding:
        raise InvalidInput("--format, --map, --skip-invalid, --rejects and --encoding go with --from FILE")
    desk = st.desk()
    if abandoned:
        _abandoned(ctx, desk, json_output, caller=caller, contact=contact, org=org,
                   channel=channel, at=at, waited=waited, note=description)
        return
    if at or waited:
        raise InvalidInput("--at and --waited describe an abandoned call: add --abandoned")
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
        answers = _walk(desk, answers)
    elif missing:
        raise InvalidInput(
            f"missing {', '.join(missing)}: give them as options, or run `deskcli open` "
            f"in a terminal without --no-input to be guided through the call"
        )
    facts = tickets.CallFacts(**{k: v for k, v in answers.items() if k != "started_at"},
                              started_at=clock.from_iso(answers["started_at"]) if answers.get("started_at") else None)
    ticket = tickets.open_ticket(desk, facts, clock.now())
    drafts.discard(desk)
    _report(ticket, wants_json(ctx, json_output))


def _abandoned(ctx, desk, json_output: bool, *, at: str | None, waited: str | None, **facts) -> None:
    from deskcli.core.sla import parse_duration

    now = clock.now()
    wait = None
    if waited is not None:
        wait = parse_duration(waited)
        if wait is None:
            raise InvalidInput(f"--waited: {waited!r} is not a duration such as 90s or 3m")
    record = tickets.record_abandoned(
        desk, at=clock.parse_datetime(at, "--at") if at else now, now=now,
        waited_seconds=wait.total_seconds() if wait is not None else None, **facts)
    if wants_json(ctx, json_output):
        output.emit_json(record)
    else:
        output.data(f"A-{record['id']}")
    who = output.safe_line(record["caller"] or record["contact"] or "an unknown caller")
    output.message(f"Abandoned call A-{record['id']} recorded ({who}, {output.when(record['at'])}); "
                   f"it counts in `deskcli report`, not in the backlog.")


def _walk(desk, answers: dict) -> dict:
    from deskcli.ui.opening import CallWalk

    fixed = set(answers)
    draft = drafts.load(desk)
    if draft and prompts.confirm(
        f"Resume the call interrupted at {draft.get('started_at', '?')}"
        f" (caller: {output.safe_line(draft.get('caller') or 'not yet named')})?",
        default=True,
    ):
        answers = {**draft, **answers}
    walk = CallWalk(desk, answers, fixed)
    try:
        return walk.run()
    except (KeyboardInterrupt, EOFError):
        path = drafts.save(desk, walk.answers)
        output.message(
            f"Call interrupted: what was typed is kept in {path}; "
            f"`deskcli open` offers to resume it."
        )
        raise typer.Exit(130) from None


def _report(ticket: dict, as_json: bool) -> None:
    verdict = ticket["admissibility"]
    if as_json:
        output.emit_json(ticket)
    else:
        output.data(str(ticket["id"]))
    who = f"{ticket['caller']['name']} ({ticket['organisation']['name']})"
    if verdict["admissible"]:
        output.message(f"Ticket #{ticket['id']} opened for {output.safe_line(who)}: {output.safe_line(verdict['reason'])}.")
    else:
        output.message(f"Ticket #{ticket['id']} recorded as NOT admissible for {output.safe_line(who)}.")
        output.message(output.safe(verdict["explanation"]))
