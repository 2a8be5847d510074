"""Writes: reading files, validation, the one write door, versions."""
