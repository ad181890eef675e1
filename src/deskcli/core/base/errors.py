"""The errors core raises; the CLI turns each into a message and an exit code."""


from typing import Any


class DeskError(Exception):
    """A failure the user can cause or fix; never shown with a traceback.

    Besides its message (English, said in the session's language where it is shown), it
    carries the facts a program can act on: `field`, the fact at fault (`minutes`, never
    the command line's `--minutes`: the command line names it), `value` as given, `limit`
    it broke (a bound, or a pair of bounds) and `rule`, the name of the rule that refused.
    `field` defaults to the first fact the message names (`deskcli.i18n.fact`)."""

    exit_code = 1

    def __init__(self, *args: Any, field: str | None = None, value: Any = None,
                 limit: Any = None, rule: str | None = None) -> None:
        super().__init__(*args)
        self.field = field if field is not None else _named_field(args)
        self.value = value
        self.limit = limit
        self.rule = rule


def _named_field(args: tuple) -> str | None:
    from deskcli.i18n import Field

    values = getattr(args[0], "values", None) if args else None
    if isinstance(args[0] if args else None, Field):
        return args[0].name
    for value in (values or {}).values():
        if isinstance(value, Field):
            return value.name
    return None


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
