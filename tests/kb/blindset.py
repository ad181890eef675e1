"""The blind relevance set (blind.toml), split into its tuning and held-out halves, and measured.

    python tests/kb/blindset.py [tune|held-out|old] [--show]

prints the figures of one half (and each miss) on the starter knowledge base, in a
scratch repository. The split is the one blind.toml's header states.
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).parent
TOP = 3


def _alternate(entries: list[dict], held_out: bool) -> list[dict]:
    return [e for i, e in enumerate(entries) if i % 2 == int(held_out)]


def blind_half(held_out: bool) -> tuple[list[dict], list[dict]]:
    """(queries, uncovered problems) of one half of blind.toml."""
    data = tomllib.loads((HERE / "blind.toml").read_text(encoding="utf-8"))
    by_article: dict[str, list[dict]] = {}
    for query in data["query"]:
        by_article.setdefault(query["expect"], []).append(query)
    queries = [q for group in by_article.values() for q in _alternate(group, held_out)]
    return queries, _alternate(data["uncovered"], held_out)


def old_set() -> list[dict]:
    return tomllib.loads((HERE / "relevance.toml").read_text(encoding="utf-8"))["query"]


class Figures(NamedTuple):
    queries: int
    first: float
    top3: float
    uncovered: int
    silent: float
    misses: list[str]
    answered: list[str]

    def line(self) -> str:
        text = (f"{self.queries} queries: first {self.first:.1%}, top {TOP} {self.top3:.1%}")
        if self.uncovered:
            text += f"; {self.uncovered} uncovered: no relevant article for {self.silent:.1%}"
        return text


def measure(desk, queries: list[dict], uncovered: list[dict], floor: float | None = None,
            trace: bool = False) -> Figures:
    """How the search of `desk` (holding the starter articles) does on a set of queries."""
    from deskcli.core.knowledge import kb

    by_source = {a["source"].removeprefix("starter:"): a["id"] for a in kb.list_articles(desk)}
    keys = {v: k for k, v in by_source.items()}
    first = top = 0
    misses, answered = [], []
    for query in queries:
        right = {by_source[query["expect"]], *(by_source[k] for k in query.get("also", []))}
        hits = kb.search(desk, query["text"], limit=TOP, floor=floor)
        found = [hit["id"] for hit in hits]
        if trace:
            print(f"{'+' if found and found[0] in right else '-'} {query['text']!r} [{query['expect']}]: "
                  + ", ".join(f"{keys[h['id']]}{'*' if h['id'] in right else ''} {h['confidence']} {h['score']}" for h in hits))
        first += bool(found) and found[0] in right
        top += bool(right & set(found))
        if not found or found[0] not in right:
            where = next((i + 1 for i, f in enumerate(found) if f in right), None)
            misses.append(f"{query['text']!r} -> {query['expect']} [{query.get('style', query.get('note'))}]: "
                          f"{'rank ' + str(where) if where else 'not in top 3'}; got "
                          f"{[keys[f] for f in found] or 'no relevant article'}")
    silent = 0
    for problem in uncovered:
        found = kb.search(desk, problem["text"], limit=TOP, floor=floor)
        if trace:
            print(f"U {problem['text']!r}: " + ", ".join(f"{keys[h['id']]} {h['confidence']} {h['score']}" for h in found))
        silent += not found
        if found:
            answered.append(f"{problem['text']!r} -> {found[0]['source'] if 'source' in found[0] else keys[found[0]['id']]} "
                            f"(confidence {found[0]['confidence']})")
    n, u = len(queries) or 1, len(uncovered) or 1
    return Figures(len(queries), first / n, top / n, len(uncovered), silent / u, misses, answered)


def starter_desk(home: Path):
    from deskcli.core.knowledge import kb
    from deskcli.core.app.desk import open_desk

    desk = open_desk(home, "alice")
    kb.import_defaults(desk, datetime(2026, 12, 2, tzinfo=timezone.utc))
    return desk


def main(argv: list[str]) -> None:
    which = argv[0] if argv else "tune"
    floor = float(argv[argv.index("--floor") + 1]) if "--floor" in argv else None
    trace = "--trace" in argv
    with tempfile.TemporaryDirectory(prefix="deskcli-blind-") as scratch:
        desk = starter_desk(Path(scratch))
        if which == "old":
            figures = measure(desk, old_set(), [], floor, trace)
        else:
            figures = measure(desk, *blind_half(which == "held-out"), floor, trace)
        print(f"{which}: {figures.line()}")
        for miss in figures.misses:
            print("  missed:", miss)
        for problem in figures.answered:
            print("  answered uncovered:", problem)
        desk.repo.close()


if __name__ == "__main__":
    main(sys.argv[1:])
