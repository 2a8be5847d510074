"""Exports: the board pack, the annual report's chapter, tables as CSV and xlsx."""
