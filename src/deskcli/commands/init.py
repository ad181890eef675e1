"""`deskcli init`: set a desk up on first use (company, technician, contracts, starter
knowledge base, shell completion)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, state
from deskcli.core.base import clock
from deskcli.i18n import N_, _, ngettext
from deskcli.ui import output, prompts

SHELLS = ("bash", "zsh", "fish")


def init(
    ctx: typer.Context,
    company: Annotated[Optional[str], typer.Option(
        "--company", help=N_("The company name said in the greeting."))] = None,
    technician: Annotated[Optional[str], typer.Option(
        "--technician", help=N_("Your name, said in the greeting and written in each ticket."))] = None,
    contracts: Annotated[Optional[bool], typer.Option(
        "--contracts/--no-contracts", help=N_("Serve only calls under a valid contract or warranty "
                                              "(--no-contracts: an internal desk)."),
        show_default=False)] = None,
    starter_kb: Annotated[Optional[bool], typer.Option(
        "--starter-kb/--no-starter-kb", help=N_("Load the starter knowledge base articles."),
        show_default=False)] = None,
    completion: Annotated[Optional[str], typer.Option(
        "--completion", metavar=N_("SHELL"),
        help=N_("Install shell completion for bash, zsh or fish (none: do not)."))] = None,
    no_input: NoInputOption = False,
) -> None:
    """Set the desk up: company name, your name, contracts, starter articles, completion.

    In a terminal each question is asked, with what is already set as its answer; with
    options (or --no-input) nothing is asked. Running it again changes only what you give.

    Example: deskcli init --company "Atlas Support" --technician "Nadia" --contracts --starter-kb --completion bash
    """
    st = state(ctx)
    setup_desk(st.desk(), company=company, technician=technician, contracts=contracts,
               starter_kb=starter_kb, completion=completion,
               interactive=prompts.can_prompt(st.no_input or no_input))
    output.next_step("deskcli open")


def _asked(question: str, current: str, placeholder: str | None = None) -> str:
    """A fact asked with its present value offered, not typed in: a prefilled answer would
    have to be erased before the real one is typed. Enter keeps it."""
    if current and current != placeholder:
        return prompts.text(question, hint=_("(Enter keeps {value})").format(value=current)) or current
    return prompts.text(question, required=True)


def setup_desk(desk, *, company=None, technician=None, contracts=None, starter_kb=None,
               completion=None, interactive: bool) -> None:
    """What `init` does, also offered by the first `deskcli open` in a terminal."""
    from deskcli.core.app import setup
    from deskcli.core.knowledge import kb
    from deskcli.core.base.errors import InvalidInput

    settings = desk.settings
    if completion is not None and completion not in (*SHELLS, "none"):
        raise InvalidInput(_("--completion: {value!r} is not a shell deskcli completes; "
                             "use bash, zsh, fish or none").format(value=completion))
    if interactive:
        company = company or _asked(_("Company name (said in the greeting):"),
                                    settings["desk"]["company"], placeholder="Helpdesk")
        technician = technician or _asked(_("Your name (said in the greeting):"), desk.technician)
        if contracts is None:
            contracts = prompts.confirm(_("Serve only calls under a valid contract or warranty?"),
                                        default=settings["desk"]["require_contract"])
        if starter_kb is None and kb.is_empty(desk):
            starter_kb = prompts.confirm(_("Load the starter knowledge base (everyday incidents)?"),
                                         default=True)
        shell = _login_shell()
        if completion is None and shell:
            completion = shell if prompts.confirm(
                _("Install completion for {shell} (Tab completes verbs and options)?").format(
                    shell=shell), default=True) else "none"
    values = {}
    if company:
        values[("desk", "company")] = company.strip()
    if technician:
        values[("technician", "name")] = technician.strip()
    if contracts is not None:
        values[("desk", "require_contract")] = bool(contracts)
    path = setup.write_settings(desk.home, values)
    output.message(_("Settings written to {path}.").format(path=path))
    if starter_kb:
        added, present = kb.import_defaults(desk, clock.now())
        output.message(ngettext("Imported {count} starter article.", "Imported {count} starter articles.",
                                len(added)).format(count=len(added)))
    if completion and completion != "none":
        where = install_completion(completion)
        output.message(_("Completion for {shell} installed in {path}.").format(shell=completion, path=where))
        if completion == "zsh":
            output.hint(_("zsh reads it when ~/.zfunc is in fpath: add `fpath+=~/.zfunc` and "
                          "`autoload -Uz compinit && compinit` to ~/.zshrc."))
        else:
            output.hint(_("Open a new terminal for Tab to complete deskcli."))


def _login_shell() -> str | None:
    name = Path(os.environ.get("SHELL", "")).name
    return name if name in SHELLS else None


def install_completion(shell: str) -> Path:
    """The completion script of `shell` written where that shell looks for it."""
    from deskcli.completions import generate

    home = Path.home()
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    target = {"bash": data / "bash-completion" / "completions" / "deskcli",
              "zsh": home / ".zfunc" / "_deskcli",
              "fish": config / "fish" / "completions" / "deskcli.fish"}[shell]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(generate(shell), encoding="utf-8")
    return target
