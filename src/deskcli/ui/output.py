"""The one output layer: data on stdout, messages on stderr, JSON as exactly one document."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Callable, Iterable

from deskcli.i18n import _, datetime_text

# Ticket text comes from callers and scripts: control characters could drive the
# terminal, so they are shown escaped, never written raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


_BREAKS = re.compile(r"[ \t\r\n\x0b\x0c]+")


def safe_line(value: Any) -> str:
    """One table cell: escaped, and on one line (a no-break space stays what it is)."""
    return _BREAKS.sub(" ", safe(value)).strip()


def when(iso: str | None) -> str:
    """A stored UTC time as the technician reads it: local, to the minute, in the session's
    language."""
    from deskcli.core.base.clock import local

    return datetime_text(local(iso)) if iso else ""


# -- the terminal: width, colour, quiet ---------------------------------------------------

class _Settings:
    no_color = False   # --no-color
    quiet = False      # --quiet: no next-step lines
    wide = False       # --wide: tables keep every column and whole values
    json = False       # --json: nothing but the document on stdout


settings = _Settings()


def configure(*, no_color: bool = False, quiet: bool = False, wide: bool = False,
              json: bool = False) -> None:
    """The global options that shape what is written, set once per run."""
    settings.no_color, settings.quiet, settings.wide, settings.json = no_color, quiet, wide, json


def is_terminal(stream: Any = None) -> bool:
    stream = sys.stdout if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _forced() -> bool:
    return any(os.environ.get(name, "") not in ("", "0") for name in ("FORCE_COLOR", "CLICOLOR_FORCE"))


def colour_on(stream: Any = None) -> bool:
    """Colour only for a person at a terminal: --no-color and NO_COLOR (https://no-color.org)
    switch it off, FORCE_COLOR or CLICOLOR_FORCE switch it on for a pipe (a pager, CI)."""
    if settings.no_color or os.environ.get("NO_COLOR"):
        return False
    if _forced():
        return True
    return is_terminal(stream) and os.environ.get("TERM") != "dumb"


# ANSI's select graphic rendition codes; every colour is also a word or a mark on the
# screen, so nothing is lost without it.
_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36",
           "alarm": "1;31", "warning": "1;33"}


class Styled(str):
    """A table cell or a word with the style it is painted in on a colour terminal."""

    style: str | None

    def __new__(cls, text: Any, style: str | None) -> "Styled":
        self = super().__new__(cls, text)
        self.style = style
        return self


def paint(text: str, style: str | None, stream: Any = None) -> str:
    if not style or not text or not colour_on(stream):
        return text
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def width(stream: Any = None) -> int | None:
    """The columns a screen has, or None for a pipe or a file (whole values) or --wide."""
    if settings.wide or not is_terminal(stream):
        return None
    return terminal_width(stream)


def terminal_width(stream: Any = None) -> int:
    """COLUMNS, or the width of the terminal `stream` is (stdout by default), or 100.

    Asked of the stream itself: with stdout piped (`deskcli ... | cat`), the messages on a
    terminal's stderr still fit it."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for candidate in (stream, sys.__stdout__, sys.__stderr__):
        try:
            found = os.get_terminal_size(candidate.fileno()).columns
        except (AttributeError, ValueError, OSError):
            continue
        if found > 0:
            return found
    return 100


def wrap(text: str, columns: int | None, indent: str = "", first: str = "") -> str:
    """`text` cut at word boundaries to `columns` (never inside a word), the lines after
    the first indented; unchanged when `columns` is None."""
    if columns is None:
        return first + text
    import textwrap

    return "\n".join(textwrap.wrap(text, width=max(20, columns), initial_indent=first,
                                    subsequent_indent=indent, break_long_words=False,
                                    break_on_hyphens=False)) or first


def document_lines(text: str, columns: int = 79) -> str:
    """A printable document (the intervention report) cut to `columns`: a long line goes on
    under its value, past the label or the time that starts it."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= columns:
            lines.append(line)
            continue
        start = re.match(r"(\S.{15}\s)(?=\S)|(\s+\S+ \S+\s+\S+\s+)", line)
        indent = len(start.group(0)) if start and len(start.group(0)) < columns // 2 else 2
        lines.append(wrap(line, columns, indent=" " * indent))
    return "\n".join(lines)


def _wrapped_lines(text: str, stream: Any) -> str:
    columns = width(stream)
    if columns is None:
        return text
    return "\n".join(wrap(line, columns - 1, indent=" " * _hanging(line)) if line else line
                     for line in text.split("\n"))


def _hanging(line: str) -> int:
    """Where a wrapped line goes on: under the text after "Error: " or a list's dash."""
    # French puts a no-break space before its colon ("Erreur : ").
    match = re.match(r"\s*(?:- |\w[\w \u00a0\u202f]{0,20}: )?", line)
    return min(len(match.group(0)) if match else 0, 24)


def paragraph(text: str, indent: int = 2, unbroken: Iterable[str] = ()) -> None:
    """Data on stdout that may run long (a quoted question, the opening hours): at a
    terminal, cut at word boundaries and the lines after the first indented by `indent`,
    never inside one of the `unbroken` phrases; whole for a pipe."""
    columns = width()
    if columns is None or all(len(line) < columns for line in text.split("\n")):
        print(text)
        return
    for phrase in unbroken:
        text = text.replace(phrase, phrase.replace(" ", "\0"))
    print("\n".join(wrap(line, columns - 1, indent=" " * indent).replace("\0", " ")
                    for line in text.split("\n")))


def message(text: str) -> None:
    print(_wrapped_lines(text, sys.stderr), file=sys.stderr)


def error(text: str) -> None:
    """A refusal or a failure: `Error: ...`, in red on a colour terminal."""
    label = _("Error: {message}").format(message="\0").split("\0")[0]
    whole = _("Error: {message}").format(message=text)
    wrapped = _wrapped_lines(whole, sys.stderr)
    if wrapped.startswith(label):
        wrapped = paint(label.rstrip(), "alarm", sys.stderr) + label[len(label.rstrip()):] \
            + wrapped[len(label):]
    print(wrapped, file=sys.stderr)


def warn(text: str) -> None:
    whole = _wrapped_lines(_("Warning: {message}").format(message=text), sys.stderr)
    print(paint(whole, "warning", sys.stderr) if "\n" not in whole else whole, file=sys.stderr)


def hint(text: str) -> None:
    """Advice for the person at the terminal (what to type next, how to fix a setting):
    on stderr, dimmed; never with --quiet or --json, never when stderr is not a terminal."""
    if settings.quiet or settings.json or not is_terminal(sys.stderr):
        return
    print(paint(_wrapped_lines(text, sys.stderr), "cyan", sys.stderr), file=sys.stderr)


def next_step(*commands: str) -> None:
    """The line that says what comes next in the call's life (Next: deskcli qualify 12)."""
    shown = [c for c in commands if c]
    if shown:
        hint(_("Next: {commands}").format(commands=_(" or ").join(shown)))


def kb_empty_hint() -> str:
    return _("The knowledge base is empty: `deskcli kb import-defaults` loads the starter "
             "articles (everyday incidents), `deskcli kb add` your own.")


def data(text: str) -> None:
    print(text)


def stream(chunks: Iterable[str]) -> None:
    """Data written on stdout as it comes, chunk by chunk, never held whole in memory."""
    write = sys.stdout.write
    for chunk in chunks:
        write(chunk)


def emit_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# -- what a command answers: one JSON document, or text for a person --------------------

class Output:
    """What a command prints, in the form the run asked for: with --json exactly one JSON
    document on stdout, otherwise the text for a person (data on stdout, what was done on
    stderr, the next step as a hint). A command takes it once (`out = output.answer()`),
    hands it both forms, and never asks which one is wanted."""

    @property
    def json(self) -> bool:
        """Whether the run prints a JSON document (for a verb whose very work differs)."""
        return settings.json

    def emit(self, document: Any, text: Callable[[], None] | None = None) -> None:
        """`document` as the JSON document, or `text()` writing the person's view.

        `document` may be a function that makes it, called only for --json: a view that
        costs something is not built for the screen."""
        if settings.json:
            emit_json(document() if callable(document) else document)
        elif text is not None:
            text()

    def done(self, document: Any, said: str, *next_steps: str) -> None:
        """A change made: its record as the JSON document, or `said` (on stderr) and what
        comes next in the call's life."""
        self.emit(document, lambda: (message(said), next_step(*next_steps)))

    def refuse(self, document: Any, refusal: Exception) -> None:
        """A refusal whose reasons are data (every problem of a file): with --json they are
        the document, and the exit code alone says it was refused; otherwise `refusal` is
        raised, to be said as any error is."""
        if not settings.json:
            raise refusal
        emit_json(document)
        raise SystemExit(refusal.exit_code)

    def error(self, failure: Exception) -> None:
        """A refusal or a failure, in either form: `Error: ...` on stderr, so that stdout
        holds nothing but the document (or nothing at all)."""
        error(said(failure))


def said(failure: Exception) -> str:
    """An error of core in the session's words: its message translated, each fact it names
    (`deskcli.i18n.fact`) said as the command line names it, its option."""
    from deskcli.i18n import shown

    return str(shown(failure.args[0]) if failure.args else failure)


_answer = Output()


def answer() -> Output:
    """The output object of this run."""
    return _answer


ELLIPSIS = "\u2026"
_GAP = 2  # tabulate's "simple" format puts two spaces between columns


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: max(0, size - 1)] + ELLIPSIS


def fit(rows: list[list[str]], headers: list[str], columns: int | None,
        keep: list[int] | None = None, flexible: dict[int, int] | None = None) -> list[int]:
    """The columns of a table that fit in `columns`, and the width of each (None: whole).

    `keep` ranks each column (0 never dropped; the highest rank goes first when the screen
    is too narrow); `flexible` maps the columns whose text may be cut to their least width.
    Returns the indexes shown, with each cell of `rows` cut in place to its column's width."""
    count = len(headers)
    natural = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(count)]
    shown = list(range(count))
    if columns is None:
        return shown
    keep = keep or [0] * count
    # Without a plan, any column may be cut: the widest gives way first.
    flexible = {i: 8 for i in range(count)} if flexible is None else flexible
    budget = columns - 1

    def least(i: int) -> int:
        return min(natural[i], max(flexible[i], len(headers[i]))) if i in flexible else natural[i]

    while True:
        gaps = _GAP * (len(shown) - 1)
        if sum(least(i) for i in shown) + gaps <= budget or not any(keep[i] for i in shown):
            break
        shown.remove(max((i for i in shown if keep[i]), key=lambda i: (keep[i], i)))
    sizes = {i: natural[i] for i in shown}
    room = budget - _GAP * (len(shown) - 1)
    over = sum(sizes.values()) - room
    # The widest flexible column gives way first, one character at a time, so that a
    # long summary shrinks before a short name does.
    while over > 0:
        candidates = [i for i in shown if i in flexible and sizes[i] > least(i)]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: sizes[i] - least(i))
        sizes[widest] -= 1
        over -= 1
    for row in rows:
        for i in shown:
            if len(row[i]) > sizes[i]:
                style = getattr(row[i], "style", None)
                row[i] = Styled(_cut(row[i], sizes[i]), style)
    for i in shown:
        headers[i] = _cut(headers[i], sizes[i])
    return shown


def table(rows: Iterable[Iterable[Any]], headers: list[str], *, keep: list[int] | None = None,
          flexible: dict[int, int] | None = None) -> None:
    """A table on stdout, cut to the terminal's width (see `fit`); a pipe gets every column
    and whole values, --wide too."""
    from deskcli.ui.tables import tabulate_module as _tabulate_module

    tabulate_module = _tabulate_module()
    tabulate = tabulate_module.tabulate

    # tabulate widens every column by two spaces beside the headers: the two spaces between
    # columns are enough, and `fit` counts on exactly those.
    tabulate_module.MIN_PADDING = 0
    cells = [[Styled(safe_line(c), getattr(c, "style", None)) for c in row] for row in rows]
    headers = [safe_line(h) for h in headers]
    shown = fit(cells, headers, width(), keep, flexible)
    painted = [[paint(row[i], row[i].style) for i in shown] for row in cells]
    print(tabulate(painted, headers=[headers[i] for i in shown], tablefmt="simple",
                   disable_numparse=True))


def fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """Label: value lines, skipping empty values; on a terminal a long value goes on under
    itself, cut at word boundaries."""
    shown = [(label, value) for label, value in pairs if value not in (None, "", [])]
    if not shown:
        return
    # The colon is the language's own ("Numéro :" in French, with its no-break space).
    labels = [_("{label}:").format(label=label) for label, _value in shown]
    size = max(len(label) for label in labels)
    columns = width()
    for label, (_label, value) in zip(labels, shown):
        text = safe_line(value) if columns else safe(value)
        style = getattr(value, "style", None)
        line = wrap(text, columns - 1 if columns else None, indent=" " * (size + 1),
                    first=f"{label:<{size}} ")
        print(line.replace(text, paint(text, style), 1) if style and text in line else line)


def write_private(path: str, text: str | bytes | Iterable[str]) -> None:
    """Write a file that holds callers' data: readable by its owner only.

    `text` is the whole text, or its chunks in order (written as they come), or the bytes
    of a binary document (a PDF). A regular file is written beside its place and renamed
    over it once whole: a full disk leaves the old file as it was, never a short one. A
    device (/dev/stdout) is written to."""
    import os
    import stat
    import tempfile

    from deskcli.core.base.errors import InvalidInput

    target = os.path.realpath(path)  # a link given on purpose: the file it names is replaced
    try:
        special = not stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        special = False
    except OSError as exc:
        raise InvalidInput(_("--output: cannot write {path}: {reason}").format(
            path=path, reason=exc.strerror)) from None
    tmp = None
    binary = isinstance(text, bytes)
    try:
        if special:
            fd = os.open(target, os.O_WRONLY | os.O_TRUNC)
        else:
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".deskcli-", suffix=".tmp")
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
            if isinstance(text, (str, bytes)):
                handle.write(text)
            else:
                handle.writelines(text)
            handle.flush()
            if tmp is not None:
                os.fsync(handle.fileno())
        if tmp is not None:
            os.replace(tmp, target)  # mkstemp made it 0600: private from its first byte
    except OSError as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if tmp is None:
            raise InvalidInput(_("--output: cannot write {path}: {reason}").format(
                path=path, reason=exc.strerror)) from None
        raise InvalidInput(_("--output: cannot write {path}: {reason}; nothing was written and "
                             "the file was left as it was").format(path=path, reason=exc.strerror)) from None


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell: a spreadsheet runs one that starts with = + - @ as a formula, so such
    text is quoted; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
