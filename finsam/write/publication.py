"""The administrator's decision that an association's published chapter shows small counts (or not),
saved through the one write door (a version that can be undone, and "small_counts_changed" in the audit
log with who, when and for which association). Read by finsam.query.publication."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from finsam.write import writes

_DDL_IF_MISSING = """CREATE TABLE IF NOT EXISTS chapter_small_counts (
    association_id VARCHAR PRIMARY KEY REFERENCES association (association_id),
    is_shown BOOLEAN NOT NULL, decided_at TIMESTAMP NOT NULL, decided_by VARCHAR NOT NULL)"""


class DecisionError(ValueError):
    """A decision that cannot be saved, in a Swedish sentence."""


def set_small_counts(db_path: Path, association: str, shown: bool, *, user: str, role: str = "admin") -> None:
    """Save the decision for the association (its chapter shows small counts when shown)."""
    detail = {"associations": [association], "small_counts_shown": shown}
    with writes.rewrite(db_path, user=user, role=role, action="small_counts_changed", detail=detail) as con:
        known = con.execute("SELECT count(*) FROM association WHERE association_id = ?", [association]).fetchone()[0]
        if not known:
            names = [r[0] for r in con.execute("SELECT association_id FROM association ORDER BY 1").fetchall()]
            raise DecisionError(f"Förbundet {association} finns inte i databasen; välj ett av: {', '.join(names)}.")
        con.execute(_DDL_IF_MISSING)
        con.execute("INSERT OR REPLACE INTO chapter_small_counts VALUES (?, ?, ?, ?)",
                    [association, shown, dt.datetime.now().replace(microsecond=0), user])
