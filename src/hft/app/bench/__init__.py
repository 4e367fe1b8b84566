"""Benchmarks of the order path: each returns a dict of measured figures (printed as JSON)."""
