"""hft: the event-sourced order path for Taiwan markets.

The stable public names for runner scripts are re-exported from here as they land.
"""

__version__ = "0.1.0"
