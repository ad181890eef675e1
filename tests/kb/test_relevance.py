"""The relevance set: queries typed as technicians type them, each with the article it must find.

The starter knowledge base is searched with every query of relevance.toml; the expected
article must be in the top 3 for at least 95% of them. The figure is printed with the
test run, and each miss is named so that a regression can be read at once.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from deskcli.core.knowledge import kb

QUERIES = tomllib.loads((Path(__file__).with_name("relevance.toml")).read_text(encoding="utf-8"))["query"]
TOP = 3
REQUIRED = 0.95


def test_the_relevance_set_is_large_and_varied():
    assert len(QUERIES) >= 40
    assert len({q["expect"] for q in QUERIES}) >= 30
    starters = {a["key"] for a in kb.starter_articles()}
    assert {q["expect"] for q in QUERIES} <= starters


@pytest.mark.both_backends  # the same ranking whichever repository holds the articles
def test_the_expected_article_is_in_the_top_3_for_95_percent_of_queries(desk, capsys, backend):
    kb.import_defaults(desk, datetime(2026, 11, 25, tzinfo=timezone.utc))
    by_source = {a["source"]: a["id"] for a in kb.list_articles(desk)}
    misses = []
    for query in QUERIES:
        found = [hit["id"] for hit in kb.search(desk, query["text"], limit=TOP)]
        if by_source[f"starter:{query['expect']}"] not in found:
            misses.append(f"{query['text']!r} -> {query['expect']} ({query.get('note', '')})")
    rate = 1 - len(misses) / len(QUERIES)
    with capsys.disabled():
        print(f"\nknowledge base relevance ({backend.name}): {len(QUERIES) - len(misses)}/{len(QUERIES)} "
              f"queries ({rate:.0%}) find their article in the top {TOP}")
        for miss in misses:
            print(f"  missed: {miss}")
    assert rate >= REQUIRED, f"only {rate:.0%} in the top {TOP}; missed: {misses}"
