"""The technician's work on a call taken in charge: interventions, escalation, closing
(treatment), and the answer to the caller by e-mail (replies).

May import: knowledge, calls, mailing, the repository interface, model, base.
"""
