"""The domain of deskcli: tickets, contracts, rules and the repository. No UI here."""
