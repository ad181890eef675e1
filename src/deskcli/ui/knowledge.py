"""How articles, search results and problems look on a terminal."""

from __future__ import annotations

import os
import re
import sys

from deskcli.ui import output
from deskcli.ui.output import when

KIND_LABELS = {"article": "article", "known_error": "known error"}


def _emphasis() -> tuple[str, str]:
    """Bold on a terminal that takes colours, asterisks elsewhere, so a pipe still sees the marks."""
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
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
    for rank, hit in enumerate(found, 1):
        kind = " [known error]" if hit["kind"] == "known_error" else ""
        faq = " [FAQ]" if hit["visibility"] == "faq" else ""
        output.data(f"{rank}. {hit['label']}  {output.safe_line(hit['title'])}{kind}{faq}  "
                    f"(score {hit['score']:.2f})")
        output.data(f"   {highlight(hit['snippet'], hit['highlights'])}")


def article_table(articles: list[dict]) -> None:
    output.table(
        [[f"KB-{a['id']}", KIND_LABELS[a["kind"]], a["visibility"], a["title"], ", ".join(a["tags"]),
          when(a["updated_at"]), "" if a["status"] == "published" else a["status"]]
         for a in articles],
        ["ID", "Kind", "Visibility", "Title", "Tags", "Updated", "Status"],
    )


def _describe(entry: dict) -> str:
    if entry["event"] == "edited":
        return "edited: " + ", ".join(entry.get("fields", []))
    if entry["event"] == "removed":
        return f"removed: {entry.get('reason', '')}"
    if entry["event"] == "created" and entry.get("source"):
        return f"created from {entry['source']}"
    return entry["event"]


def article_detail(article: dict) -> None:
    output.data(f"KB-{article['id']}  {output.safe_line(article['title'])}"
                f"  [{KIND_LABELS[article['kind']]}, {article['visibility']}"
                f"{', ' + article['status'] if article['status'] != 'published' else ''}]")
    output.fields([
        ("Tags", ", ".join(article["tags"])),
        ("Equipment", ", ".join(article["equipment"])),
        ("From tickets", ", ".join(f"#{t}" for t in article["tickets"])),
        ("Problem", f"PRB-{article['problem']}" if article.get("problem") else None),
        ("Created", f"{when(article['created_at'])} by {article['created_by']}"),
        ("Updated", f"{when(article['updated_at'])} by {article['updated_by']}"),
    ])
    for name, heading in (("symptoms", "Symptoms"), ("cause", "Cause"),
                          ("resolution", "Workaround" if article["kind"] == "known_error"
                           else "Resolution")):
        if article.get(name):
            output.data("")
            output.data(heading)
            for line in article[name].splitlines():
                output.data(f"  {output.safe_line(line)}")
    output.data("")
    output.data("History")
    for entry in article.get("history", []):
        output.data(f"  {when(entry['at'])}  {output.safe_line(entry['by'])}  "
                    f"{output.safe_line(_describe(entry))}")


PROBLEM_STATUS = {"open": "open (cause unknown)", "known_error": "known error"}


def problem_table(problems: list[dict]) -> None:
    output.table(
        [[f"PRB-{p['id']}", PROBLEM_STATUS[p["status"]], p["title"],
          ", ".join(f"#{t}" for t in p["incidents"]),
          f"KB-{p['article']}" if p.get("article") else "", when(p["opened_at"])]
         for p in problems],
        ["ID", "Status", "Title", "Incidents", "Article", "Opened"],
    )


def problem_detail(problem: dict) -> None:
    output.data(f"PRB-{problem['id']}  {output.safe_line(problem['title'])}  "
                f"[{PROBLEM_STATUS[problem['status']]}]")
    output.fields([
        ("Opened", f"{when(problem['opened_at'])} by {problem['opened_by']}"),
        ("Organisation", problem.get("organisation")),
        ("Incidents", ", ".join(f"#{t}" for t in problem["incidents"])),
        ("Description", problem.get("description")),
        ("Cause", problem.get("cause")),
        ("Workaround", problem.get("workaround")),
        ("Article", f"KB-{problem['article']}" if problem.get("article") else None),
    ])
    output.data("")
    output.data("History")
    for entry in problem["history"]:
        detail = {"opened": f"opened from #{entry.get('ticket')}",
                  "linked": f"linked #{entry.get('ticket')}",
                  "known_error": f"known error, article KB-{entry.get('article')}"}
        output.data(f"  {when(entry['at'])}  {output.safe_line(entry['by'])}  "
                    f"{detail.get(entry['event'], entry['event'])}")


def suggestion_groups(groups: list[dict]) -> None:
    for number, group in enumerate(groups, 1):
        shared = f"  shared: {output.safe_line(', '.join(group['shared']))}" if group["shared"] else ""
        output.data(f"{number}. {len(group['tickets'])} incidents from {when(group['first'])} "
                    f"to {when(group['last'])}{shared}")
        for ticket, summary in zip(group["tickets"], group["summaries"]):
            output.data(f"   #{ticket}  {output.safe_line(summary)}")
        output.data(f"   open a problem: deskcli problem open --from-ticket {group['tickets'][0]}")


def offer_known_errors(desk, ticket: dict) -> None:
    """Workarounds of known errors offered while a call is treated (stderr: advice, not data).

    The ticket's own problem comes first, then similar known errors; a search that fails
    is reported and the treatment goes on.
    """
    from deskcli.core import problems
    from deskcli.core.errors import DeskError

    if ticket.get("status") not in ("open", "pending"):
        return
    try:
        offered = problems.known_errors_for(desk, ticket)
    except DeskError as exc:
        output.warn(f"known errors not searched: {exc}")
        return
    for article in offered:
        why = "its problem's known error" if article.get("linked") else "a similar known error"
        output.message(f"{why}: KB-{article['id']} {output.safe_line(article['title'])}")
        output.message(f"  workaround: {output.safe_line(article['resolution'])}")
