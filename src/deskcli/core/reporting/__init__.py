"""What is read out of the calls: indicators (indicators), the monthly and period reports
(reports), the export of calls (export).

May import: treating, knowledge, calls, mailing, the repository interface, model, base.
"""
