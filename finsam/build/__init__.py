"""The demo database: its streams and the allocation."""
