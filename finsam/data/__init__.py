"""Data: connections, the schema, published figures, the audit log."""
