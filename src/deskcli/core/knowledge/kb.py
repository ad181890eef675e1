"""The knowledge base: how incidents were solved, consulted before any transfer (seed 000 §6).

Tickets are imported where they are used, so that a search loads only what it needs.
Articles live in the repository's kb.json, written in the same change as the tickets they
come from; the search index beside it is derived from that file and rebuilt at need.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from deskcli.core.base.clock import to_iso
from deskcli.core.store.repository import Changes, Desk, KB_SIDE
from deskcli.core.base.errors import DeskError, InvalidInput, NotFound, RuleRefused
from deskcli.core.base.names import record_number
from deskcli.core.base.paths import data_file
from deskcli.i18n import N_, fact, say

ARTICLES = "articles"
VISIBILITIES = ("internal", "faq")
KINDS = ("article", "known_error")
TEXT_FIELDS = ("title", "symptoms", "cause", "resolution")
LIST_FIELDS = ("tags", "equipment")
EDITABLE = (*TEXT_FIELDS, *LIST_FIELDS, "visibility")
REQUIRED = ("title", "symptoms", "resolution")
# French words a technician may type for a visibility.
STARTER_FILE = "kb/starter.toml"
SYNONYMS_FILE = "kb/synonyms.toml"
SUGGESTIONS = 3


def article_id(text: str | int) -> int:
    return record_number(text, "KB", N_("an article"))


def label(article_or_id: dict | int) -> str:
    number = article_or_id["id"] if isinstance(article_or_id, dict) else article_or_id
    return f"KB-{number}"


def _clean_text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(say("{option}: expected text", option=fact(name)))
    cleaned = value.strip()
    if "\x00" in cleaned:
        raise InvalidInput(say("{option}: the text holds a NUL character", option=fact(name)))
    return cleaned


def _clean_list(values: object, name: str) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise InvalidInput(say("{option}: expected a list of words", option=fact(name.rstrip("s"))))
    seen: dict[str, None] = {}
    for value in values:
        for part in _clean_text(value, name.rstrip("s")).split(","):
            if part.strip():
                seen.setdefault(" ".join(part.strip().lower().split()))
    return list(seen)


def validate(fields: dict, partial: bool = False) -> dict:
    """The editable fields of an article, cleaned; every missing required one is named."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(say("unknown article fields: {fields}", fields=", ".join(sorted(unknown))))
    cleaned: dict = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name in TEXT_FIELDS:
            cleaned[name] = _clean_text(value, name)
        elif name in LIST_FIELDS:
            cleaned[name] = _clean_list(value, name)
        else:
            from deskcli.core.calls.choices import pick

            cleaned[name] = pick("visibility", _clean_text(value, name), fact("visibility"))
    empty = [n for n in REQUIRED if (n in cleaned or not partial) and not cleaned.get(n)]
    if empty:
        raise InvalidInput(say(
            "an article needs {options}: a title, the symptoms as the caller sees them and the "
            "resolution or workaround that worked", options=", ".join(fact(n) for n in empty)),
            field=empty[0], value=empty)
    if "title" in cleaned and len(cleaned["title"]) > 200:
        raise InvalidInput(say("{title_field}: keep it under 200 characters; details go in "
                               "{symptoms_field}",
                               title_field=fact("title"), symptoms_field=fact("symptoms")),
                               value=len(cleaned["title"]), limit=200)
    return cleaned


# -- the index -----------------------------------------------------------------


def index(desk: Desk, store: Changes | None = None):
    """The search index of this desk's knowledge base, read through `store` when given."""
    from deskcli.core.model.search import KnowledgeIndex

    def load() -> list[dict]:
        if store is not None:
            return store.side(KB_SIDE).records(ARTICLES)
        with desk.repo.reading() as reader:
            return reader.side(KB_SIDE).records(ARTICLES)

    return KnowledgeIndex(desk.home, desk.repo.kb_state, load, data_file(SYNONYMS_FILE))


@contextmanager
def changing(desk: Desk) -> Iterator[tuple[Changes, Changes, list[dict]]]:
    """The repository locked for one change to the knowledge base.

    Yields the store, the knowledge base's store and a list in which the caller puts
    every article it changed; once written, the index takes those articles in.
    """
    with desk.repo.writing() as store:
        articles = store.side(KB_SIDE)
        before = desk.repo.kb_state()
        changed: list[dict] = []
        yield store, articles, changed
        if changed:
            store.after_commit(lambda: index(desk).update(before, changed))


def _history(article: dict, event: str, now: datetime, by: str, **details) -> None:
    from deskcli.core.calls.tickets import history_entry

    article.setdefault("history", []).append(history_entry(event, now, by, **details))


def new_article(fields: dict, now: datetime, by: str, *, kind: str = "article",
                tickets: list[int] | None = None, problem: int | None = None,
                source: str | None = None) -> dict:
    article = {
        "title": fields["title"], "symptoms": fields["symptoms"], "cause": fields.get("cause", ""),
        "resolution": fields["resolution"], "tags": fields.get("tags", []),
        "equipment": fields.get("equipment", []), "visibility": fields.get("visibility", "internal"),
        "kind": kind, "status": "published", "tickets": sorted(set(tickets or [])),
        "problem": problem, "source": source,
        "created_at": to_iso(now), "created_by": by, "updated_at": to_iso(now), "updated_by": by,
        "history": [],
    }
    _history(article, "created", now, by, source=source)
    return article


def insert(articles: Changes, changed: list[dict], article: dict) -> dict:
    articles.insert_record(ARTICLES, article)
    changed.append(article)
    return article


def add(desk: Desk, fields: dict, now: datetime, *, from_ticket: int | None = None) -> dict:
    """Record a new article; one drafted from a ticket keeps the ticket's number and problem."""
    from deskcli.core.calls.tickets import held, history_entry

    fields = validate(fields)
    with changing(desk) as (store, articles, changed):
        tickets, problem = [], None
        if from_ticket is not None:
            holder, ticket = held(desk, store, from_ticket)
            _check_solved(ticket)
            tickets, problem = [ticket["id"]], ticket.get("problem")
        article = insert(articles, changed, new_article(
            fields, now, desk.technician, tickets=tickets, problem=problem))
        if from_ticket is not None:
            ticket["history"].append(history_entry("kb_article", now, desk.technician,
                                                   article=article["id"], title=article["title"]))
            ticket["kb_article"] = article["id"]
            holder.update_ticket(ticket)
    return article


def _check_solved(ticket: dict) -> None:
    solution = ticket.get("solution") or {}
    if not solution.get("definitive"):
        raise RuleRefused(say(
            "#{number} has no definitive solution: an article tells how an incident was solved, "
            "so record one first (`deskcli treat {number} {solution_field} TEXT {definitive_field}`), or "
            "write the article without {from_ticket_field}", number=ticket["id"],
            solution_field=fact("solution"), definitive_field=fact("definitive"),
            from_ticket_field=fact("from_ticket")))


def draft_from_ticket(desk: Desk, ticket_id: int) -> dict:
    """The fields of an article drafted from a solved ticket, for the technician to review."""
    from deskcli.core.calls.tickets import get_ticket

    ticket = get_ticket(desk, ticket_id)
    _check_solved(ticket)
    # The caller's own words are what the next caller will say.
    symptoms = ticket.get("description") or ticket.get("reformulation") or ticket.get("summary") or ""
    actions = [a for e in ticket["history"] if e["event"] == "treatment" for a in e.get("actions", [])]
    steps = [*actions, ticket["solution"]["text"]] if actions else [ticket["solution"]["text"]]
    resolution = "\n".join(f"{i}. {s}" for i, s in enumerate(dict.fromkeys(steps), 1)) \
        if len(steps) > 1 else steps[0]
    equipment = ticket.get("equipment") or {}
    return {
        "title": ticket.get("summary") or symptoms[:80],
        "symptoms": symptoms,
        "cause": ticket.get("diagnosis") or "",
        "resolution": resolution,
        "tags": [],
        "equipment": [v for v in (equipment.get("device"), equipment.get("software")) if v],
        "visibility": "internal",
    }


def _stored(articles: Changes, article_number: int) -> dict:
    article = articles.get_record(ARTICLES, article_number)
    if article is None:
        raise NotFound(say("no article {article}; `deskcli kb list` shows them",
                           article=label(article_number)))
    return article


def edit(desk: Desk, article_number: int, changes: dict, now: datetime) -> dict:
    """Change some fields of an article; the history keeps what each field was before."""
    changes = validate(changes, partial=True)
    if not changes:
        raise InvalidInput(say("nothing to change: give {title_field}, {symptoms_field}, "
                               "{cause_field}, {resolution_field}, {tag_field}, {equipment_field} "
                               "or {visibility_field}",
                           title_field=fact("title"), symptoms_field=fact("symptoms"),
                           cause_field=fact("cause"), resolution_field=fact("resolution"),
                           tag_field=fact("tag"), equipment_field=fact("equipment"),
                           visibility_field=fact("visibility")))
    with changing(desk) as (_, articles, changed):
        article = _stored(articles, article_number)
        if article["status"] != "published":
            raise RuleRefused(say("{article} was removed; it is kept for its history only",
                                  article=label(article)))
        before = {k: article.get(k) for k, v in changes.items() if article.get(k) != v}
        if not before:
            return article
        article.update(changes, updated_at=to_iso(now), updated_by=desk.technician)
        _history(article, "edited", now, desk.technician, fields=sorted(before), before=before)
        articles.update_record(ARTICLES, article)
        changed.append(article)
    return article


def remove(desk: Desk, article_number: int, reason: str, now: datetime) -> dict:
    """Withdraw an article from searches; it stays on record with its history."""
    reason = _clean_text(reason or "", "reason")
    if not reason:
        raise InvalidInput(say("{reason_field}: say why the article is withdrawn (wrong, "
                               "obsolete, duplicate)",
                               reason_field=fact("reason")))
    with changing(desk) as (_, articles, changed):
        article = _stored(articles, article_number)
        if article["status"] == "removed":
            raise RuleRefused(say("{article} was already removed", article=label(article)))
        article.update(status="removed", updated_at=to_iso(now), updated_by=desk.technician)
        _history(article, "removed", now, desk.technician, reason=reason)
        articles.update_record(ARTICLES, article)
        changed.append(article)
    return article


def get(desk: Desk, article_number: int) -> dict:
    with desk.repo.reading() as store:
        return _stored(store.side(KB_SIDE), article_number)


def list_articles(desk: Desk, *, tag: str | None = None, kind: str | None = None,
                  faq: bool = False, removed: bool = False) -> list[dict]:
    with desk.repo.reading() as store:
        found = store.side(KB_SIDE).records(ARTICLES)
    if not removed:
        found = [a for a in found if a["status"] == "published"]
    if tag:
        wanted = " ".join(tag.strip().lower().split())
        found = [a for a in found if wanted in a.get("tags", [])]
    if kind:
        wanted_kind = check_kind(kind)
        found = [a for a in found if a["kind"] == wanted_kind]
    if faq:
        found = [a for a in found if a["visibility"] == "faq"]
    return sorted(found, key=lambda a: a["id"])


def check_kind(kind: str) -> str:
    from deskcli.core.calls.choices import pick

    return pick("article_kind", kind, fact("kind"))


def starter_articles() -> list[dict]:
    """The starter knowledge base shipped in data/kb/starter.toml."""
    import tomllib  # here only: `treat` consults the base at every call, never this file

    path = data_file(STARTER_FILE)
    try:
        with open(path, "rb") as handle:
            entries = tomllib.load(handle).get("article", [])
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DeskError(say("the starter knowledge base {path} cannot be read ({reason}); "
                            "reinstall deskcli", path=str(path), reason=str(exc))) from None
    found = []
    for entry in entries:
        fields = {k: entry.get(k) for k in EDITABLE if entry.get(k) is not None}
        found.append({"key": entry["key"], "fields": validate(fields)})
    return found


def import_defaults(desk: Desk, now: datetime) -> tuple[list[dict], int]:
    """Load the starter articles not yet in this repository: (those added, how many were there)."""
    starters = starter_articles()
    with changing(desk) as (_, articles, changed):
        present = {a.get("source") for a in articles.records(ARTICLES)}
        missing = [new_article(s["fields"], now, desk.technician, source=f"starter:{s['key']}")
                   for s in starters if f"starter:{s['key']}" not in present]
        articles.insert_records(ARTICLES, missing)
        changed.extend(missing)
    return changed, len(starters) - len(changed)


# -- searching -----------------------------------------------------------------


def ticket_text(ticket: dict) -> str:
    """What a ticket says of its problem: the words a search for similar incidents uses."""
    equipment = ticket.get("equipment") or {}
    parts = [ticket.get("summary"), ticket.get("description"), ticket.get("reformulation"),
             ticket.get("diagnosis"), equipment.get("device"), equipment.get("software")]
    return " ".join(p for p in parts if p)


def search(desk: Desk, text: str, *, limit: int = 5, kinds: list[str] | None = None,
           faq: bool = False, store: Changes | None = None, floor: float | None = None) -> list[dict]:
    """The articles that answer `text`, best first, as JSON-ready dictionaries.

    None when no article is relevant enough (its confidence under `floor`, by default the
    search's calibrated one).
    """
    return find(desk, text, limit=limit, kinds=kinds, faq=faq, store=store, floor=floor)[0]


def find(desk: Desk, text: str, *, limit: int = 5, kinds: list[str] | None = None,
         faq: bool = False, store: Changes | None = None,
         floor: float | None = None) -> tuple[list[dict], bool]:
    """`search`, and whether the base is empty when nothing was found (one index opened)."""
    if not text or not text.strip():
        raise InvalidInput(say("give the words to search for, or {ticket_field} ID",
                               ticket_field=fact("ticket")))
    if not 1 <= limit <= 100:
        raise InvalidInput(say("{limit_field}: {value} is not between 1 and 100", value=limit,
                               limit_field=fact("limit")), value=limit, limit=(1, 100))
    found = index(desk, store)
    try:
        hits, _ = found.search(text, limit=limit, kinds=kinds, visibility="faq" if faq else None,
                               floor=floor)
        empty = not hits and found.is_empty()
    finally:
        found.close()
    return [dict(hit.as_dict(), label=label(hit.id)) for hit in hits], empty


def is_empty(desk: Desk, store: Changes | None = None) -> bool:
    """No published article; asked of the index, so that kb.json is read only to rebuild it."""
    found = index(desk, store)
    try:
        return found.is_empty()
    finally:
        found.close()


def last_consultation(ticket: dict) -> dict | None:
    return next((e for e in reversed(ticket["history"]) if e["event"] == "kb_consulted"), None)


def consult(desk: Desk, store: Changes, ticket: dict, now: datetime,
            limit: int = SUGGESTIONS) -> tuple[dict, list[dict]]:
    """Search the knowledge base with the ticket's text and record that it was consulted.

    Returns the history entry and the matches, with their snippets.
    """
    from deskcli.core.calls.tickets import history_entry

    query = ticket_text(ticket)
    if query:
        matches, empty = find(desk, query, limit=limit, store=store)
    else:
        matches, empty = [], is_empty(desk, store)
    # The base held articles and none answered: a gap the solved call should fill.
    entry = history_entry("kb_consulted", now, desk.technician, query=query, empty=empty,
                          answered=bool(matches),
                          matches=[{"id": m["id"], "title": m["title"], "score": m["score"],
                                    "confidence": m["confidence"], "kind": m["kind"]}
                                   for m in matches])
    ticket["history"].append(entry)
    return entry, matches


def consult_ticket(desk: Desk, ticket_id: int, now: datetime, limit: int = 5) -> tuple[dict, list[dict]]:
    """`kb search --ticket`: search with the ticket's text and record it on the ticket."""
    from deskcli.core.calls.tickets import held

    with desk.repo.writing() as store:
        holder, ticket = held(desk, store, ticket_id)
        entry, matches = consult(desk, store, ticket, now, limit)
        holder.update_ticket(ticket)
    return entry, matches


def suggestions(desk: Desk, text: str, limit: int = SUGGESTIONS) -> list[dict]:
    """The best matches for a problem being described; nothing when there is nothing to match."""
    return search(desk, text, limit=limit) if text.strip() else []
