"""Plain building blocks with no helpdesk rule: errors and their exit codes (errors),
time and durations (clock), private files and directories (paths), atomic file writes
(files), names compared without case or accents (names), text checks (decoding).

May import: nothing else of deskcli.core (the standard library and deskcli.i18n only).
"""
