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
    from deskcli.ui.tables import tabulate_module

    tabulate = tabulate_module().tabulate
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

    `text` is the whole text, or its chunks in order (written as they come)."""
    import os
    import stat

    from deskcli.core.errors import InvalidInput

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # The mode of os.open only applies to a new file: one that was already there
            # (readable by others) is made private too. A device (/dev/stdout) is left as it is.
            mode = os.fstat(fd).st_mode
            if stat.S_ISREG(mode) and mode & 0o077:
                os.fchmod(fd, 0o600)
            if isinstance(text, str):
                handle.write(text)
            else:
                handle.writelines(text)
    except OSError as exc:
        raise InvalidInput(_("--output: cannot write {path}: {reason}").format(
            path=path, reason=exc.strerror)) from None


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell: a spreadsheet runs one that starts with = + - @ as a formula, so such
    text is quoted; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
