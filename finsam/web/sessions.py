"""Sessions of local accounts: an opaque random id in an HttpOnly cookie, and its SHA-256 in an SQLite file
beside the accounts file, shared by every app process (two replicas see the same sessions). A session
survives reloads and links (the browser sends the cookie with every page), ends after
FINSAM_SESSION_IDLE_MINUTES without use and FINSAM_SESSION_MAX_HOURS after sign-in even in use, and ends in
every tab at once on sign-out, since each page run looks the id up again. Nothing in the URL; the id itself
is never stored."""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from finsam import config

COOKIE = "finsam_session"


def store_path() -> Path:
    from finsam.web import auth

    return auth.users_path().with_name("sessions.sqlite")


def idle_seconds() -> float:
    return 60 * float(config.setting("FINSAM_SESSION_IDLE_MINUTES"))


def max_seconds() -> float:
    return 3600 * float(config.setting("FINSAM_SESSION_MAX_HOURS"))


@contextmanager
def _open(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    path = path or store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("""CREATE TABLE IF NOT EXISTS session (token_sha256 TEXT PRIMARY KEY, user_name TEXT NOT NULL,
                   created_at REAL NOT NULL, last_seen REAL NOT NULL)""")
    path.chmod(0o600)
    try:
        yield con
    finally:
        con.close()


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: str, *, now: float | None = None, path: Path | None = None) -> str:
    """A new session for a signed-in user; returns the id for the cookie."""
    token = secrets.token_urlsafe(32)
    now = time.time() if now is None else now
    with _open(path) as con:
        con.execute("INSERT INTO session VALUES (?, ?, ?, ?)", [_sha(token), user, now, now])
        con.execute("DELETE FROM session WHERE last_seen < ? OR created_at < ?", [now - idle_seconds(),
                                                                                 now - max_seconds()])
    return token


def user_of(token: str | None, *, now: float | None = None, path: Path | None = None) -> str | None:
    """The user of a live session, marking it used; None for an unknown, ended, idle or too old one."""
    if not isinstance(token, str) or not token:
        return None
    now = time.time() if now is None else now
    idle = idle_seconds()
    with _open(path) as con:
        row = con.execute("SELECT user_name, last_seen, created_at FROM session WHERE token_sha256 = ?",
                          [_sha(token)]).fetchone()
        if row is None:
            return None
        if now - row[1] > idle or now - row[2] > max_seconds():
            con.execute("DELETE FROM session WHERE token_sha256 = ?", [_sha(token)])
            return None
        if now - row[1] > min(30.0, idle / 4):  # not a write on every rerun
            con.execute("UPDATE session SET last_seen = ? WHERE token_sha256 = ?", [now, _sha(token)])
        return row[0]


def end(token: str | None, *, path: Path | None = None) -> str | None:
    """End a session (sign-out); returns whose it was."""
    if not token:
        return None
    with _open(path) as con:
        row = con.execute("DELETE FROM session WHERE token_sha256 = ? RETURNING user_name", [_sha(token)]).fetchone()
    return row[0] if row else None

