"""Runs the examples of a Markdown page (README.md, docs/*.md) as a user would type them.

A page's fenced blocks are taken in order:

- ```console blocks are run: each `$ deskcli ...` line (a trailing `\\` continues it) is
  run through deskcli's entry point, in-process, as at an 80-column terminal (hints on
  stderr, tables fitted, no colour), in the page's own scratch directory and repository,
  at the page's fixed time; what follows the line, up to the next `$`, is what the
  terminal shows (stdout and stderr as they interleave). `...` in the expected text
  stands for anything (a path, a generated id). A command that exits non-zero must be
  followed by `$ echo $?` and its code. `< FILE` feeds stdin, `<<EOF` a here-document,
  `> FILE` keeps stdout in a file (then stdout is a file, not the terminal), and
  `cat FILE` shows a file; leading `NAME=value` words set the environment of one command.
  Every line a command shows fits the 80 columns, except a JSON document (`--json`),
  a table asked whole (`--wide`), another width asked (`COLUMNS=`) and a file (`cat`).
- A block whose info string holds `file=NAME` (```json file=calls.json) is written to
  NAME in the scratch directory, for the commands after it.
- Every other block (```sh, plain ```, ```procmail ...) is checked, not run: each command
  that calls deskcli (also after `&&`, `|` or `;`) is parsed by deskcli's own parser, so
  an unknown verb, an unknown option or a value of the wrong kind fails; ```toml blocks
  must parse as TOML.
- `<!-- docs-clock: 2026-11-25 10:20 -->` between blocks moves the page's clock (UTC).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-25 10:00"  # each page's clock starts here unless it says otherwise
TECHNICIAN = "nadia"
COLUMNS = "80"

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_CLOCK = re.compile(r"<!--\s*docs-clock:\s*(.+?)\s*-->")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SEPARATORS = {"&&", "||", "|", ";"}
# What may be wider than the terminal: a JSON document, a table asked whole, a width asked
# for, a file shown as it is.
_ANY_WIDTH = re.compile(r"(^|\s)(--json|--wide|COLUMNS=\S*)(\s|$)|^cat\s")
_REDIRECTS = {"<", ">", ">>", "2>", "2>&1", "<<", "<<-"}


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@dataclass
class Block:
    info: str
    lines: list[str]
    line: int  # the line of the opening fence, from 1

    @property
    def kind(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def file(self) -> str | None:
        match = re.search(r"\bfile=(\S+)", self.info)
        return match.group(1) if match else None


@dataclass
class Clock:
    when: str
    line: int


def parse(text: str) -> list[Block | Clock]:
    """The page's fenced blocks and clock marks, in order."""
    items: list[Block | Clock] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening:
            indent, fence, info = opening.groups()
            body = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(fence):
                body.append(lines[index][len(indent):] if lines[index].startswith(indent) else lines[index])
                index += 1
            items.append(Block(info.strip(), body, index - len(body)))
        else:
            for match in _CLOCK.finditer(lines[index]):
                items.append(Clock(match.group(1), index + 1))
        index += 1
    return items


def logical_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Lines joined across a trailing backslash, each with its index in `lines`."""
    joined: list[tuple[int, str]] = []
    current, start = "", 0
    for index, line in enumerate(lines):
        if not current:
            start = index
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        joined.append((start, current + line))
        current = ""
    if current:
        joined.append((start, current))
    return joined


def words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def deskcli_calls(line: str) -> list[list[str]]:
    """The argument lists of every deskcli command on a shell line (env words and
    redirections left out)."""
    calls, segment = [], []
    for word in [*words(line), ";"]:
        if word in _SEPARATORS or word.startswith(("&", "|", ";")):
            while segment and _ASSIGNMENT.match(segment[0]):
                segment.pop(0)
            if segment and Path(segment[0]).name == "deskcli":
                calls.append(_without_redirections(segment[1:]))
            segment = []
        else:
            segment.append(word)
    return calls


def _without_redirections(args: list[str]) -> list[str]:
    kept, skip = [], False
    for word in args:
        if skip:
            skip = False
        elif word in _REDIRECTS or word.startswith(("<", ">")):
            # `< FILE`, `> FILE`, `<< EOF`: the next word goes with it; `<<EOF` is one word.
            skip = word in ("<", ">", ">>", "2>", "<<", "<<-")
        else:
            kept.append(word)
    return kept


def _base_command_class():
    from typer.core import TyperCommand

    return [c for c in TyperCommand.__mro__ if c.__name__ == "Command"][-1]


def check_parses(args: list[str]) -> tuple[int, str]:
    """deskcli's own parser on `args`, every option and value checked, nothing run: the
    exit code (0 when it parses) and what it said."""
    from deskcli.cli import app

    command = _base_command_class()
    original = command.invoke
    command.invoke = lambda self, ctx: None
    try:
        result = CliRunner().invoke(app, args, prog_name="deskcli")
    finally:
        command.invoke = original
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


class _TerminalRunner(CliRunner):
    """CliRunner whose stdout and stderr are an 80-column terminal, line-buffered as one is."""

    def __init__(self, stdout_is_terminal: bool = True):
        super().__init__()
        self.stdout_is_terminal = stdout_is_terminal

    @contextlib.contextmanager
    def isolation(self, *args, **kwargs):
        with super().isolation(*args, **kwargs) as streams:
            for stream, terminal in ((sys.stdout, self.stdout_is_terminal), (sys.stderr, True)):
                stream.isatty = (lambda: True) if terminal else (lambda: False)
                stream.reconfigure(line_buffering=True, write_through=True)
            yield streams


@dataclass
class Failure:
    line: int
    message: str


@dataclass
class Session:
    """A page's scratch directory, repository and clock."""

    workdir: Path
    failures: list[Failure] = field(default_factory=list)
    last_exit: int | None = None
    unchecked_exit: tuple[int, str] | None = None
    commands_run: int = 0
    transcript: list[str] = field(default_factory=list)
    shown: dict[int, str] = field(default_factory=dict)  # by the command's line

    def run_console(self, block: Block, path: Path) -> None:
        steps = _console_steps(block.lines)
        for offset, command, heredoc, expected in steps:
            line = block.line + 1 + offset
            if self.unchecked_exit and command.strip() != "echo $?":
                self.failures.append(Failure(*self.unchecked_exit))
            self.unchecked_exit = None
            shown = self._run(command, heredoc, line)
            if shown is None:
                continue
            self.transcript.append(f"{path.name}:{line}\n$ {command}\n{shown}")
            self.shown[line] = shown
            wide = [text for text in shown.splitlines() if len(text) > int(COLUMNS)]
            if wide and not _ANY_WIDTH.search(command):
                self.failures.append(Failure(line, f"`$ {command}` shows lines wider than "
                                                   f"{COLUMNS} columns:\n" + "\n".join(wide)))
            if not matches("\n".join(expected), shown):
                self.failures.append(Failure(line, f"`$ {command}` shows:\n{shown}\n--- but the page says:\n"
                                                   + "\n".join(expected)))
        if self.unchecked_exit:
            self.failures.append(Failure(*self.unchecked_exit))
            self.unchecked_exit = None

    def _run(self, command: str, heredoc: str | None, line: int) -> str | None:
        argv = words(command)
        env: dict[str, str] = {}
        while argv and _ASSIGNMENT.match(argv[0]):
            name, value = argv.pop(0).split("=", 1)
            env[name] = value
        if argv == ["echo", "$?"]:
            return f"{self.last_exit}\n"
        if argv[:1] == ["cat"] and len(argv) == 2:
            return (self.workdir / argv[1]).read_text(encoding="utf-8")
        if not argv or argv[0] != "deskcli":
            self.failures.append(Failure(line, f"a console block runs only deskcli, echo $? and cat: {command}"))
            return None
        stdin: str | None = heredoc
        stdout_file: Path | None = None
        args: list[str] = []
        words_left = iter(argv[1:])
        for word in words_left:
            if word == "<":
                stdin = (self.workdir / next(words_left)).read_text(encoding="utf-8")
            elif word.startswith("<<"):
                if word in ("<<", "<<-"):
                    next(words_left)  # the marker: the here-document's body is `heredoc`
            elif word == ">":
                stdout_file = self.workdir / next(words_left)
            elif word in _SEPARATORS:
                self.failures.append(Failure(line, f"pipes are not run in console blocks: {command}"))
                return None
            else:
                args.append(word)
        from deskcli.cli import app

        runner = _TerminalRunner(stdout_is_terminal=stdout_file is None)
        with _cwd(self.workdir):
            result = runner.invoke(app, args, input=stdin, env=env or None, prog_name="deskcli",
                                   catch_exceptions=False)
        self.commands_run += 1
        self.last_exit = result.exit_code
        if result.exit_code != 0:
            self.unchecked_exit = (line, f"`$ {command}` exited {result.exit_code}: the page must "
                                         f"show it with `$ echo $?`\n{result.output}")
        if stdout_file is not None:
            stdout_file.write_text(result.stdout, encoding="utf-8")
            return result.stderr
        return result.output


def _console_steps(lines: list[str]) -> list[tuple[int, str, str | None, list[str]]]:
    """(line offset, command, here-document, expected lines) for each `$ ` command."""
    steps: list[tuple[int, str, str | None, list[str]]] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            index += 1
            continue
        start = index
        command = lines[index][2:]
        while command.rstrip().endswith("\\") and index + 1 < len(lines):
            index += 1
            command = command.rstrip()[:-1] + " " + lines[index].strip()
        index += 1
        heredoc = None
        marker = re.search(r"<<-?\s*'?\"?(\w+)", command)
        if marker:
            body = []
            while index < len(lines) and lines[index].strip() != marker.group(1):
                body.append(lines[index])
                index += 1
            index += 1
            heredoc = "\n".join(body) + "\n"
        expected = []
        while index < len(lines) and not lines[index].startswith("$ "):
            expected.append(lines[index])
            index += 1
        steps.append((start, command, heredoc, expected))
    return steps


def matches(expected: str, actual: str) -> bool:
    """`actual` as the page shows it: trailing spaces and blank lines aside, `...` for
    anything (several lines too)."""
    def tidy(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())

    # The spaces beside `...` belong to what it stands for: a long path may wrap the line.
    parts = tidy(expected).split("...")
    parts = [part.lstrip(" ") if index else part for index, part in enumerate(parts)]
    parts = [part.rstrip(" ") if index < len(parts) - 1 else part for index, part in enumerate(parts)]
    pattern = ".*?".join(re.escape(part) for part in parts)
    return re.fullmatch(pattern, tidy(actual), re.DOTALL) is not None


@contextlib.contextmanager
def _cwd(path: Path):
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def check_block(block: Block) -> list[Failure]:
    """A block that is not run: its deskcli commands parse, its TOML is TOML."""
    failures = []
    if block.kind == "toml":
        try:
            tomllib.loads("\n".join(block.lines))
        except tomllib.TOMLDecodeError as exc:
            failures.append(Failure(block.line, f"not TOML: {exc}"))
        return failures
    if block.kind in ("json", "csv", "text", "jsonl", "eml"):
        return failures
    lines = [line[2:] if line.startswith("$ ") else line for line in block.lines]
    for offset, line in logical_lines(lines):
        try:
            calls = deskcli_calls(line)
        except ValueError as exc:
            failures.append(Failure(block.line + 1 + offset, f"{exc}: {line}"))
            continue
        for args in calls:
            code, said = check_parses(args)
            if code != 0:
                failures.append(Failure(block.line + 1 + offset,
                                        f"`deskcli {shlex.join(args)}` does not parse:\n{said}"))
    return failures


@contextlib.contextmanager
def scratch():
    """A new scratch directory whose path always has the same length, so that messages
    naming it wrap at the same place on every run (the page writes it as `...`)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="deskcli-docs-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_page(path: Path, workdir: Path, monkeypatch) -> Session:
    """Every example of the page, in order, in `workdir` (from `scratch()`): the
    failures and counts."""
    from freezegun import freeze_time

    home = workdir / "desk"
    for name in ("DESKCLI_DATABASE_URL", "DESKCLI_DEBUG", "FORCE_COLOR", "CLICOLOR_FORCE",
                 "LC_ALL", "LC_MESSAGES", "LANG", "EDITOR", "VISUAL", "XDG_DATA_HOME",
                 "XDG_CONFIG_HOME", "BASH_COMPLETION_USER_DIR", "ZDOTDIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"DESKCLI_HOME": str(home), "DESKCLI_USER": TECHNICIAN, "COLUMNS": COLUMNS,
                        "LINES": "40", "NO_COLOR": "1", "DESKCLI_LANG": "en", "TZ": "UTC",
                        "TERM": "xterm", "HOME": str(workdir), "SHELL": "/bin/bash"}.items():
        monkeypatch.setenv(name, value)
    import time

    time.tzset()
    session = Session(workdir)
    clock = freeze_time(START)
    clock.start()
    try:
        for item in parse(path.read_text(encoding="utf-8")):
            if isinstance(item, Clock):
                clock.stop()
                clock = freeze_time(item.when)
                clock.start()
            elif item.file:
                target = workdir / item.file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("\n".join(item.lines) + "\n", encoding="utf-8")
                session.failures.extend(check_block(item))
            elif item.kind == "console":
                session.run_console(item, path)
            else:
                session.failures.extend(check_block(item))
    finally:
        clock.stop()
    return session


def report(path: Path, failures: list[Failure]) -> str:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return "\n\n".join(f"{name}:{f.line}: {f.message}" for f in failures)


def fill(path: Path, session: Session) -> str:
    """The page with what each console command showed written under the commands that
    show nothing yet (for writing a page; the output is then read and checked by eye)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for number, line in enumerate(lines, start=1):
        out.append(line)
        if number not in session.shown:
            continue
        continued, last = number, line
        while last.rstrip().endswith("\\"):
            continued += 1
            last = lines[continued - 1]
        marker = re.search(r"<<-?\s*'?\"?(\w+)", last)
        if marker:  # the output goes after the here-document
            while continued < len(lines) and lines[continued].strip() != marker.group(1):
                continued += 1
            continued += 1
        following = lines[continued] if continued < len(lines) else ""
        if following.startswith(("$ ", "```")):
            out.extend(lines[number:continued])
            shown = re.sub(re.escape(str(session.workdir)), "...", session.shown[number])
            out.extend(l.rstrip() for l in shown.rstrip("\n").splitlines())
            lines[number:continued] = [None] * (continued - number)
    return "\n".join(l for l in out if l is not None) + "\n"


if __name__ == "__main__":
    # `python tests/docs/docexamples.py [--fill] docs/PAGE.md`: what each console command
    # of the page really shows (--fill: written into the page under commands that show
    # nothing yet), to write the page's expected text and review it.
    from _pytest.monkeypatch import MonkeyPatch

    filling = "--fill" in sys.argv
    with scratch() as workdir, MonkeyPatch.context() as patch:
        page = Path([a for a in sys.argv[1:] if a != "--fill"][0]).resolve()
        done = run_page(page, workdir, patch)
        print("\n".join(done.transcript))
        if filling:
            page.write_text(fill(page, done), encoding="utf-8")
        else:
            print(report(page, done.failures) or "no failures", file=sys.stderr)
