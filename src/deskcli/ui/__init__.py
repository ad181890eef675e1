"""Output and prompts: the only place that prints or asks."""
