"""Ports: small Protocols, one concern each, shaped by what the application needs."""
