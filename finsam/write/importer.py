"""Importing coordinators' files (Excel or CSV): read as people have them, validate every row before
anything is written, then write all or nothing.

The write itself (a private copy changed and swapped in under the write lock, kept as a version and
logged) is finsam.write.writes.rewrite, the door every change goes through.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd

from finsam.data import db
from finsam.data.db import SCHEMA
from finsam.write import writes
from finsam.access import ADMIN, Access, AccessDenied
from finsam.write.filereader import ImportRejected, read_file
from finsam.write.rules import (Codes, prepare_anonymous, prepare_budget, prepare_conversations,
                                prepare_participations, prepare_survey,
                                validate)
from finsam.write.columns import KINDS, Report, fold, find_personal_numbers, map_headers
from finsam.write.records import (ensure_interventions, finish, rejected_csv, upsert_anonymous, upsert_keyed,
                                  upsert_participations)
from finsam.data import aggregates


def import_file(db_path: Path, name: str, content: bytes, *, association: str | None = None,
                sheet: str | None = None, valid_only: bool = False, dayfirst: bool = True,
                user: str = "kommandoraden", kind: str | None = None, dry_run: bool = False,
                today: dt.date | None = None, reader=None, access: Access = ADMIN,
                raw: pd.DataFrame | None = None) -> Report:
    """Validate a file and, when it is valid (or valid_only), write it to the database all or nothing.
    reader: an open read-only connection to db_path to read the code lists with (the app passes its own).
    access: who imports (the command line runs as administrator): only an administrator, or a coordinator
    for their own association, may write; anyone may check a file (dry_run).
    raw: the file as read_file read it, when the caller has read it already (the Import page, once)."""
    today = today or dt.date.today()
    report = Report(name, kind or "?")
    raw = read_file(name, content, sheet) if raw is None else raw
    report.rows = len(raw)
    pn = find_personal_numbers(raw)
    if pn:
        raise ImportRejected("Filen innehåller personnummer eller samordningsnummer i kolumnen "
                             f"{', '.join(pn)}. Sådana uppgifter får inte lagras i finsam: ersätt dem med "
                             "förbundets egna pseudonyma deltagar-id. Inget har lästs in eller loggats.")
    if kind is None:
        folded = {fold(h) for h in raw.columns}
        kind = "budget" if {"beviljat sek", "anvant sek"} <= folded else \
            "samtal" if folded & {"antal samtal", "radgivande samtal", "conversation count"} else \
            "enkät" if {"enkat", "andel positiva"} <= folded else \
            "anonyma" if {"antal", "ar"} <= folded or {"count", "year"} <= folded else "deltagare"
    report.kind = kind
    headers, unknown = map_headers(raw, KINDS[kind])
    if unknown:
        report.notices.append(f"Okända kolumner läses inte in: {', '.join(unknown)}")
    raw_named = raw.rename(columns=headers)[[c for c in headers.values()]]
    if reader is not None:
        codes = Codes(reader)
    else:
        con = db.connect(db_path, read_only=True)
        try:
            codes = Codes(con)
        finally:
            con.close()
    if kind == "deltagare":
        prepared, rules = prepare_participations(raw_named, codes, association, dayfirst, today)
    elif kind == "anonyma":
        prepared, rules = prepare_anonymous(raw_named, codes, association, today)
    elif kind == "budget":
        prepared, rules = prepare_budget(raw_named, codes, association, today)
    elif kind == "samtal":
        prepared, rules = prepare_conversations(raw_named, codes, association, today)
    else:
        prepared, rules = prepare_survey(raw_named, codes, association, today)
    report.problems = validate(prepared, rules, raw, headers)
    bad_rows = {p.row for p in report.problems}
    if (report.problems and not valid_only) or dry_run:
        return report
    good = prepared.drop(index=list(bad_rows))
    report.rejected_rows = len(bad_rows)
    if valid_only and bad_rows:
        report.rejected = rejected_csv(raw, report)
    if good.empty:
        return report
    good = finish(good, kind)
    if kind == "samtal" and not _logs_conversations(db_path):
        raise ImportRejected("Databasfilen är skapad av en tidigare finsam vars importlogg inte tar emot samtal. "
                             "Be IT-administratören skapa en ny databas (python -m finsam init) och läsa in "
                             "filerna igen; inget har ändrats.")
    _may_write(access, good["association_id"].unique())
    detail = {"file": Path(name).name, "sha256": hashlib.sha256(content).hexdigest(), "kind": kind,
              "associations": sorted(good["association_id"].unique())}
    with writes.rewrite(db_path, user=user, role=access.role, action="import", detail=detail) as con:
        con.execute("BEGIN TRANSACTION")
        import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchone()[0]
        created = ensure_interventions(con, good, today)
        report.notices += [f"Ny insats skapad: {c}" for c in created]
        if kind == "deltagare":
            report.added, report.updated, report.unchanged = upsert_participations(con, good, import_id)
        elif kind == "anonyma":
            report.added, report.updated, report.unchanged = upsert_anonymous(con, good)
        else:
            if kind == "samtal":  # a file made before conversations were imported gets the table now
                con.execute(CONVERSATION_DDL_IF_MISSING)
            report.added, report.updated, report.unchanged = upsert_keyed(con, good, kind)
        aggregates.refresh_aggregates(con)
        con.execute("INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            import_id, dt.datetime.now().replace(microsecond=0), user, Path(name).name,
            hashlib.sha256(content).hexdigest(), kind, ", ".join(sorted(good["association_id"].unique())),
            report.rows, report.added, report.updated, report.unchanged, report.rejected_rows])
        con.execute("COMMIT")
        detail.update(rows=report.rows, added=report.added, updated=report.updated, unchanged=report.unchanged,
                      rejected=report.rejected_rows)
    report.written = True
    return report


def _may_write(access: Access, associations) -> None:
    """Writes are for a signed-in administrator, or a coordinator for their own association: checked here,
    whatever the page offers."""
    if not access.may_import:
        raise AccessDenied("Att importera eller ta bort uppgifter kräver inloggning som administratör eller samordnare.")
    refused = [a for a in associations if not access.allows(a)]
    if refused:
        raise AccessDenied(f"Ingen behörighet att ändra uppgifterna för {', '.join(refused)}.")


def remove_demo_records(db_path: Path, association: str, access: Access = ADMIN) -> int:
    """Delete an association's demo records (one action), all or nothing like an import."""
    _may_write(access, [association])
    detail = {"associations": [association]}
    with writes.rewrite(db_path, user=access.user, role=access.role, action="demo_removed", detail=detail) as con:
        con.execute("BEGIN TRANSACTION")
        n = con.execute("DELETE FROM participation WHERE association_id = ? AND is_demo", [association]).fetchone()[0]
        con.execute("DELETE FROM anonymous_participants WHERE association_id = ? AND is_demo", [association])
        aggregates.refresh_aggregates(con)
        con.execute("COMMIT")
        detail["removed"] = n
    return n


def upgrade(db_path: Path) -> bool:
    """Rebuild the aggregate tables of a file written by an earlier finsam that lacks some (like an import:
    a copy written, then swapped in). Returns whether it had to. Checked again under the write lock, so
    two processes starting at once upgrade once."""
    if not _lacks_aggregates(db_path):
        return False
    with writes.Lock(db_path):
        if not _lacks_aggregates(db_path):
            return False
        with writes.rewrite(db_path, user="finsam", role="admin", action="upgrade") as con:
            aggregates.refresh_aggregates(con)
    return True


def _lacks_aggregates(db_path: Path) -> bool:
    con = db.connect(db_path, read_only=True)
    try:
        present = set(con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()")
                      .df().table_name)
    finally:
        con.close()
    return not aggregates.aggregate_tables() <= present


def _conversation_ddl() -> str:
    text = SCHEMA.read_text(encoding="utf-8")
    start = text.index("CREATE TABLE conversation_count (")
    return "CREATE TABLE IF NOT EXISTS" + text[start + len("CREATE TABLE"):text.index(");", start) + 2]


CONVERSATION_DDL_IF_MISSING = _conversation_ddl()


def _logs_conversations(db_path: Path) -> bool:
    """Whether the file's import_log accepts the kind 'samtal' (its CHECK was widened with issue 25)."""
    con = db.connect(db_path, read_only=True)
    try:
        ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'import_log'").fetchone()
    finally:
        con.close()
    return ddl is not None and "samtal" in ddl[0]
