"""Files replaced whole: a reader sees the old file or the new one, never a mix, and a
temporary is the owner's alone. The embedded repository writes every file this way; so do
drafts, settings and practice results."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from deskcli.core.base.errors import InvalidInput, RepositoryError
from deskcli.i18n import say


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform; the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _new_private_file(directory: Path, name: str) -> tuple[int, str]:
    """A new file `.NAME.XXXXXXXX.tmp` in `directory`, the owner's alone, never one that was
    there (tempfile.mkstemp's guarantees, without importing tempfile and random at every write)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _attempt in range(100):
        candidate = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(candidate, flags, 0o600), candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(directory))


def _write_temporary(path: Path, text: str) -> str:
    """A synced temporary file beside `path` holding `text`: the first half of an atomic write."""
    directory = path.parent
    try:
        fd, tmp = _new_private_file(directory, path.name)
    except OSError as exc:
        raise RepositoryError(say("cannot write in {path}: {reason}; nothing was changed",
                                  path=str(directory), reason=exc.strerror)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        _unlink_quietly(tmp)
        raise RepositoryError(say("cannot write {path}: {reason}; the previous state is intact",
                                  path=str(path), reason=exc.strerror)) from None
    except UnicodeEncodeError as exc:
        # Checked where text comes in; this is the last guard, and leaves nothing behind.
        _unlink_quietly(tmp)
        from deskcli.core.base.decoding import describe

        raise InvalidInput(say("a text to store is not valid UTF-8 ({char}); nothing was "
                               "changed", char=describe(exc.object[exc.start]))) from None
    return tmp


def _unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader sees the old file or the new one, never a mix."""
    tmp = _write_temporary(path, text)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise RepositoryError(say("cannot write {path}: {reason}; the previous state is intact",
                                  path=str(path), reason=exc.strerror)) from None
    _fsync_directory(path.parent)
