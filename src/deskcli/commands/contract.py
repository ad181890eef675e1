"""`deskcli contract`: the customers' contracts and warranties that make calls admissible."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, state
from deskcli.core.base import clock
from deskcli.core.calls import choices, contracts
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _
from deskcli.ui import output, prompts, render

app = typer.Typer(help=N_("Record and look up contracts and warranties."), no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    org: Annotated[Optional[str], typer.Option("--org", help=N_("Organisation (or individual's) name."))] = None,
    org_kind: Annotated[Optional[str], typer.Option(
        "--org-kind", help=N_("individual or company (also particulier, entreprise)."),
        autocompletion=choices.completer("org_kind"))] = None,
    number: Annotated[Optional[str], typer.Option("--number", help=N_("Contract or warranty number."))] = None,
    coverage: Annotated[Optional[str], typer.Option(
        "--coverage", help=N_("contract or warranty (also contrat, garantie)."),
        autocompletion=choices.completer("coverage"))] = None,
    valid_from: Annotated[Optional[str], typer.Option("--from", help=N_("First valid day, YYYY-MM-DD."))] = None,
    valid_until: Annotated[Optional[str], typer.Option("--until", help=N_("Last valid day, YYYY-MM-DD."))] = None,
    signer: Annotated[
        Optional[list[str]],
        typer.Option("--signer", help=N_('Authorised signatory "NAME:FUNCTION" (repeatable).')),
    ] = None,
    address: Annotated[
        Optional[list[str]],
        typer.Option("--address", help=N_("The customer's postal address, one line per --address "
                                          "(printed on its intervention reports)."))] = None,
    no_input: NoInputOption = False,
) -> None:
    """Record a contract or warranty (in a terminal, what is not given is asked).

    Example: deskcli contract add --org "Atlas SARL" --org-kind company --number C-2026-01
    --coverage contract --from 2026-01-01 --until 2026-12-31 --signer "Nadia Alami:Director"
    """
    given = {"--org": org, "--org-kind": org_kind, "--number": number, "--coverage": coverage,
             "--from": valid_from, "--until": valid_until}
    missing = [name for name, value in given.items() if value is None]
    if missing and prompts.can_prompt(state(ctx).no_input or no_input):
        org = org or prompts.text(_("Organisation (or individual's) name:"), required=True)
        org_kind = org_kind or prompts.select(_("Is it a company or a private individual?"), [
            ("company", _("company")), ("individual", _("private individual"))], default="company")
        number = number or prompts.text(_("Contract or warranty number:"), required=True)
        coverage = coverage or prompts.select(_("Contract or warranty?"), [
            ("contract", choices.label("coverage", "contract")),
            ("warranty", choices.label("coverage", "warranty"))], default="contract")
        valid_from = valid_from or prompts.text(_("First valid day (YYYY-MM-DD):"), required=True)
        valid_until = valid_until or prompts.text(_("Last valid day (YYYY-MM-DD):"), required=True)
        if signer is None:
            named = prompts.text(_("Authorised signatory, NAME:FUNCTION (empty: none):"))
            signer = [named] if named else []
    elif missing:
        raise InvalidInput(_("missing {options}: every one is needed to record a contract").format(
            options=", ".join(missing)))
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
        address=address,
    )
    def text() -> None:
        output.message((_("Recorded contract {number} for {organisation}.")
                        if record["coverage"] == "contract" else
                        _("Recorded warranty {number} for {organisation}.")).format(
            number=record["number"], organisation=record["organisation"]))
        render.contract_detail(record)
        output.next_step(f"deskcli open --org {_quoted(record['organisation'])}")

    output.answer().emit(record, text)


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)


@app.command("list")
def list_contracts(
    ctx: typer.Context,
    org: Annotated[Optional[str], typer.Option("--org", help=N_("Only this organisation's."))] = None,
    valid_on: Annotated[Optional[str], typer.Option("--valid-on", help=N_("Only those valid that day, YYYY-MM-DD."))] = None,
) -> None:
    """List contracts and warranties.

    Example: deskcli contract list --valid-on 2026-11-24
    """
    day = clock.parse_date(valid_on, "--valid-on") if valid_on else None
    found = contracts.list_contracts(state(ctx).desk(), org=org, valid_on=day)
    output.answer().emit(found, lambda: render.contract_table(found) if found else
                         output.message(_("No contract or warranty on record.")))


@app.command("show")
def show(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help=N_("The contract or warranty number."))],
) -> None:
    """Show one contract or warranty.

    Example: deskcli contract show C-2026-01
    """
    record = contracts.get_contract(state(ctx).desk(), number)
    output.answer().emit(record, lambda: render.contract_detail(record))
