"""The one door for writes: every change of the database file (an import, a demo removal, an upgrade, a
goal saved, a restore) goes through `rewrite`, under the write lock.

Concurrency design (DuckDB lets one process write a file, and a file opened for writing blocks readers in
other processes): a change never opens the live database for writing. It copies the file, writes the copy
in one transaction, checkpoints and closes it, and swaps it in with an atomic rename. Everyone browsing
keeps reading the old file (an open file outlives a rename on POSIX) until their next query sees the new
version (finsam.web.reads keys its connection and caches by the file's inode and mtime). A crash or kill before
the rename leaves the live file untouched (and a copy `<db>.import-<pid>` that the next change removes and
`doctor` reports).

Every write decides under the lock: a change that depends on what the database or its history holds
(a restore: which version, whether this person may) takes `Lock` first and decides inside it; the lock is
reentrant within a thread, so it then writes through `rewrite`. The version kept, the history line and the
audit log entry are all written before the lock is released, so two writers at once are recorded in the
order they changed the file.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from finsam.data import db

_held = threading.local()  # per thread: lock file -> [open file, depth]


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".importlock")


class Lock:
    """The write lock of a database file (flock on `<db>.importlock`): one writer at a time, across
    processes and threads; reentrant within a thread."""

    def __init__(self, db_path: Path):
        self.key = os.path.realpath(lock_path(Path(db_path)))  # one lock however the path is spelt

    def __enter__(self):
        held = _held.__dict__.setdefault("locks", {})
        if self.key in held:
            held[self.key][1] += 1
        else:
            fh = open(self.key, "a")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX)
            except BaseException:
                fh.close()
                raise
            held[self.key] = [fh, 1]
        return self

    def __exit__(self, *exc):
        held = _held.__dict__["locks"]
        entry = held[self.key]
        entry[1] -= 1
        if entry[1] == 0:
            del held[self.key]
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            entry[0].close()


def busy(db_path: Path) -> bool:
    """Whether a change is being written now (by another process or thread)."""
    path = lock_path(db_path)
    if not path.exists():
        return False
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def work_copies(db_path: Path) -> list[Path]:
    """The private copies changes write (with their .wal and .ready files); any found while no change
    runs were left by a killed one."""
    return sorted(db_path.parent.glob(f"{db_path.name}.import-*"))


def _copy_for_writing(db_path: Path, source: Path | None = None) -> Path:
    """A private copy of the live file (or of source, a kept version) to write; copies left by a killed
    change are removed first (under the lock, so none of them is in use)."""
    for stale in work_copies(db_path):
        stale.unlink(missing_ok=True)
    work = db_path.with_name(f"{db_path.name}.import-{os.getpid()}")
    shutil.copy2(source or db_path, work)
    if db_path.exists():
        os.chmod(work, db_path.stat().st_mode & 0o777)
    return work


@contextmanager
def rewrite(db_path: Path, *, user: str = "", role: str = "", action: str = "change", detail: dict | None = None,
            source: Path | None = None):
    """A writable connection to a private copy of the live file, under the write lock. When the block ends
    without an error the copy is checkpointed and swapped in (a reader sees the old file or the new one,
    never half); on an error, or if the process dies, the live file is untouched and the copy removed.
    The replaced file is kept as a version (finsam.write.versions) with who (user, role), what (action) and
    detail (a dict the block may still fill in: file, associations, added, updated, ...), and the change
    is written to the audit log, both before the lock is released. source: start from this file instead
    of the live one (a restore)."""
    from finsam.data import audit
    from finsam.data import versions

    detail = detail if detail is not None else {}
    with Lock(db_path):
        work = _copy_for_writing(db_path, source)
        try:
            con = db.connect(work)
            try:
                yield con
                con.execute("CHECKPOINT")
                after = versions.figures_checksum(con)
            finally:
                con.close()
            before = versions.last_checksum(db_path) if versions.history(db_path) else None
            if before is None and db_path.exists():
                before = versions.file_checksum(db_path)
            kept = versions.keep(db_path)
            _swap_in(work, db_path)
            if kept:
                versions.record(db_path, *kept, user=user, role=role, action=action, detail=detail,
                                checksum_before=before, checksum_after=after)
        finally:
            for p in (work, Path(f"{work}.wal"), Path(f"{work}.ready")):
                p.unlink(missing_ok=True)
        audit.record(action, user=user, role=role, association=", ".join(detail.get("associations") or ()),
                     detail={k: v for k, v in detail.items() if k != "associations"}, db_path=db_path)


def _swap_in(work: Path, db_path: Path) -> None:
    with open(work, "rb") as fh:
        os.fsync(fh.fileno())
    pause = os.environ.get("FINSAM_IMPORT_PAUSE_BEFORE_SWAP")  # for the test that kills an import midway
    if pause:
        Path(f"{work}.ready").write_text("ready")
        time.sleep(float(pause))
    os.replace(work, db_path)
    dir_fd = os.open(db_path.parent, os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
