"""Setting whether an association shares its key figures with the other associations' users (issue 27):
through the one write door (a version that can be undone, and the change in the audit log as
"sharing_changed"). What sharing shows, and to whom: finsam.query.comparison."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from finsam.access import ADMIN, Access, AccessDenied
from finsam.data import db
from finsam.write import writes

TABLE_SQL = """CREATE TABLE IF NOT EXISTS association_sharing (
    association_id VARCHAR PRIMARY KEY REFERENCES association (association_id),
    shares_key_figures BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL
)"""  # as in finsam/data/schema.sql: a file made before issue 27 gets the table on its first setting


class SharingError(ValueError):
    """A setting that cannot be saved, said in a sentence."""


def set_rows(con, associations, on: bool, user: str) -> None:
    """Write the setting of the associations on a writable connection (a build, a generator, or set())."""
    con.execute(TABLE_SQL)
    now = dt.datetime.now().replace(microsecond=0)
    for a in associations:
        con.execute("INSERT OR REPLACE INTO association_sharing VALUES (?, ?, ?, ?)", [a, bool(on), now, user])


def set_sharing(db_path: Path, associations: str | Sequence[str], on: bool, access: Access = ADMIN) -> None:
    """Turn the sharing of an association (or several, in one change) on or off: only an administrator decides
    it (for the association, as its board decided). Written at once; the next query of anyone sees it."""
    if access.role != "admin":
        raise AccessDenied("Bara en administratör ändrar vad ett förbund delar.")
    chosen = [associations] if isinstance(associations, str) else list(associations)
    with writes.Lock(db_path):
        con = db.connect(db_path, read_only=True)
        try:
            known = {r[0] for r in con.execute("SELECT association_id FROM association").fetchall()}
        finally:
            con.close()
        unknown = [a for a in chosen if a not in known]
        if unknown:
            raise SharingError(f"Okänt förbund: {', '.join(unknown)}. Finns: {', '.join(sorted(known))}.")
        detail = {"associations": chosen, "shares_key_figures": "på" if on else "av"}
        with writes.rewrite(db_path, user=access.user or "kommandoraden", role=access.role, action="sharing_changed",
                            detail=detail) as con:
            set_rows(con, chosen, on, access.user or "kommandoraden")
