"""The audit log (GDPR accountability): who signed in, failed to, signed out, imported, removed demo records,
restored, backed up, added or removed users, and viewed or exported unprotected figures; when, role and
association. It lives in SQLite beside the database (`<db>.audit.sqlite`), not in it, so a restore of the
database never erases the record of what happened. No participant data and no person ids: only names of
signed-in people, file names, checksums and counts.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
from pathlib import Path

from finsam import config

log = logging.getLogger("finsam.data.audit")
EVENTS = ("sign_in", "sign_in_failed", "sign_out", "import", "demo_removed", "restore", "upgrade", "backup",
          "backup_failed", "user_added", "user_removed", "export_unprotected", "view_unprotected", "change",
          "small_counts_changed", "chapter_template_saved")
COLUMNS = ["när", "händelse", "användare", "roll", "förbund", "detaljer"]
FORBIDDEN_KEYS = ("person_id", "deltagare_id", "personnummer")


def audit_path(db_path: Path | None = None) -> Path:
    db_path = Path(db_path) if db_path else config.load().db_path
    return db_path.with_name(db_path.name + ".audit.sqlite")


def _connect(path: Path) -> sqlite3.Connection:
    new = not path.exists()
    con = sqlite3.connect(path, timeout=30)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, event TEXT NOT NULL, "
                "user TEXT, role TEXT, association TEXT, detail TEXT)")
    if new:
        os.chmod(path, 0o600)
    return con


def record(event: str, *, user: str = "", role: str = "", association: str = "", detail: dict | None = None,
           db_path: Path | None = None) -> None:
    """Append one event. Never raises into the caller's action: a log that cannot be written is logged."""
    detail = {k: v for k, v in (detail or {}).items() if k not in FORBIDDEN_KEYS}
    try:
        con = _connect(audit_path(db_path))
        try:
            with con:
                con.execute("INSERT INTO audit (at, event, user, role, association, detail) VALUES (?, ?, ?, ?, ?, ?)",
                            [dt.datetime.now().isoformat(timespec="seconds"), event, user or "", role or "",
                             association or "", json.dumps(detail, ensure_ascii=False, default=str)])
        finally:
            con.close()
    except (sqlite3.Error, OSError) as e:
        log.error("audit log not written (%s): %s %s", e, event, user)


def entries(db_path: Path | None = None, *, since: dt.date | str | None = None, user: str | None = None,
            access=None, limit: int | None = None):
    """The log, newest first, as a DataFrame with Swedish column names. access: who asks (only an
    administrator may read the log; the command line runs as administrator)."""
    import pandas as pd

    from finsam.access import AccessDenied

    if access is not None and access.role != "admin":
        raise AccessDenied("Loggen visas bara för administratörer.")
    path = audit_path(db_path)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    sql, params = "SELECT at, event, user, role, association, detail FROM audit WHERE 1=1", []
    if since:
        sql += " AND at >= ?"
        params.append(str(since))
    if user:
        sql += " AND user = ?"
        params.append(user)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        df = pd.read_sql_query(sql, con, params=params)
    finally:
        con.close()
    df.columns = COLUMNS
    return df
