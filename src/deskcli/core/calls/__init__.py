"""A call's record and its rules: opening and recording a call (tickets), organisations
and contracts (contracts), the grids of choices (choices), qualification (qualify),
targets and deadlines (sla, watch), notices between technicians (notices), and what
the caller and the team are told as the call changes (conversation).

May import: mailing, the repository interface (store.repository), model, base.
"""
