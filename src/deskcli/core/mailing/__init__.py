"""The desk's e-mail: reading a message (mail), sending it (sending), the outbox of
messages queued by a change (outbox), the hooks run after one (hooks), reply drafts
(drafts).

May import: deskcli.core.store.repository (the interface), model, base.
"""
