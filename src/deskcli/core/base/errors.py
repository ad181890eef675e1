"""The errors core raises; the CLI turns each into a message and an exit code."""


class DeskError(Exception):
    """A failure the user can cause or fix; never shown with a traceback."""

    exit_code = 1


class NotFound(DeskError):
    """A ticket, contract or other record that does not exist."""

    exit_code = 1


class RuleRefused(DeskError):
    """The procedure forbids this step; the message names the rule and the way out."""

    exit_code = 1


class InvalidInput(DeskError):
    """Bad usage or invalid data given on the command line or piped in."""

    exit_code = 2


class RepositoryError(DeskError):
    """The repository cannot be used: unreadable file, lock not obtained, write failure."""

    exit_code = 3


class LockTimeout(RepositoryError):
    """Another deskcli process held the repository longer than the configured wait."""


class CorruptFile(RepositoryError):
    """A repository file that does not parse; it is left untouched."""


class ChangeKept(RepositoryError):
    """A change that is recorded (journalled), whose last steps could not be made in place:
    the command succeeded, and the next one finishes them. Said as a warning."""
