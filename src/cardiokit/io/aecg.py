"""Placeholder until the format module lands (being written now)."""
