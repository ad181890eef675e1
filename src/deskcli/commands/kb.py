"""`deskcli kb`: the knowledge base, searched before any transfer and fed by solved calls."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from deskcli.commands.options import NoInputOption, state
from deskcli.core.base import clock
from deskcli.core.calls import choices
from deskcli.core.knowledge import kb
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import N_, _, ngettext, tr
from deskcli.ui import knowledge, output, prompts

app = typer.Typer(help=N_("Search, write and look after the knowledge base."), no_args_is_help=True)

ArticleId = Annotated[str, typer.Argument(help=N_("The article number (12 or KB-12)."), metavar=N_("ARTICLE"))]
TitleOption = Annotated[Optional[str], typer.Option("--title", help=N_("A short title naming the incident."))]
SymptomsOption = Annotated[Optional[str], typer.Option("--symptoms", help=N_("What the caller sees or says."))]
CauseOption = Annotated[Optional[str], typer.Option("--cause", help=N_("Why it happens, when known."))]
ResolutionOption = Annotated[Optional[str], typer.Option("--resolution", help=N_("The steps that solve it, or the workaround."))]
TagOption = Annotated[Optional[list[str]], typer.Option("--tag", help=N_("A keyword (repeatable, or comma-separated)."))]
EquipmentOption = Annotated[Optional[list[str]], typer.Option("--equipment", help=N_("Equipment or software concerned (repeatable)."))]
VisibilityOption = Annotated[Optional[str], typer.Option(
    "--visibility", help=N_("internal (technicians) or faq (callers may read it); also interne."),
    autocompletion=choices.completer("visibility"))]

PROMPTS = (
    ("title", N_("Title (names the incident):"), True),
    ("symptoms", N_("Symptoms (what the caller sees):"), True),
    ("cause", N_("Cause (leave empty when unknown):"), False),
    ("resolution", N_("Resolution or workaround:"), True),
)


def _given(title, symptoms, cause, resolution, tag, equipment, visibility) -> dict:
    fields = {"title": title, "symptoms": symptoms, "cause": cause, "resolution": resolution,
              "tags": tag, "equipment": equipment, "visibility": visibility}
    return {k: v for k, v in fields.items() if v is not None}


def _ask(fields: dict) -> dict:
    """Every field asked at the terminal, each offering what is known so far to accept or edit."""
    answers = dict(fields)
    for name, question, required in PROMPTS:
        answers[name] = prompts.text(tr(question), default=fields.get(name), required=required,
                                     multiline=name == "resolution")
    tags = prompts.text(_("Tags (comma-separated):"), default=", ".join(fields.get("tags", [])))
    equipment = prompts.text(_("Equipment or software (comma-separated):"),
                             default=", ".join(fields.get("equipment", [])))
    answers["tags"] = [tags] if tags else []
    answers["equipment"] = [equipment] if equipment else []
    answers["visibility"] = prompts.select(
        _("Who may read it?"), [("internal", _("internal: technicians only")),
                                ("faq", _("FAQ: callers may read it too"))],
        default=fields.get("visibility", "internal"))
    return answers


@app.command("add")
def add(
    ctx: typer.Context,
    title: TitleOption = None,
    symptoms: SymptomsOption = None,
    cause: CauseOption = None,
    resolution: ResolutionOption = None,
    tag: TagOption = None,
    equipment: EquipmentOption = None,
    visibility: VisibilityOption = None,
    from_ticket: Annotated[Optional[int], typer.Option("--from-ticket", min=1, metavar=N_("ID"),
                                                       help=N_("Draft it from a solved ticket."))] = None,
    no_input: NoInputOption = False,
) -> None:
    """Write an article: how an incident shows itself and how it was solved.

    With every needed option it never prompts. --from-ticket drafts the article from a
    solved ticket (symptoms from the problem, resolution from the solution); at a terminal
    each drafted field is shown to confirm or edit.

    Example: deskcli kb add --title "Outlook cannot send" --symptoms "messages stay in the
    outbox" --cause "SMTP port blocked" --resolution "use port 587 with STARTTLS" --tag mail
    """
    st = state(ctx)
    desk = st.desk()
    fields = _given(title, symptoms, cause, resolution, tag, equipment, visibility)
    if from_ticket is not None:
        fields = {**kb.draft_from_ticket(desk, from_ticket), **fields}
    complete = all(fields.get(n) for n in kb.REQUIRED)
    interactive = prompts.can_prompt(st.no_input or no_input)
    if interactive and (from_ticket is not None or not complete):
        fields = _ask(kb.validate(fields, partial=True) if fields else {})
        if not prompts.confirm(_("Save this article?")):
            output.message(_("Not saved."))
            raise typer.Exit(1)
    article = kb.add(desk, fields, clock.now(), from_ticket=from_ticket)
    output.answer().done(article, _("Recorded {article}: {title}.").format(
        article=kb.label(article), title=output.safe_line(article["title"])))


@app.command("edit")
def edit(
    ctx: typer.Context,
    article: ArticleId,
    title: TitleOption = None,
    symptoms: SymptomsOption = None,
    cause: CauseOption = None,
    resolution: ResolutionOption = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help=N_("The tags, replacing the old ones (repeatable)."))] = None,
    equipment: Annotated[Optional[list[str]], typer.Option("--equipment", help=N_("The equipment, replacing the old (repeatable)."))] = None,
    visibility: VisibilityOption = None,
    no_input: NoInputOption = False,
) -> None:
    """Change an article; its history keeps each field's previous text.

    Without options at a terminal, every field is offered for editing.

    Example: deskcli kb edit KB-12 --visibility faq --tag imprimante --tag réseau
    """
    st = state(ctx)
    desk = st.desk()
    number = kb.article_id(article)
    changes = _given(title, symptoms, cause, resolution, tag, equipment, visibility)
    if not changes and prompts.can_prompt(st.no_input or no_input):
        current = kb.get(desk, number)
        changes = _ask({k: current[k] for k in kb.EDITABLE})
    found = kb.edit(desk, number, changes, clock.now())
    output.answer().done(found, _("{article} updated.").format(article=kb.label(found)))


@app.command("show")
def show(ctx: typer.Context, article: ArticleId) -> None:
    """Show an article whole, with where it came from and its history.

    Example: deskcli kb show KB-12
    """
    found = kb.get(state(ctx).desk(), kb.article_id(article))
    output.answer().emit(found, lambda: knowledge.article_detail(found))


@app.command("list")
def list_articles(
    ctx: typer.Context,
    tag: Annotated[Optional[str], typer.Option("--tag", help=N_("Only articles with this tag."))] = None,
    kind: Annotated[Optional[str], typer.Option(
        "--kind", help=N_("article or known-error (also erreur-connue)."),
        autocompletion=choices.completer("article_kind"))] = None,
    faq: Annotated[bool, typer.Option("--faq", help=N_("Only those callers may read."))] = False,
    removed: Annotated[bool, typer.Option("--removed", help=N_("Include removed articles."))] = False,
) -> None:
    """List the articles of the knowledge base.

    Example: deskcli kb list --kind known-error
    """
    found = kb.list_articles(state(ctx).desk(), tag=tag, kind=kind, faq=faq, removed=removed)
    output.answer().emit(found, lambda: knowledge.article_table(found) if found else output.message(
        _("No article matches. `deskcli kb import-defaults` loads the starter articles.")))


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[Optional[list[str]], typer.Argument(help=N_("The words to search for."), metavar=N_("QUERY..."))] = None,
    ticket: Annotated[Optional[int], typer.Option("--ticket", min=1, metavar=N_("ID"),
                                                  help=N_("Search with this ticket's text, and record the consultation on it."))] = None,
    limit: Annotated[int, typer.Option("--limit", help=N_("How many matches at most (1-100)."))] = 5,
    faq: Annotated[bool, typer.Option("--faq", help=N_("Only articles callers may read."))] = False,
    kind: Annotated[Optional[str], typer.Option(
        "--kind", help=N_("article or known-error (also erreur-connue)."),
        autocompletion=choices.completer("article_kind"))] = None,
) -> None:
    """Find how an identical incident was solved: best matches first, with a snippet.

    Case and accents do not matter, plurals and small typos are forgiven, and callers'
    words (SMS spellings, everyday phrases, English) find the French articles. Only
    articles relevant enough are shown, each with its confidence; when none is, it says
    so. --json prints an array of {id, title, score, confidence, ...}, empty when no
    article is relevant.

    Example: deskcli kb search imprimante hors ligne
    """
    desk = state(ctx).desk()
    text = " ".join(query or [])
    if ticket is not None:
        if text:
            raise InvalidInput(_("give QUERY or --ticket ID, not both: --ticket searches with the "
                                 "ticket's text"))
        entry, found = kb.consult_ticket(desk, ticket, clock.now(), limit=limit)
        output.message(_("Consultation recorded on #{number}.").format(number=ticket))
        empty = entry["empty"]
    else:
        kinds = [kb.check_kind(kind)] if kind else None
        found, empty = kb.find(desk, text, limit=limit, kinds=kinds, faq=faq)
    output.answer().emit(found, lambda: _hits(found, empty, ticket))


def _hits(found: list[dict], empty: bool, ticket: int | None) -> None:
    if empty:
        output.message(_("The knowledge base is empty: `deskcli kb import-defaults` loads the "
                         "starter articles."))
    elif not found:
        output.message(_("No relevant article in the knowledge base. Once the call is solved, "
                         "record how with `deskcli kb add --from-ticket {number}`.").format(
            number=ticket) if ticket is not None else
            _("No relevant article in the knowledge base. Once the call is solved, record how "
              "with `deskcli kb add --from-ticket ID` (or `deskcli kb add`)."))
    else:
        knowledge.hits(found)


@app.command("remove")
def remove(
    ctx: typer.Context,
    article: ArticleId,
    reason: Annotated[str, typer.Option("--reason", help=N_("Why: wrong, obsolete, duplicate of KB-n..."))],
) -> None:
    """Withdraw an article from searches; it stays on record with its history.

    Example: deskcli kb remove KB-12 --reason "duplicate of KB-3"
    """
    found = kb.remove(state(ctx).desk(), kb.article_id(article), reason, clock.now())
    output.answer().done(found, _("{article} removed from searches.").format(article=kb.label(found)))


@app.command("import-defaults")
def import_defaults(ctx: typer.Context) -> None:
    """Load the starter articles shipped with deskcli (everyday SOHO incidents, in French).

    Articles already imported are left alone, so running it again adds only what is new.

    Example: deskcli kb import-defaults
    """
    added, present = kb.import_defaults(state(ctx).desk(), clock.now())
    text = ngettext("Imported {count} starter article.", "Imported {count} starter articles.",
                    len(added)).format(count=len(added))
    if present:
        text += " " + ngettext("{count} was already here.", "{count} were already here.",
                               present).format(count=present)
    output.answer().done({"added": [{"id": a["id"], "title": a["title"]} for a in added],
                          "already_present": present}, text)
