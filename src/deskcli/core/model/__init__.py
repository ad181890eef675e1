"""What records and texts are, with no repository: a ticket's statuses and their order
(workflow), its history and the columns and digest an archive keeps of it (timeline),
the text search engine that the knowledge base and the archive share (search).

May import: deskcli.core.base.
"""
