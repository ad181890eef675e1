"""Where the repository and the shipped defaults live: resolved here and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "DESKCLI_HOME"
USER_ENV = "DESKCLI_USER"


def repository_home(explicit: str | os.PathLike | None = None) -> Path:
    """The repository directory: --home, else DESKCLI_HOME, else the user data directory;
    refused (exit 3) when it is there but cannot be entered and read (another user's)."""
    if explicit:
        home = Path(explicit).expanduser()
    elif os.environ.get(HOME_ENV):
        home = Path(os.environ[HOME_ENV]).expanduser()
    else:
        import platformdirs

        home = Path(platformdirs.user_data_dir("deskcli", appauthor=False))
    _check_usable(home)
    return home


def _check_usable(home: Path) -> None:
    # Every file in it would fail with "permission denied" one by one, some as tracebacks:
    # the directory is named once, with its owner. (Writing is checked by each write: a
    # read-only repository can still be read.)
    import stat

    try:
        info = os.stat(home)
    except PermissionError:
        info = None  # a parent directory is closed to us
    except OSError:
        return  # absent: made on first use (or refused there, named)
    if info is not None and (not stat.S_ISDIR(info.st_mode) or os.access(home, os.R_OK | os.X_OK)):
        return
    from deskcli.core.base.errors import RepositoryError
    from deskcli.i18n import fact, say

    owner = "?"
    if info is not None:
        try:
            import pwd

            owner = pwd.getpwuid(info.st_uid).pw_name
        except (ImportError, KeyError):
            owner = str(info.st_uid)
    raise RepositoryError(say("the repository {path} cannot be read by you (it belongs to {owner}): "
                              "use your own ({home_field} PATH or $DESKCLI_HOME), or ask its owner for "
                              "access", path=str(home), owner=owner, home_field=fact("home")))


def data_dir() -> Path:
    """The shipped defaults (grid, targets, checklist, settings)."""
    # The package directory itself: importlib.resources would cost every command its import.
    import deskcli  # already imported: the package of this module

    package = Path(deskcli.__file__).resolve().parent
    installed = package / "data"
    if installed.is_dir():
        return installed
    # Running from a source checkout: data/ sits at the top of the repository.
    return package.parents[1] / "data"


def data_file(name: str) -> Path:
    return data_dir() / name


# -- files inside the repository, never through a symbolic link --------------------------
# A link planted in the repository (attachments/1 -> /elsewhere, repository.lock -> a file
# of the user's) would have deskcli write callers' data outside it, or truncate what the
# link names: every file and directory deskcli opens in the repository is opened without
# following links, and a link found there is refused, named.


def _refused_link(path: Path):
    from deskcli.core.base.errors import RepositoryError
    from deskcli.i18n import say

    return RepositoryError(say("{path} is a symbolic link: deskcli does not follow links inside "
                               "its repository. Remove it (or put the real file or directory in "
                               "its place), then run the command again", path=str(path)))


def open_no_follow(path: Path, flags: int, mode: int = 0o600) -> int:
    """os.open, refusing a symbolic link at `path` (exit 3, naming it)."""
    import errno

    try:
        return os.open(path, flags | os.O_NOFOLLOW, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno == errno.EEXIST and os.path.islink(path)):
            raise _refused_link(Path(path)) from None
        raise


def refuse_link(path: Path) -> None:
    """Refuse `path` if it is a symbolic link; nothing when it is absent."""
    if os.path.islink(path):
        raise _refused_link(Path(path))


def private_directory(root: Path, *parts: str) -> Path:
    """root/parts..., each directory made 0700 if missing and opened without following a
    link, one component at a time from `root` (as openat would): a planted link is refused."""
    import errno

    make_private_directories(root)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    current = Path(root)
    try:
        for part in parts:
            current = current / part
            try:
                os.mkdir(part, 0o700, dir_fd=fd)
            except FileExistsError:
                pass
            else:
                os.chmod(part, 0o700, dir_fd=fd)  # whatever the umask (000 would leave 0777)
            try:
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(current):
                    raise _refused_link(current) from None
                raise
            os.close(fd)
            fd = inner
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return current


def make_private_directories(path: Path) -> None:
    """`path` and each missing parent, made 0700 whatever the umask (Path.mkdir gives
    missing parents 0777 less the umask: everyone's under umask 000)."""
    missing = []
    current = Path(path)
    while not os.path.isdir(current):
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue
        os.chmod(directory, 0o700)
