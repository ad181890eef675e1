"""The knowledge base (kb) and problems linking calls with one cause (problems).

May import: calls, mailing, the repository interface (store.repository), model, base.
"""
