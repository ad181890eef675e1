"""How articles, search results and problems look on a terminal."""

from __future__ import annotations

import re

from deskcli import i18n
from deskcli.core.calls import choices
from deskcli.i18n import N_, _, ngettext, tr
from deskcli.ui import output
from deskcli.ui.output import when

KIND_LABELS = {"article": N_("article"), "known_error": N_("known error")}
ARTICLE_STATUS = (N_("published"), N_("removed"))


def _emphasis() -> tuple[str, str]:
    """Bold on a terminal that takes colours, asterisks elsewhere, so a pipe still sees the marks."""
    if output.colour_on():
        return "\x1b[1m", "\x1b[0m"
    return "*", "*"


def highlight(snippet: str, words: list[str]) -> str:
    """The snippet, escaped, with the words that matched the search marked."""
    text = output.safe_line(snippet)
    if not words:
        return text
    start, end = _emphasis()
    marked = "|".join(re.escape(output.safe_line(w)) for w in sorted(set(words), key=len, reverse=True))
    return re.sub(rf"(?<!\w)(?:{marked})(?!\w)", lambda m: f"{start}{m.group(0)}{end}", text)


def hits(found: list[dict]) -> None:
    columns = output.width()
    columns = columns - 1 if columns else None
    for rank, hit in enumerate(found, 1):
        kind = " [" + _("known error") + "]" if hit["kind"] == "known_error" else ""
        faq = " [FAQ]" if hit["visibility"] == "faq" else ""
        output.data(output.wrap(f"{rank}. {hit['label']}  {output.safe_line(hit['title'])}{kind}{faq}  "
                                + _("(confidence {share})").format(share=i18n.percent(hit["confidence"], 0)),
                                columns, indent="   "))
        if _emphasis()[0] == "*":  # asterisks take room: cut the marked text
            output.data(output.wrap(highlight(hit["snippet"], hit["highlights"]), columns,
                                    indent="   ", first="   "))
            continue
        # Bold codes take no room on the screen: cut first, then mark each line.
        for line in output.wrap(output.safe_line(hit["snippet"]), columns and columns - 3).split("\n"):
            output.data("   " + highlight(line, hit["highlights"]))


def article_table(articles: list[dict]) -> None:
    output.table(
        [[f"KB-{a['id']}", tr(KIND_LABELS[a["kind"]]), choices.label("visibility", a["visibility"]),
          a["title"], ", ".join(a["tags"]),
          when(a["updated_at"]), "" if a["status"] == "published" else tr(a["status"])]
         for a in articles],
        [_("ID"), _("Kind"), _("Visibility"), _("Title"), _("Tags"), _("Updated"), _("Status")],
        # A narrow screen keeps the number, the title and a removed article's status.
        keep=[0, 3, 4, 0, 5, 6, 0], flexible={3: 24, 4: 10},
    )


def _describe(entry: dict) -> str:
    if entry["event"] == "edited":
        return _("edited: {fields}").format(fields=", ".join(entry.get("fields", [])))
    if entry["event"] == "removed":
        return _("removed: {reason}").format(reason=entry.get("reason", ""))
    if entry["event"] == "created" and entry.get("source"):
        return _("created from {source}").format(source=entry["source"])
    if entry["event"] == "created":
        return _("created")
    return entry["event"]


def article_detail(article: dict) -> None:
    output.data(f"KB-{article['id']}  {output.safe_line(article['title'])}"
                f"  [{tr(KIND_LABELS[article['kind']])}, "
                f"{choices.label('visibility', article['visibility'])}"
                f"{', ' + tr(article['status']) if article['status'] != 'published' else ''}]")
    by = _("{when} by {name}")
    output.fields([
        (_("Tags"), ", ".join(article["tags"])),
        (_("Equipment"), ", ".join(article["equipment"])),
        (_("From tickets"), ", ".join(f"#{t}" for t in article["tickets"])),
        (_("Problem"), f"PRB-{article['problem']}" if article.get("problem") else None),
        (_("Created"), by.format(when=when(article["created_at"]), name=article["created_by"])),
        (_("Updated"), by.format(when=when(article["updated_at"]), name=article["updated_by"])),
    ])
    for name, heading in (("symptoms", _("Symptoms")), ("cause", _("Cause")),
                          ("resolution", _("Workaround") if article["kind"] == "known_error"
                           else _("Resolution"))):
        if article.get(name):
            output.data("")
            output.data(heading)
            for line in article[name].splitlines():
                output.data(f"  {output.safe_line(line)}")
    output.data("")
    output.data(_("History"))
    for entry in article.get("history", []):
        output.data(f"  {when(entry['at'])}  {output.safe_line(entry['by'])}  "
                    f"{output.safe_line(_describe(entry))}")


PROBLEM_STATUS = {"open": N_("open (cause unknown)"), "known_error": N_("known error")}


def problem_table(problems: list[dict]) -> None:
    output.table(
        [[f"PRB-{p['id']}", tr(PROBLEM_STATUS[p["status"]]), p["title"],
          ", ".join(f"#{t}" for t in p["incidents"]),
          f"KB-{p['article']}" if p.get("article") else "", when(p["opened_at"])]
         for p in problems],
        [_("ID"), _("Status"), _("Title"), _("Incidents"), _("Article"), _("Opened")],
    )


def problem_detail(problem: dict) -> None:
    output.data(f"PRB-{problem['id']}  {output.safe_line(problem['title'])}  "
                f"[{tr(PROBLEM_STATUS[problem['status']])}]")
    output.fields([
        (_("Opened"), _("{when} by {name}").format(when=when(problem["opened_at"]),
                                                   name=problem["opened_by"])),
        (_("Organisation"), problem.get("organisation")),
        (_("Incidents"), ", ".join(f"#{t}" for t in problem["incidents"])),
        (_("Description"), problem.get("description")),
        (_("Cause"), problem.get("cause")),
        (_("Workaround"), problem.get("workaround")),
        (_("Article"), f"KB-{problem['article']}" if problem.get("article") else None),
    ])
    output.data("")
    output.data(_("History"))
    for entry in problem["history"]:
        detail = {"opened": _("opened from #{number}").format(number=entry.get("ticket")),
                  "linked": _("linked #{number}").format(number=entry.get("ticket")),
                  "known_error": _("known error, article KB-{number}").format(
                      number=entry.get("article"))}
        output.data(f"  {when(entry['at'])}  {output.safe_line(entry['by'])}  "
                    f"{detail.get(entry['event'], entry['event'])}")


def suggestion_groups(groups: list[dict]) -> None:
    for number, group in enumerate(groups, 1):
        shared = ("  " + _("shared: {words}").format(words=output.safe_line(", ".join(group["shared"])))
                  if group["shared"] else "")
        output.data(f"{number}. " + ngettext("{count} incident from {start} to {end}",
                                             "{count} incidents from {start} to {end}",
                                             len(group["tickets"])).format(
            count=len(group["tickets"]), start=when(group["first"]), end=when(group["last"])) + shared)
        for ticket, summary in zip(group["tickets"], group["summaries"]):
            output.data(f"   #{ticket}  {output.safe_line(summary)}")
        output.data("   " + _("open a problem: deskcli problem open --from-ticket {number}").format(
            number=group["tickets"][0]))


def note_unanswered(ticket: dict) -> None:
    """After a definitive solution: say when the knowledge base had no answer for the call."""
    from deskcli.core.knowledge import kb

    consulted = kb.last_consultation(ticket)
    solution = ticket.get("solution") or {}
    if (ticket.get("status") != "solved" or consulted is None or consulted.get("answered", True)
            or consulted.get("at") != solution.get("at")):  # an older consultation's
        return
    output.message(_("The knowledge base had no answer for this call (recorded): "
                     "`deskcli kb add --from-ticket {number}` records how it was solved.").format(
        number=ticket["id"]))


def offer_known_errors(desk, ticket: dict) -> None:
    """Workarounds of known errors offered while a call is treated (stderr: advice, not data).

    The ticket's own problem comes first, then similar known errors; a search that fails
    is reported and the treatment goes on.
    """
    from deskcli.core.knowledge import problems
    from deskcli.core.base.errors import DeskError

    if ticket.get("status") not in ("open", "pending"):
        return
    try:
        offered = problems.known_errors_for(desk, ticket)
    except DeskError as exc:
        output.warn(_("known errors not searched: {reason}").format(reason=i18n.shown(exc.args[0])))
        return
    for article in offered:
        why = _("its problem's known error") if article.get("linked") else _("a similar known error")
        output.message(_("{why}: KB-{number} {title}").format(
            why=why, number=article["id"], title=output.safe_line(article["title"])))
        output.message("  " + _("workaround: {text}").format(text=output.safe_line(article["resolution"])))
