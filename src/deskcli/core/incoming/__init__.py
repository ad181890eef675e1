"""Calls that arrive by pipe or by mail: reading piped or imported records and
messages into tickets (intake), fetching a mailbox (fetching).

May import: calls, mailing, the repository interface, model, base.
"""
