"""Presentation: chart builders and image rendering."""
