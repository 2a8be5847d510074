"""Backups while people browse and imports run: the live file is only ever replaced by an atomic rename
(finsam.write.writes.rewrite), never written in place, so copying from a descriptor opened once gives one
whole version, whatever swaps happen during the copy, and imports are never held up. The copy is written
under a temporary name, synced, checked (it opens read-only and has its tables) and renamed to
`finsam-YYYY-MM-DDTHHMMSS.duckdb`; the audit log is copied beside it with SQLite's online backup.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import pwd
import shutil
import sqlite3
from pathlib import Path

from finsam.data import audit, db

PREFIX = "finsam-"


class BackupError(Exception):
    pass


def backup(db_path: Path, to: Path, keep: int | None = None, *, user: str = "kommandoraden") -> Path:
    """A backup of db_path and its audit log in `to`. A backup that fails raises BackupError (a Swedish
    sentence) and is written to the audit log as backup_failed (unless the database itself is missing:
    then there is no log to write to)."""
    if not db_path.exists():
        raise BackupError(f"Databasen {db_path} finns inte; ange rätt fil med --db.")
    try:
        return _backup(db_path, to, keep, user)
    except (BackupError, OSError, sqlite3.Error) as e:
        error = e if isinstance(e, BackupError) else BackupError(
            f"Säkerhetskopian till {to} misslyckades: {_reason(e, to)}. Ingen säkerhetskopia skrevs.")
        audit.record("backup_failed", user=user, role="admin", detail={"folder": str(to), "error": str(error)},
                     db_path=db_path)
        raise error from e


def _reason(e: Exception, to: Path) -> str:
    where = f" ({e.filename})" if isinstance(e, OSError) and e.filename else ""
    if isinstance(e, OSError) and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"användaren {pwd.getpwuid(os.geteuid()).pw_name} får inte skriva där{where}; ge tjänstens " \
               f"användare mappen: install -d -o finsam -g finsam -m 700 {to}"
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return f"disken är full{where}; frigör plats eller välj en annan mapp med --to"
    if isinstance(e, OSError) and e.errno in (errno.ENOTDIR, errno.EEXIST, errno.ENOENT):
        return f"sökvägen går inte att använda som mapp{where}; ange en mapp med --to"
    return f"{type(e).__name__}: {e}"


def _backup(db_path: Path, to: Path, keep: int | None, user: str) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    target = to / f"{PREFIX}{stamp}.duckdb"
    n = 1
    while target.exists():
        n += 1
        target = to / f"{PREFIX}{stamp}-{n}.duckdb"
    tmp = to / f".{target.name}.partial"
    with open(db_path, "rb") as src:  # this version, even if an import swaps a new one in meanwhile
        with open(tmp, "wb") as dst:
            os.fchmod(dst.fileno(), 0o600)
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
    try:
        con = db.connect(tmp, read_only=True)
        try:
            con.execute("SELECT count(*) FROM participation").fetchone()
        finally:
            con.close()
    except Exception as e:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"Kopian av {db_path} gick inte att öppna ({e}); ingen säkerhetskopia skrevs.") from e
    for leftover in (Path(f"{tmp}.wal"),):
        leftover.unlink(missing_ok=True)
    os.replace(tmp, target)
    log_src = audit.audit_path(db_path)
    if log_src.exists():
        src_con = sqlite3.connect(log_src, timeout=30)
        dst_con = sqlite3.connect(target.with_suffix(".audit.sqlite"))
        try:
            src_con.backup(dst_con)
        finally:
            dst_con.close()
            src_con.close()
        os.chmod(target.with_suffix(".audit.sqlite"), 0o600)
    if keep:
        prune(to, keep)
    audit.record("backup", user=user, role="admin", detail={"file": target.name, "folder": str(to)}, db_path=db_path)
    return target


def backups(to: Path) -> list[Path]:
    return sorted(to.glob(f"{PREFIX}*.duckdb"))


def partials(to: Path) -> list[Path]:
    """Copies left by a backup killed before its rename."""
    return sorted(to.glob(f".{PREFIX}*.partial"))


def prune(to: Path, keep: int) -> None:
    for old in backups(to)[:-keep]:
        old.unlink(missing_ok=True)
        old.with_suffix(".audit.sqlite").unlink(missing_ok=True)
