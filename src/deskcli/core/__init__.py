"""The domain of deskcli: calls, their rules and the repository they are kept in. No UI here:
core never prints, prompts, or imports typer, click, questionary, prompt_toolkit, tabulate
or jinja2.

Packages, each importing only those below it (pyproject.toml, [tool.importlinter]; checked
by tests/test_architecture.py):

    practice    practice calls for students, on a sandbox desk of their own
    app         opening a desk, its settings, the backend chosen (factory), init, doctor,
                snapshots, migrate: the one place that names a backend
    reporting   indicators, reports, export       | incoming   intake (pipe, files, mail), fetching
    treating    treatment (interventions, escalation, closing), replies to the caller
    knowledge   the knowledge base, problems
    calls       tickets, contracts, choices, qualification, SLA and watch, notices, conversation
    mailing     reading, sending and queuing e-mail, hooks, reply drafts
    store       repository (the interface: Changes, Repository, Desk) and its backends,
                storage (TinyDB) with archive (SQLite), postgres: the domain sees the interface only
    model       workflow, timeline and history entries, the text search engine
    base        errors, clock, paths, files (atomic writes), names, decoding
"""
