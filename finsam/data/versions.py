"""The version store: every version of the database: each change through finsam.write.writes.rewrite keeps the file it replaced in
`<db>.versions/` (a hard link: the live file is only ever replaced by a rename, never written in place, so a
link is a faithful copy at no cost; a copy where links are impossible) and appends one line to
`<db>.versions/history.jsonl` saying when, who, what, and the checksum of the figures before and after.

Version N is the file change N replaced, so restoring N undoes change N and everything after it. A restore
goes through the same copy-and-swap as an import (finsam.write.writes: readers see the old file or the restored
one, never half), decides what to restore and whether the person may under the write lock, and is itself
a change, so it can be undone too. FINSAM_KEEP_VERSIONS files are kept (default 30);
the history lines stay when an old file is pruned.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

from finsam import config


class RestoreError(Exception):
    """A version that cannot be restored, in a Swedish sentence."""


def versions_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".versions")


def history_path(db_path: Path) -> Path:
    return versions_dir(db_path) / "history.jsonl"


def keep_versions() -> int:
    return max(1, int(config.setting("FINSAM_KEEP_VERSIONS")))


def figures_checksum(con) -> str:
    """SHA-256 over every table the figures are computed from (rows counted, and the sum of DuckDB's row
    hashes, per table): equal checksums, equal tables, so equal figures. Measured at a million participations:
    0.3 s, where hashing figures.compute's output took about 50 s on the same file."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                        "current_database() AND NOT temporary ORDER BY table_name").fetchall()]
    h = hashlib.sha256()
    for name in tables:
        n, total = con.execute(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{name}" t').fetchone()
        h.update(f"{name}:{n}:{total};".encode())
    return h.hexdigest()


def file_checksum(db_path: Path) -> str:
    from finsam.data import db

    con = db.connect(db_path, read_only=True)
    try:
        return figures_checksum(con)
    finally:
        con.close()


def history(db_path: Path) -> list[dict]:
    """Every change, oldest first."""
    path = history_path(db_path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            entry["kept"] = (versions_dir(db_path) / entry["file_kept"]).exists()
            out.append(entry)
    return out


def keep(db_path: Path) -> tuple[int, str] | None:
    """Before a swap (under the import lock): keep the live file as the next version. Returns (version, name)."""
    if not db_path.exists():
        return None
    folder = versions_dir(db_path)
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o700 if (db_path.stat().st_mode & 0o077) == 0 else 0o755)
    entries = history(db_path)
    named = {e["file_kept"] for e in entries}
    for orphan in folder.glob("*.duckdb"):  # kept by a change killed before its swap: nothing refers to it
        if orphan.name not in named:
            orphan.unlink(missing_ok=True)
    n = (max(e["version"] for e in entries) + 1) if entries else 1
    name = f"{n:06d}-{dt.datetime.now():%Y%m%dT%H%M%S}.duckdb"
    target = folder / name
    try:
        os.link(db_path, target)
    except OSError:
        shutil.copy2(db_path, target)
    return n, name


def record(db_path: Path, version: int, name: str, *, user: str, role: str, action: str, detail: dict | None,
           checksum_before: str | None, checksum_after: str | None) -> dict:
    """After the swap: append the change's line and prune old files."""
    detail = dict(detail or {})
    entry = {"version": version, "when": dt.datetime.now().isoformat(timespec="seconds"), "user": user or "",
             "role": role or "", "action": action, "file": detail.pop("file", ""),
             "associations": detail.pop("associations", []), "added": detail.pop("added", None),
             "updated": detail.pop("updated", None), "checksum_before": checksum_before,
             "checksum_after": checksum_after, "file_kept": name, "detail": detail}
    with open(history_path(db_path), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    prune(db_path)
    return entry


def prune(db_path: Path, keep_n: int | None = None) -> None:
    keep_n = keep_n or keep_versions()
    files = sorted(p for p in versions_dir(db_path).glob("*.duckdb"))
    for old in files[:-keep_n]:
        old.unlink(missing_ok=True)


def last_checksum(db_path: Path) -> str | None:
    entries = history(db_path)
    return entries[-1]["checksum_after"] if entries else None


def find(db_path: Path, version: int | None) -> dict:
    """The history entry of a version (None: the last change)."""
    entries = history(db_path)
    if not entries:
        raise RestoreError(f"Det finns inga sparade versioner av {db_path} ännu: ingen ändring har gjorts "
                           "sedan versioner började sparas.")
    entry = entries[-1] if version is None else next((e for e in entries if e["version"] == version), None)
    if entry is None:
        raise RestoreError(f"Version {version} finns inte. Se vilka som finns med: python -m finsam history --db {db_path}")
    if not entry["kept"]:
        raise RestoreError(f"Filen för version {entry['version']} har rensats bort (bara de senaste "
                           f"{keep_versions()} sparas, FINSAM_KEEP_VERSIONS). Välj en nyare version.")
    return entry


def summary(entry: dict) -> str:
    """A change in words: "importen av a.csv för Sydnärke den 2026-12-01 kl. 10:00:00 av sam"."""
    what = {"import": "importen", "demo_removed": "borttagningen av demouppgifter", "restore": "återställningen",
            "upgrade": "uppgraderingen"}.get(entry["action"], f"ändringen ({entry['action']})")
    parts = [f"{what}"]
    if entry.get("file"):
        parts.append(f"av {entry['file']}")
    if entry.get("associations"):
        parts.append(f"för {', '.join(entry['associations'])}")
    parts.append(f"den {entry['when'].replace('T', ' kl. ')}")
    if entry.get("user"):
        parts.append(f"av {entry['user']}")
    return " ".join(parts)


def describe(entry: dict, later: list[dict] = ()) -> str:
    """What restoring this version undoes, in one sentence (and the later changes it undoes too)."""
    counts = []
    if entry.get("added") is not None:
        counts.append(f"{entry['added']} nya rader")
    if entry.get("updated") is not None:
        counts.append(f"{entry['updated']} ändrade")
    text = "Ångrar " + summary(entry)
    if counts:
        text += f" ({', '.join(counts)})"
    if later:
        text += ", och de senare ändringarna: " + "; ".join(f"version {e['version']}, {summary(e)}" for e in later)
    return text + ". Databasen blir som före den ändringen; ändringen sparas som en version och kan själv ångras."
