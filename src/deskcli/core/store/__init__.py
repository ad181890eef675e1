"""The repository: the interface the domain works through (repository: Changes,
Repository, Desk) and its backends, never named by the domain: the embedded TinyDB
directory (storage) with its SQLite archive of closed calls (archive), and PostgreSQL
(postgres).

May import: deskcli.core.model, deskcli.core.base. Inside: storage | postgres -> archive
-> repository; only deskcli.core.app names a backend.
"""
