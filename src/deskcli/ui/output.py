"""The one output layer: data on stdout, messages on stderr, JSON as exactly one document."""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Iterable

from deskcli.i18n import _, datetime_text

# Ticket text comes from callers and scripts: control characters could drive the
# terminal, so they are shown escaped, never written raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def safe_line(value: Any) -> str:
    """One table cell: escaped, and on one line."""
    return " ".join(safe(value).split())


def when(iso: str | None) -> str:
    """A stored UTC time as the technician reads it: local, to the minute, in the session's
    language."""
    from deskcli.core.clock import local

    return datetime_text(local(iso)) if iso else ""


def message(text: str) -> None:
    print(text, file=sys.stderr)


def warn(text: str) -> None:
    print(_("Warning: {message}").format(message=text), file=sys.stderr)


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


def table(rows: Iterable[Iterable[Any]], headers: list[str]) -> None:
    from tabulate import tabulate

    cells = [[safe_line(c) for c in row] for row in rows]
    print(tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True))


def fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """Label: value lines, skipping empty values."""
    shown = [(label, value) for label, value in pairs if value not in (None, "", [])]
    if not shown:
        return
    # The colon is the language's own ("Numéro :" in French, with its no-break space).
    labels = [_("{label}:").format(label=label) for label, _value in shown]
    width = max(len(label) for label in labels)
    for label, (_label, value) in zip(labels, shown):
        print(f"{label:<{width}} {safe(value)}")


def terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def write_private(path: str, text: str | Iterable[str]) -> None:
    """Write a file that holds callers' data: readable by its owner only.

    `text` is the whole text, or its chunks in order (written as they come). A regular
    file is written beside its place and renamed over it once whole: a full disk leaves
    the old file as it was, never a short one. A device (/dev/stdout) is written to."""
    import os
    import stat
    import tempfile

    from deskcli.core.errors import InvalidInput

    target = os.path.realpath(path)  # a link given on purpose: the file it names is replaced
    try:
        special = not stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        special = False
    except OSError as exc:
        raise InvalidInput(_("--output: cannot write {path}: {reason}").format(
            path=path, reason=exc.strerror)) from None
    tmp = None
    try:
        if special:
            fd = os.open(target, os.O_WRONLY | os.O_TRUNC)
        else:
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".deskcli-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if isinstance(text, str):
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
