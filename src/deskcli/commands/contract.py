"""`deskcli contract`: the customers' contracts and warranties that make calls admissible."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import JsonOption, state, wants_json
from deskcli.core import clock, contracts
from deskcli.core.errors import InvalidInput
from deskcli.ui import output, render

app = typer.Typer(help="Record and look up contracts and warranties.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    org: Annotated[Optional[str], typer.Option("--org", help="Organisation (or individual's) name.")] = None,
    org_kind: Annotated[Optional[str], typer.Option("--org-kind", help="individual or company.")] = None,
    number: Annotated[Optional[str], typer.Option("--number", help="Contract or warranty number.")] = None,
    coverage: Annotated[Optional[str], typer.Option("--coverage", help="contract or warranty.")] = None,
    valid_from: Annotated[Optional[str], typer.Option("--from", help="First valid day, YYYY-MM-DD.")] = None,
    valid_until: Annotated[Optional[str], typer.Option("--until", help="Last valid day, YYYY-MM-DD.")] = None,
    signer: Annotated[
        Optional[list[str]],
        typer.Option("--signer", help='Authorised signatory "NAME:FUNCTION" (repeatable).'),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Record a contract or warranty.

    Example: deskcli contract add --org "Atlas SARL" --org-kind company --number C-2026-01
    --coverage contract --from 2026-01-01 --until 2026-12-31 --signer "Nadia Alami:Director"
    """
    given = {"--org": org, "--org-kind": org_kind, "--number": number, "--coverage": coverage,
             "--from": valid_from, "--until": valid_until}
    missing = [name for name, value in given.items() if value is None]
    if missing:
        raise InvalidInput(f"missing {', '.join(missing)}: every one is needed to record a contract")
    desk = state(ctx).desk()
    record = contracts.add_contract(
        desk,
        org=org,
        org_kind=org_kind,
        number=number,
        coverage=coverage,
        valid_from=clock.parse_date(valid_from, "--from"),
        valid_until=clock.parse_date(valid_until, "--until"),
        signers=[contracts.parse_signer(s) for s in signer or []],
        now=clock.now(),
    )
    if wants_json(ctx, json_output):
        output.emit_json(record)
    else:
        output.message(f"Recorded {record['coverage']} {record['number']} for {record['organisation']}.")
        render.contract_detail(record)


@app.command("list")
def list_contracts(
    ctx: typer.Context,
    org: Annotated[Optional[str], typer.Option("--org", help="Only this organisation's.")] = None,
    valid_on: Annotated[Optional[str], typer.Option("--valid-on", help="Only those valid that day, YYYY-MM-DD.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List contracts and warranties.

    Example: deskcli contract list --valid-on 2026-11-24
    """
    day = clock.parse_date(valid_on, "--valid-on") if valid_on else None
    found = contracts.list_contracts(state(ctx).desk(), org=org, valid_on=day)
    if wants_json(ctx, json_output):
        output.emit_json(found)
    elif not found:
        output.message("No contract or warranty on record.")
    else:
        render.contract_table(found)


@app.command("show")
def show(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The contract or warranty number.")],
    json_output: JsonOption = False,
) -> None:
    """Show one contract or warranty.

    Example: deskcli contract show C-2026-01
    """
    record = contracts.get_contract(state(ctx).desk(), number)
    if wants_json(ctx, json_output):
        output.emit_json(record)
    else:
        render.contract_detail(record)
