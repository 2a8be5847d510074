"""Failed sign-ins, kept small and decided under locks shared by every thread and process of the app.

- **Per account** (`account_lock`): a local sign-in reads the account's failures, checks the password and
  counts the outcome while holding one lock for that account (an flock on one of 256 files chosen by the
  name's hash), so guesses sent at once are checked one after the other and none past the limit.
- **The failures file** (`Failures`, `<users>.failures.json`): a known account under its name, any other
  name under a keyed hash (never the name itself: it may be a password typed into the wrong field).
  Written only when something changes; entries older than the lockout window and names no account has
  are dropped, and at most `MAX_UNKNOWN` made-up names are kept, so the file stays small.
- **Per client** (`Clients`, `<users>.clients.json`): failed attempts per client address (IPv6 by /64) in
  the last minute; an attempt is reserved before the password is checked (pending), given back when it
  succeeds and counted as a failure when it fails. A room of board members behind one NAT address signing in
  at the same minute is let in: pending attempts count only towards CLIENT_BURST, failures towards
  CLIENT_ATTEMPTS.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import ipaddress
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_AFTER = 5  # failures before the account locks
CLIENT_ATTEMPTS = 20  # failed attempts per client address ...
CLIENT_WINDOW_S = 60  # ... within this many seconds
CLIENT_BURST = 60  # sign-ins being checked at once plus failures, per client address (a room behind one NAT)
MAX_UNKNOWN = 10_000  # made-up names kept in the failures file
MAX_CLIENTS = 10_000  # client addresses kept in the clients file
log = logging.getLogger("finsam")


class JsonFile:
    """A small JSON object in a file, read under a shared lock and changed under an exclusive one held until
    the new content is on disk (closing the file releases it)."""

    def __init__(self, path: Path):
        self.path = path

    def _open(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "r+", encoding="utf-8")

    def _load(self, fh) -> dict:
        text = fh.read()
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:  # written by an earlier finsam that could leave it half-written
            log.warning("%s was unreadable and starts again empty", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def read(self) -> dict:
        if not self.path.exists():
            return {}
        with self._open() as fh:
            fcntl.flock(fh, fcntl.LOCK_SH)
            return self._load(fh)

    def change(self, change: Callable[[dict], object]):
        """Apply change(data) (which edits data in place and returns the result) and write the data."""
        with self._open() as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            data = self._load(fh)
            result = change(data)
            fh.seek(0)
            fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
        return result


def _folder(users: Path) -> Path:
    folder = users.with_name(users.name + ".signin")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


@contextmanager
def account_lock(users: Path, key: str) -> Iterator[None]:
    """Held while an account's failures are read, its password checked and the outcome counted."""
    bucket = hashlib.sha256(key.encode("utf-8")).hexdigest()[:2]
    fd = os.open(_folder(users) / f"lock-{bucket}", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # per open file: threads of one process wait for each other too
        yield
    finally:
        os.close(fd)


def _secret(users: Path) -> bytes:
    """This installation's random key (made once; linked into place whole, so nobody reads it half-written)."""
    path = _folder(users) / "key"
    if not path.exists():
        tmp = path.with_name(f"key.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_bytes(secrets.token_bytes(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def unknown_key(users: Path, name: str) -> str:
    """The failures file's key of a name no account has: a keyed hash, so the name cannot be read back."""
    return "?" + hashlib.blake2b(name.encode("utf-8"), key=_secret(users), digest_size=8).hexdigest()


class Failures:
    """Failed sign-ins per account: {key: {"failures": n, "locked_until": iso or None, "last": iso}}."""

    def __init__(self, users: Path, lockout: dt.timedelta):
        self.file = JsonFile(users.with_name(users.name + ".failures.json"))
        self.lockout = lockout

    def _live(self, entry, now: dt.datetime) -> dict:
        """The entry as it counts now: none once its lock has ended or its last failure is past the window."""
        empty = {"failures": 0, "locked_until": None}
        if not isinstance(entry, dict) or not isinstance(entry.get("failures"), int):
            return empty
        locked, last = entry.get("locked_until"), entry.get("last")
        if locked:
            return entry if dt.datetime.fromisoformat(locked) > now else empty
        if not last or dt.datetime.fromisoformat(last) + self.lockout < now:
            return empty
        return entry

    def state(self, key: str, now: dt.datetime) -> dict:
        return self._live(self.file.read().get(key), now)

    def _prune(self, data: dict, now: dt.datetime, accounts: set[str]) -> None:
        for key in list(data):
            if not (key in accounts or key.startswith("?")) or not self._live(data[key], now)["failures"]:
                del data[key]
        unknown = sorted((k for k in data if k.startswith("?")), key=lambda k: data[k]["last"])
        for key in unknown[:max(0, len(unknown) - MAX_UNKNOWN)]:
            del data[key]

    def fail(self, key: str, now: dt.datetime, accounts: set[str]) -> dict:
        """Count a failed (or refused) attempt; the account locks at LOCK_AFTER, and a refusal while it is
        locked does not make the lock longer."""
        def change(data):
            entry = dict(self._live(data.get(key), now))
            entry["failures"] += 1
            entry["last"] = now.isoformat()
            if entry["failures"] >= LOCK_AFTER and not entry["locked_until"]:
                entry["locked_until"] = (now + self.lockout).isoformat()
            data[key] = entry
            self._prune(data, now, accounts)
            return entry
        return self.file.change(change)

    def clear(self, key: str, now: dt.datetime, accounts: set[str]) -> None:
        if key in self.file.read():
            self.file.change(lambda data: (data.pop(key, None), self._prune(data, now, accounts)))


def client_key(address: str) -> str:
    """An IPv4 address as it is, an IPv6 address by its /64 (one network hands out the rest of it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Clients:
    """Failed sign-ins per client address in the last CLIENT_WINDOW_S seconds: {key: {"at": [...], "told": bool}}."""

    def __init__(self, users: Path):
        self.file = JsonFile(users.with_name(users.name + ".clients.json"))

    @staticmethod
    def _prune(data: dict, now: float) -> None:
        def recent(entry, name):
            return [t for t in entry.get(name, []) if isinstance(t, (int, float)) and t > now - CLIENT_WINDOW_S]

        for key in list(data):
            entry = data[key]
            at, pending = (recent(entry, "at"), recent(entry, "pending")) if isinstance(entry, dict) else ([], [])
            if at or pending:
                entry["at"], entry["pending"] = at, pending
            else:
                del data[key]
        for key in sorted(data, key=lambda k: max(data[k]["at"] + data[k]["pending"]))[:max(0, len(data) - MAX_CLIENTS)]:
            del data[key]

    def reserve(self, address: str, now: float) -> tuple[bool, int, bool]:
        """Take one attempt for the client: (allowed, seconds until the next is, first refusal in the window)."""
        key = client_key(address)

        def change(data):
            self._prune(data, now)
            entry = data.setdefault(key, {"at": [], "pending": [], "told": False})
            if len(entry["at"]) >= CLIENT_ATTEMPTS or len(entry["at"]) + len(entry["pending"]) >= CLIENT_BURST:
                first, entry["told"] = not entry["told"], True
                oldest = min(entry["at"] + entry["pending"])
                return False, max(1, int(oldest + CLIENT_WINDOW_S - now) + 1), first
            entry["pending"].append(round(now, 3))
            return True, 0, False
        return self.file.change(change)

    def give_back(self, address: str, now: float) -> None:
        """The attempt succeeded: it does not count against the client."""
        self._settle(address, now, failed=False)

    def failed(self, address: str, now: float) -> None:
        """The attempt failed: it counts against the client for CLIENT_WINDOW_S seconds."""
        self._settle(address, now, failed=True)

    def _settle(self, address: str, now: float, failed: bool) -> None:
        key = client_key(address)

        def change(data):
            self._prune(data, now)
            entry = data.get(key)
            if entry is None:
                entry = data[key] = {"at": [], "pending": [], "told": False}
            if entry["pending"]:
                entry["pending"].pop(0)
            if failed:
                entry["at"].append(round(now, 3))
            if not entry["at"] and not entry["pending"]:
                del data[key]
        self.file.change(change)
