"""What opens and looks after a desk, and the one place that names a backend: opening a
desk (desk), the backend its settings name (factory), the settings (settings),
`deskcli init` (setup), `deskcli doctor` (doctor, checks), snapshots (backups),
`deskcli migrate` (migrate).

May import: every package of deskcli.core but practice, and the backends in store.
"""
