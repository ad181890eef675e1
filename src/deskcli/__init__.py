"""deskcli: a command-line helpdesk that walks the call procedure."""

__version__ = "0.1.0"
