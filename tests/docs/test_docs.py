"""The examples of README.md and docs/ run as shown, and their links lead somewhere."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docexamples  # noqa: E402
from docexamples import ROOT, pages, run_page, scratch  # noqa: E402

PAGES = pages()
MINIMUM_RUN = 90  # deskcli commands run across README.md and docs/


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_examples_run_as_shown(page, monkeypatch):
    with scratch() as workdir:
        session = run_page(page, workdir, monkeypatch)
    assert not session.failures, docexamples.report(page, session.failures)


def test_the_docs_run_real_examples():
    """Guards against console blocks turned into plain text one by one: the pages keep
    showing commands that run (test_examples_run_as_shown runs them)."""
    run = sum(1 for page in PAGES for block in docexamples.parse(page.read_text(encoding="utf-8"))
              if isinstance(block, docexamples.Block) and block.kind == "console"
              for line in block.lines if line.startswith("$ deskcli"))
    assert run >= MINIMUM_RUN


# ---- links ---------------------------------------------------------------------------

_LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text outside fenced blocks and inline code."""
    kept, fenced = [], None
    for line in text.splitlines():
        mark = re.match(r"\s*(`{3,}|~{3,})", line)
        if mark and (fenced is None or line.strip().startswith(fenced)):
            fenced = mark.group(1) if fenced is None else None
            continue
        if fenced is None:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the page's headings."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    for line in _prose(path.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    # Headings are written with inline code too: take their text from the raw line.
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"#{1,6}\s+(.*?)\s*$", line)
        if heading:
            found.add(re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-"))
    return found


def links(path: Path) -> list[str]:
    return [target for target in _LINK.findall(_prose(path.read_text(encoding="utf-8")))
            if not re.match(r"[a-z]+:", target)]


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in links(path):
        file, _, anchor = target.partition("#")
        destination = (path.parent / file).resolve() if file else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_relative_links_resolve(page):
    assert not broken_links(page)


def test_the_readme_links_every_docs_page():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    missing = [_id(p) for p in PAGES[1:] if p.resolve() not in linked
               and p.parent == ROOT / "docs"]
    assert not missing, f"README.md links no page of: {missing}"


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\n## The `x` part\n\nSee [b](b.md), [here](#title), "
                                   "[there](#the-x-part), [gone](#nowhere), [c](a.md#missing).\n")
    assert broken_links(tmp_path / "a.md") == [
        "b.md: no such file", "#nowhere: no heading #nowhere in a.md",
        "a.md#missing: no heading #missing in a.md"]


# ---- the runner catches what has gone stale --------------------------------------------

def _failures(tmp_path, monkeypatch, text):
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    # The pages' own scratch directory: pytest's tmp_path grows with the test's name and
    # the worker's, and a message naming it would wrap differently.
    with scratch() as workdir:
        return run_page(path, workdir, monkeypatch).failures


GOOD = """
```console
$ deskcli open --caller "Karim Benali" --summary "Printer offline"
Ticket #1 recorded as NOT admissible for Karim Benali.
...
Next: deskcli close 1
$ deskcli close 7
Error: ...
$ echo $?
1
```
"""


def test_a_right_example_passes(tmp_path, monkeypatch):
    assert _failures(tmp_path, monkeypatch, GOOD) == []


def test_a_wrong_output_fails(tmp_path, monkeypatch):
    failures = _failures(tmp_path, monkeypatch, GOOD.replace("Next: deskcli close 1", "Next: deskcli qualify 1"))
    assert len(failures) == 1 and "but the page says" in failures[0].message
    assert failures[0].line == 3


def test_a_line_wider_than_the_terminal_fails(tmp_path, monkeypatch):
    failures = _failures(tmp_path, monkeypatch, "```console\n$ COLUMNS=120 deskcli sla\n...\n```\n")
    assert failures == []  # a width asked for is shown as asked
    from deskcli.ui import output

    # The opening hours on one line, as they were before they wrapped.
    monkeypatch.setattr(output, "paragraph", lambda text, *args, **kwargs: print(text))
    hours = '```toml file=desk/settings.toml\n[hours]\nmonday = ["09:00-12:30", "13:30-18:00"]\n```\n'
    failures = _failures(tmp_path / "narrow", monkeypatch, hours + "```console\n$ deskcli sla\n...\n```\n")
    assert len(failures) == 1 and "wider than 80 columns" in failures[0].message


def test_an_unchecked_failure_fails(tmp_path, monkeypatch):
    failures = _failures(tmp_path, monkeypatch, GOOD.replace("$ echo $?\n1\n", ""))
    assert len(failures) == 1 and "exited 1" in failures[0].message


@pytest.mark.parametrize("line", [
    "deskcli open --calller Karim --summary x",         # unknown option
    "deskcli lsit",                                      # unknown verb
    "deskcli treat 1 --minutes many",                    # a value of the wrong kind
    "deskcli export --format csv > x.csv && deskcli kb serch printer",
    "echo ok | deskcli open --from - --formt email",
])
def test_a_command_that_does_not_parse_fails(tmp_path, monkeypatch, line):
    failures = _failures(tmp_path, monkeypatch, f"```sh\ndeskcli list   # fine\n{line}\n```\n")
    assert len(failures) == 1 and "does not parse" in failures[0].message, failures
    assert failures[0].line == 3


def test_an_unknown_option_in_a_console_block_fails(tmp_path, monkeypatch):
    failures = _failures(tmp_path, monkeypatch, "```console\n$ deskcli list --staus open\n"
                                                "$ echo $?\n0\n```\n")
    assert failures and failures[0].line == 2 and "No such option" in failures[0].message


def test_a_parsed_command_is_not_run(tmp_path, monkeypatch):
    assert _failures(tmp_path, monkeypatch, "```sh\ndeskcli open --caller K --summary S\n```\n") == []
    assert not (tmp_path / "work" / "desk").exists()


def test_files_and_clock_marks_feed_the_commands(tmp_path, monkeypatch):
    text = """
```json file=calls.jsonl
{"caller": "Karim Benali", "summary": "Printer offline"}
```

<!-- docs-clock: 2026-11-26 09:30 -->

```console
$ deskcli open --from calls.jsonl > numbers.txt
...
$ cat numbers.txt
1
$ deskcli show 1 --json
...2026-11-26T09:30:00Z...
```
"""
    assert _failures(tmp_path, monkeypatch, text) == []


def test_broken_toml_fails(tmp_path, monkeypatch):
    failures = _failures(tmp_path, monkeypatch, "```toml\n[desk\n```\n")
    assert len(failures) == 1 and "not TOML" in failures[0].message
