"""The knowledge base: articles of solved incidents, consulted before any transfer."""

from __future__ import annotations

from datetime import datetime

from deskcli.core.desk import Desk
from deskcli.core.names import name_key
from deskcli.core.storage import Store
from deskcli.core.tickets import history_entry

ARTICLES = "articles"


def ticket_text(ticket: dict) -> str:
    """What a ticket says of its problem: the words a search for similar incidents uses."""
    parts = [ticket.get("summary"), ticket.get("description"), ticket.get("reformulation"),
             ticket.get("diagnosis"), (ticket.get("equipment") or {}).get("software")]
    return " ".join(p for p in parts if p)


def rank(articles: list[dict], query: str, limit: int = 5) -> list[dict]:
    """Articles sharing words with the query, most shared first."""
    words = {w for w in name_key(query).split() if len(w) > 2}
    scored = []
    for article in articles:
        text = name_key(" ".join(str(article.get(k) or "") for k in ("title", "symptoms", "cause", "resolution")))
        score = len(words & set(text.split()))
        if score:
            scored.append({"id": article["id"], "title": article["title"], "score": float(score)})
    scored.sort(key=lambda m: (-m["score"], m["id"]))
    return scored[:limit]


def last_consultation(ticket: dict) -> dict | None:
    return next((e for e in reversed(ticket["history"]) if e["event"] == "kb_consulted"), None)


def consult(desk: Desk, store: Store, ticket: dict, now: datetime) -> dict:
    """Search the knowledge base with the ticket's text and record that it was consulted."""
    articles = store.records(ARTICLES)
    query = ticket_text(ticket)
    matches = rank(articles, query) if articles else []
    entry = history_entry("kb_consulted", now, desk.technician, query=query,
                          empty=not articles, matches=[{"id": m["id"], "title": m["title"]} for m in matches])
    ticket["history"].append(entry)
    return entry
