"""Queries: filters, SQL, one function per question, computed figures, reconciliation, goals."""
