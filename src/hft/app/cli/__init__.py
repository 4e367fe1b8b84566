"""The `hft` command line."""
