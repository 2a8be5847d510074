"""Signing in: Streamlit's st.login with an OpenID Connect provider, or local accounts in a file with
argon2-hashed passwords; each identity maps to a role (finsam.access). FINSAM_AUTH chooses: `none` (the
demo installation, labelled as demo), `local`, `oidc`, or `local,oidc`.

Local accounts live in a TOML file (FINSAM_USERS):

    [users.anna]
    password_hash = "$argon2id$..."   # python -m finsam user add anna --role coordinator --association Sydnärke
    role = "coordinator"
    association = "Sydnärke"

OIDC identities map to roles in FINSAM_ROLES (TOML), by e-mail, e-mail domain or a claim:

    [[roles]]
    email = "anna@kumla.se"            # or: domain = "kumla.se", or: claim = "groups", value = "finsam-styrelse"
    role = "board"
    association = "Sydnärke"

Repeated failed local logins slow down (a growing wait before the answer) and then lock the account for
FINSAM_LOCKOUT_MINUTES; the failures are kept in a JSON file beside the accounts file.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from finsam import config
from finsam.access import ROLES, Access

SLOW_AFTER = 3  # failures before each answer waits
LOCK_AFTER = 5  # failures before the account locks
MAX_WAIT_S = 8.0
_hasher = PasswordHasher()


def mode() -> set[str]:
    return {m.strip() for m in config.setting("FINSAM_AUTH").split(",") if m.strip() and m.strip() != "none"}


def _access(name: str, entry: dict) -> Access:
    role = entry.get("role", "")
    if role not in ROLES:
        raise ValueError(f"{name}: unknown role {role!r} (one of {', '.join(ROLES)})")
    association = entry.get("association")
    if role in ("coordinator", "board") and not association:
        raise ValueError(f"{name}: a {role} needs an association")
    associations = None if role in ("admin", "reader") else (association,)
    return Access(role, associations, name)


# --- local accounts -------------------------------------------------------------------------------------

def users_path() -> Path:
    return config.path_setting("FINSAM_USERS")


def read_users(path: Path | None = None) -> dict[str, dict]:
    path = path or users_path()
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8")).get("users", {})


def write_users(users: dict[str, dict], path: Path | None = None) -> None:
    path = path or users_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, entry in sorted(users.items()):
        lines.append(f"[users.{json.dumps(name)}]")
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items() if v is not None]
        lines.append("")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


@dataclass
class LoginResult:
    access: Access | None
    message: str = ""


class _Failures:
    """Failed attempts per account, in a JSON file, read and written under a lock."""

    def __init__(self, path: Path):
        self.path = path.with_name(path.name + ".failures.json")

    def _update(self, name: str, change) -> dict:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # read-write without append mode; the lock is held until the new content is on disk (closing the
        # file releases it), so concurrent sign-ins never read a half-written file or write one twice
        with os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "r+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            text = fh.read()
            try:
                data = json.loads(text) if text.strip() else {}
            except ValueError:  # written by an earlier finsam that could leave it half-written
                logging.getLogger("finsam").warning("%s was unreadable and starts again empty", self.path)
                data = {}
            entry = change(data.get(name, {"failures": 0, "locked_until": None}))
            data[name] = entry
            fh.seek(0)
            fh.write(json.dumps(data))
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
        return entry

    def get(self, name: str) -> dict:
        return self._update(name, lambda e: e)

    def fail(self, name: str, now: dt.datetime) -> dict:
        def change(e):
            e["failures"] += 1
            if e["failures"] >= LOCK_AFTER:
                e["locked_until"] = (now + dt.timedelta(minutes=lockout_minutes())).isoformat()
            return e
        return self._update(name, change)

    def reset(self, name: str) -> None:
        self._update(name, lambda e: {"failures": 0, "locked_until": None})


def lockout_minutes() -> float:
    return float(config.setting("FINSAM_LOCKOUT_MINUTES"))


def login_local(name: str, password: str, *, now: dt.datetime | None = None, sleep=time.sleep,
                path: Path | None = None) -> LoginResult:
    """Check a local account; the same message for an unknown name and a wrong password."""
    now = now or dt.datetime.now()
    path = path or users_path()
    failures = _Failures(path)
    state = failures.get(name)
    if state["locked_until"] and dt.datetime.fromisoformat(state["locked_until"]) > now:
        return LoginResult(None, "Kontot är tillfälligt låst efter för många misslyckade försök. Försök igen senare.")
    if state["locked_until"]:
        failures.reset(name)
        state = {"failures": 0}
    if state["failures"] >= SLOW_AFTER:
        sleep(min(MAX_WAIT_S, 2.0 ** (state["failures"] - SLOW_AFTER)))
    entry = read_users(path).get(name)
    ok = False
    if entry:
        try:
            ok = _hasher.verify(entry.get("password_hash", ""), password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # the same work for an unknown name: no timing hint that it is unknown
    if not ok:
        state = failures.fail(name, now)
        if state["locked_until"]:
            return LoginResult(None, "Kontot är tillfälligt låst efter för många misslyckade försök. Försök igen senare.")
        return LoginResult(None, "Fel användarnamn eller lösenord.")
    failures.reset(name)
    return LoginResult(_access(name, entry))


def local_access(name: str, path: Path | None = None) -> Access | None:
    """The role of a local account that has a session (None once the account is removed)."""
    entry = read_users(path).get(name)
    return None if entry is None else _access(name, entry)


# --- OpenID Connect ---------------------------------------------------------------------------------------

def access_for_identity(user: dict, rules_path: Path | None = None) -> Access | None:
    """The role of an OIDC identity (st.user), from FINSAM_ROLES by e-mail, domain or claim; None: no role."""
    rules_path = rules_path or config.path_setting("FINSAM_ROLES")
    if not rules_path.exists():
        return None
    email = str(user.get("email") or "").lower()
    for rule in tomllib.loads(rules_path.read_text(encoding="utf-8")).get("roles", []):
        if "email" in rule and rule["email"].lower() == email \
                or "domain" in rule and email.endswith("@" + rule["domain"].lower()) \
                or "claim" in rule and _claim_has(user.get(rule["claim"]), rule.get("value")):
            return _access(email or str(user.get("sub", "")), rule)
    return None


def _claim_has(claim, value) -> bool:
    return claim == value or (isinstance(claim, (list, tuple)) and value in claim)


# --- command line: user management (the CLI runs as administrator) ---------------------------------------

def cmd_user(args) -> int:
    users = read_users()
    if args.action == "list":
        for name, entry in sorted(users.items()):
            print(f"{name}\t{entry.get('role')}\t{entry.get('association', '')}")
        return 0
    if args.action == "remove":
        if users.pop(args.name, None) is None:
            print(f"Användaren {args.name} finns inte.", file=sys.stderr)
            return 1
        write_users(users)
        from finsam.data import audit

        audit.record("user_removed", user="kommandoraden", role="admin", detail={"account": args.name})
        return 0
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else _ask_password()
    if len(password) < 12:
        print("Lösenordet måste ha minst 12 tecken.", file=sys.stderr)
        return 1
    entry = {"password_hash": _hasher.hash(password), "role": args.role, "association": args.association}
    _access(args.name, entry)  # validates role and association
    users[args.name] = entry
    write_users(users)
    from finsam.data import audit

    audit.record("user_added", user="kommandoraden", role="admin", association=args.association or "",
                 detail={"account": args.name, "account_role": args.role})
    print(f"{args.name}: {args.role}{' för ' + args.association if args.association else ''} sparad i {users_path()}")
    return 0


def _ask_password() -> str:
    import getpass

    first = getpass.getpass("Lösenord: ")
    if getpass.getpass("Igen: ") != first:
        raise SystemExit("Lösenorden är olika.")
    return first
