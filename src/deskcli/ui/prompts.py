"""Questions asked at the terminal (questionary, loaded only when a command prompts)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

# Tests hand prompt_toolkit a pipe input and a dummy output here, so that the real
# prompts run on scripted keystrokes.
_io: dict[str, Any] = {}


@contextmanager
def scripted(input, output) -> Iterator[None]:
    _io.update(input=input, output=output)
    try:
        yield
    finally:
        _io.clear()


def can_prompt(no_input: bool) -> bool:
    """Prompts need a person at a terminal; scripts and pipes get errors instead."""
    if no_input:
        return False
    if _io:
        return True
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


# prompt_toolkit shows a no-break space as a yellow underline (its `nbsp` style): French
# puts one before « ? » and « : » in every question, so it is shown as the space it is.
NBSP_STYLE = [("nbsp", "nounderline fg:ansidefault")]


def style():
    from prompt_toolkit.styles import Style

    return Style(NBSP_STYLE)


def _fit(message: str, room: int = 10) -> str:
    """A question cut at word boundaries to the terminal's width (prompt_toolkit would cut
    it inside a word), keeping `room` for the "? " mark, the hint and the first letters
    of the answer."""
    from deskcli.ui.output import terminal_width, wrap

    columns = terminal_width() - 1
    if len(message) + room <= columns:
        return message
    return wrap(message, columns - room)


def _kwargs() -> dict:
    kwargs = {"style": style()}
    if _io:
        return {**kwargs, **_io}
    if not sys.stdout.isatty():
        # Keep stdout for data (`deskcli open --json > t.json`): prompts go to the terminal on stderr.
        from prompt_toolkit.output import create_output

        kwargs["output"] = create_output(stdout=sys.stderr)
    return kwargs


def text(message: str, default: str | None = None, required: bool = False, hint: str | None = None,
         multiline: bool = False) -> str:
    import questionary

    answer = questionary.text(
        _fit(message),
        default=default or "",
        validate=_needed if required else None,
        instruction=hint,
        multiline=multiline,
        **_kwargs(),
    ).unsafe_ask()
    return (answer or "").strip()


def _needed(value: str) -> bool | str:
    from deskcli.i18n import _

    return bool(value.strip()) or _("This fact is needed to go on.")


def pick_or_type(
    message: str, known: list[str], default: str | None = None, required: bool = False
) -> str:
    """A free answer with the known values offered as completions (Tab)."""
    import questionary

    if not known:
        return text(message, default, required=required)
    answer = questionary.autocomplete(
        _fit(message),
        choices=known,
        default=default or "",
        ignore_case=True,
        match_middle=True,
        validate=_needed if required else None,
        **_kwargs(),
    ).unsafe_ask()
    return (answer or "").strip()


def select(message: str, choices: list[tuple[str, str]], default: str | None = None,
           refresh: float | None = None) -> str:
    """One of `choices`, given as (value, label) pairs; returns the value. With `refresh`,
    the question is drawn again every so many seconds (a message that changes, a clock)."""
    import questionary

    from deskcli.i18n import _

    options = [questionary.Choice(title=label, value=value) for value, label in choices]
    chosen = next((o for o in options if o.value == default), None)
    extra = {"refresh_interval": refresh} if refresh else {}
    # A refreshed question is redrawn from its own text each time: it is not cut here.
    return questionary.select(message if refresh else _fit(message, 20), choices=options,
                              default=chosen, instruction=_("(Use arrow keys)"), **extra,
                              **_kwargs()).unsafe_ask()


def confirm(message: str, default: bool = True) -> bool:
    import questionary

    from deskcli import i18n

    if i18n.language() != i18n.SOURCE_LANGUAGE:
        # questionary's yes/no question only takes y and n: another language picks a word.
        answers = [(True, i18n._("yes")), (False, i18n._("no"))]
        return bool(select(message, answers if default else answers[::-1], default=default))
    return bool(questionary.confirm(_fit(message), default=default, **_kwargs()).unsafe_ask())
