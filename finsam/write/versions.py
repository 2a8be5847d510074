"""Undoing changes: restore a kept version through the one door for writes, deciding under the write lock
what to restore and whether the person may; the version store itself is finsam.data.versions (the names
the callers of restore need with it are re-exported here)."""
from __future__ import annotations

from pathlib import Path

from finsam.data.versions import (RestoreError, describe, file_checksum, find, history,  # noqa: F401
                                  summary, versions_dir)  # describe, file_checksum: for the callers of restore


def restore(db_path: Path, version: int | None = None, *, newest: int | None = None, user: str = "kommandoraden",
            role: str = "admin", access=None) -> dict:
    """Bring back version `version` (None: undo the last change), which undoes that change and every later
    one, through the one door for writes. Everything is decided under the write lock, after any change
    that was being written when the restore was asked for: which version (None: the last change then),
    whether this person may (access given and not an administrator: only the last change, and only one
    that touched the coordinator's own associations alone), and that no change newer than `newest` (the
    newest version the person saw when choosing) has come in since; otherwise RestoreError or AccessDenied
    and nothing is changed. The history line and audit entry say which versions were undone."""
    from finsam.write import writes

    with writes.Lock(db_path):
        entry = find(db_path, version)
        entries = history(db_path)
        newer = [e for e in entries if newest is not None and e["version"] > newest]
        if newer:
            raise RestoreError("Databasen har ändrats sedan du valde vad som skulle ångras: "
                               + "; ".join(f"version {e['version']}, {summary(e)}" for e in newer)
                               + ". Inget har återställts; se vad som gäller nu (python -m finsam history) "
                               "och välj igen.")
        if access is not None:
            may_undo(db_path, access, entry)
        source = versions_dir(db_path) / entry["file_kept"]
        detail = {"restored_version": entry["version"], "undoes": entry["action"], "file": entry.get("file", ""),
                  "associations": entry.get("associations", []),
                  "undone_versions": [e["version"] for e in entries if e["version"] >= entry["version"]]}
        with writes.rewrite(db_path, user=user, role=role, action="restore", detail=detail, source=source):
            pass
        after = history(db_path)[-1]
    # the restored file's tables against those the change replaced (a DuckDB upgrade may change its hash)
    after["matches"] = not entry.get("checksum_before") or after.get("checksum_after") == entry["checksum_before"]
    return after


def may_undo(db_path: Path, access, entry: dict | None = None) -> dict:
    """The last change if this person may undo it, else AccessDenied with the reason in Swedish."""
    from finsam.access import AccessDenied

    entries = history(db_path)
    if not entries:
        raise AccessDenied("Det finns ingen ändring att ångra.")
    last = entries[-1]
    if access.role == "admin":
        return entry or last
    if not access.may_import:
        raise AccessDenied("Att ångra en ändring kräver inloggning som administratör eller samordnare.")
    if entry is not None and entry["version"] != last["version"]:
        raise AccessDenied("En samordnare kan bara ångra den senaste ändringen.")
    assocs = last.get("associations") or []
    if not assocs or not all(access.allows(a) for a in assocs):
        raise AccessDenied("Den senaste ändringen gäller inte bara ditt förbund; be en administratör ångra den.")
    return last
