"""Problems: the unknown cause behind one or more incidents, until it is a known error (seed 001 §4.4).

A problem is opened from an incident whose cause is unknown, gathers the incidents it
explains, and becomes a known error once its cause and a workaround are found; the known
error is then an article of the knowledge base that every technician's search finds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from deskcli.core.knowledge import kb
from deskcli.core.base.clock import from_iso, to_iso
from deskcli.core.store.repository import Changes, Desk, KB_SIDE
from deskcli.core.base.errors import InvalidInput, NotFound, RuleRefused
from deskcli.core.base.names import name_key, record_number, required_text
from deskcli.core.calls.tickets import held, history_entry
from deskcli.i18n import N_, fact, say

PROBLEMS = "problems"
STATUSES = ("open", "known_error")
SUGGEST_DAYS = 90
SUGGEST_MINIMUM = 3
# Two incidents are alike when this share of their words is common (Jaccard, on stems),
# or the lower share when they also come from one organisation or one piece of equipment.
ALIKE = 0.5
ALIKE_SAME_PLACE = 0.2


def problem_id(text: str | int) -> int:
    return record_number(text, "PRB", N_("a problem"))


def label(problem_or_id: dict | int) -> str:
    number = problem_or_id["id"] if isinstance(problem_or_id, dict) else problem_or_id
    return f"PRB-{number}"


def _stored(store: Changes, number: int) -> dict:
    problem = store.get_record(PROBLEMS, number)
    if problem is None:
        raise NotFound(say("no problem {problem}; `deskcli problem list` shows them",
                           problem=label(number)))
    return problem


def _attach(desk: Desk, store: Changes, problem: dict, ticket_id: int, now: datetime,
            event: str) -> None:
    holder, ticket = held(desk, store, ticket_id)
    if ticket.get("type") == "request":
        raise RuleRefused(say(
            "#{number} is a service request, not an incident: only incidents point to a problem "
            "(requalify it with `deskcli qualify {number} {type_field} incident ...` if it is one)",
            number=ticket_id, type_field=fact("type")))
    if ticket.get("problem"):
        raise RuleRefused(say("#{number} is already linked to {problem}", number=ticket_id,
                              problem=label(ticket["problem"])))
    ticket["problem"] = problem["id"]
    ticket["history"].append(history_entry(event, now, desk.technician, problem=problem["id"],
                                           title=problem["title"]))
    holder.update_ticket(ticket)
    problem["incidents"] = sorted({*problem["incidents"], ticket_id})


def _check_qualified_incident(ticket: dict) -> None:
    """Only a qualified, admissible incident joins a problem (seed 001 §4.4): its type is known."""
    number = ticket["id"]
    if ticket.get("status") == "not_admissible":
        raise RuleRefused(say(
            "#{number} is not admissible: only an admissible incident is linked to a problem "
            "(a call with a valid contract, warranty or agreed billing)", number=number))
    if not ticket.get("qualification"):
        raise RuleRefused(say(
            "#{number} is not qualified yet: only a call qualified as an incident is linked to a "
            "problem; qualify it first with `deskcli qualify {number} {type_field} incident "
            "{impact_field} ... {urgency_field} ...`", number=number,
            type_field=fact("type"), impact_field=fact("impact"), urgency_field=fact("urgency")))


def open_from_ticket(desk: Desk, ticket_id: int, now: datetime, title: str | None = None) -> dict:
    """Requalify an incident whose cause is unknown as a problem, linked to it."""
    with desk.repo.writing() as store:
        _, ticket = held(desk, store, ticket_id)
        problem = {
            "title": required_text(title, fact("title")) if title is not None
            else ticket.get("summary") or f"Problem behind #{ticket_id}",
            "description": ticket.get("description") or ticket.get("summary") or "",
            "status": "open",
            "incidents": [],
            "organisation": (ticket.get("organisation") or {}).get("name"),
            "equipment": ticket.get("equipment") or {},
            "cause": None, "workaround": None, "article": None,
            "opened_at": to_iso(now), "opened_by": desk.technician,
            "history": [],
        }
        store.insert_record(PROBLEMS, problem)
        _attach(desk, store, problem, ticket_id, now, "problem_opened")
        problem["history"].append(history_entry("opened", now, desk.technician, ticket=ticket_id))
        store.update_record(PROBLEMS, problem)
    return problem


def link(desk: Desk, number: int, ticket_id: int, now: datetime) -> dict:
    """Attach one more incident to a problem: a call qualified as an incident, admissible."""
    with desk.repo.writing() as store:
        problem = _stored(store, number)
        _check_qualified_incident(held(desk, store, ticket_id)[1])
        _attach(desk, store, problem, ticket_id, now, "problem_linked")
        problem["history"].append(history_entry("linked", now, desk.technician, ticket=ticket_id))
        store.update_record(PROBLEMS, problem)
    return problem


def known_error(desk: Desk, number: int, *, cause: str, workaround: str, now: datetime,
                visibility: str = "internal") -> tuple[dict, dict]:
    """Record the cause and workaround of a problem: it becomes a known error, and an article.

    The problem and its article are written in one change, so neither exists without the other.
    """
    cause = required_text(cause, fact("cause"))
    workaround = required_text(workaround, fact("workaround"))
    with kb.changing(desk) as (store, articles, changed):
        problem = _stored(store, number)
        if problem["status"] == "known_error":
            raise RuleRefused(say(
                "{problem} is already a known error ({article}); change its article with "
                "`deskcli kb edit {number}`", problem=label(problem),
                article=kb.label(problem["article"]), number=problem["article"]))
        fields = kb.validate({"title": problem["title"], "symptoms": problem["description"]
                              or problem["title"], "cause": cause, "resolution": workaround,
                              "visibility": visibility,
                              "equipment": [v for v in (problem["equipment"].get("device"),
                                                        problem["equipment"].get("software")) if v]})
        article = kb.insert(articles, changed, kb.new_article(
            fields, now, desk.technician, kind="known_error", tickets=problem["incidents"],
            problem=problem["id"]))
        problem.update(status="known_error", cause=cause, workaround=workaround,
                       article=article["id"])
        problem["history"].append(history_entry("known_error", now, desk.technician,
                                                article=article["id"]))
        store.update_record(PROBLEMS, problem)
    return problem, article


def get(desk: Desk, number: int) -> dict:
    with desk.repo.reading() as store:
        return _stored(store, number)


def list_problems(desk: Desk, status: str | None = None) -> list[dict]:
    if status is not None:
        from deskcli.core.calls.choices import pick

        status = pick("problem_status", status, fact("status"))
    with desk.repo.reading() as store:
        found = store.records(PROBLEMS)
    return [p for p in sorted(found, key=lambda p: p["id"]) if status in (None, p["status"])]


def known_errors_for(desk: Desk, ticket: dict, limit: int = kb.SUGGESTIONS) -> list[dict]:
    """Known errors worth offering while a ticket is treated: its own problem's, then similar ones."""
    text = kb.ticket_text(ticket)
    similar = kb.search(desk, text, limit=limit, kinds=["known_error"]) if text else []
    if not ticket.get("problem") and not similar:
        return []  # the usual case, answered by the index alone
    with desk.repo.reading() as store:
        problem = store.get_record(PROBLEMS, ticket["problem"]) if ticket.get("problem") else None
        articles = store.side(KB_SIDE)
        offered = [dict(articles.get_record(kb.ARTICLES, problem["article"]), linked=True)] \
            if problem and problem.get("article") else []
        offered += [dict(articles.get_record(kb.ARTICLES, hit["id"]), linked=False, score=hit["score"])
                    for hit in similar if all(hit["id"] != a["id"] for a in offered)]
    return [a for a in offered if a["status"] == "published"][:limit]


# -- recurring incidents ---------------------------------------------------------


def _stems(text: str) -> frozenset[str]:
    from deskcli.core.model.search import terms, words

    return frozenset(t for w in words(text) for t in terms(w)[:1])


def _places(ticket: dict) -> set[str]:
    equipment = ticket.get("equipment") or {}
    found = {f"org:{name_key(ticket['organisation']['name'])}"} if ticket.get("organisation") else set()
    found |= {f"eq:{name_key(v)}" for v in (equipment.get("device"), equipment.get("software")) if v}
    return found


def suggest(desk: Desk, now: datetime, *, days: int = SUGGEST_DAYS,
            minimum: int = SUGGEST_MINIMUM) -> list[dict]:
    """Groups of similar incidents of the period not yet tied to a problem, largest first."""
    if not 1 <= days <= 3660:
        raise InvalidInput(say("{days_field}: {value} is not between 1 and 3660", value=days,
                               days_field=fact("days")), value=days, limit=(1, 3660))
    if minimum < 2:
        raise InvalidInput(say("{min_field}: {value} is below 2; a group is at least two incidents",
                               value=minimum,
                               min_field=fact("min")), value=minimum, limit=(2, None))
    since = now - timedelta(days=days)
    with desk.repo.reading() as store:
        active = store.tickets()
    candidates = [t for t in [*active, *desk.repo.archived_tickets(opened_since=to_iso(since))]
                  if t.get("type") != "request" and not t.get("problem")
                  and t.get("status") != "not_admissible" and from_iso(t["opened_at"]) >= since]
    candidates.sort(key=lambda t: t["id"])
    stems = [_stems(kb.ticket_text(t)) for t in candidates]
    places = [_places(t) for t in candidates]
    parent = list(range(len(candidates)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(candidates)):
        for j in range(i + 1, len(candidates)):
            union = stems[i] | stems[j]
            if not union:
                continue
            share = len(stems[i] & stems[j]) / len(union)
            if share >= ALIKE or (share >= ALIKE_SAME_PLACE and places[i] & places[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(candidates)):
        groups.setdefault(root(i), []).append(i)
    found = []
    for members in groups.values():
        if len(members) < minimum:
            continue
        tickets = [candidates[i] for i in members]
        common = frozenset.intersection(*(stems[i] for i in members))
        shared = set.intersection(*(places[i] for i in members))
        found.append({
            "tickets": [t["id"] for t in tickets],
            "summaries": [t.get("summary") or "" for t in tickets],
            "organisations": sorted({t["organisation"]["name"] for t in tickets if t.get("organisation")}),
            "shared": sorted(p.split(":", 1)[1] for p in shared),
            "common_words": sorted(common),
            "first": min(t["opened_at"] for t in tickets),
            "last": max(t["opened_at"] for t in tickets),
        })
    found.sort(key=lambda g: (-len(g["tickets"]), g["tickets"][0]))
    return found


def ticket_problem(desk: Desk, ticket: dict) -> dict | None:
    """The problem a ticket is linked to, for showing beside it."""
    if not ticket.get("problem"):
        return None
    with desk.repo.reading() as store:
        return store.get_record(PROBLEMS, ticket["problem"])

