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
FINSAM_LOCKOUT_MINUTES; the failures are counted under one lock per account (finsam.web.attempts) in a JSON file
beside the accounts file. An account name has at most 64 characters and no control characters
(`name_problem`, the same rule for the sign-in and `user add`).
"""
from __future__ import annotations

import datetime as dt
import json
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from finsam.web import attempts
from finsam import config
from finsam.access import ROLES, Access

SLOW_AFTER = 3  # failures before each answer waits
LOCK_AFTER = attempts.LOCK_AFTER  # failures before the account locks
MAX_WAIT_S = 8.0
MAX_NAME_LENGTH = 64  # characters of an account name
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2 hash of a password, for the accounts file."""
    return _hasher.hash(password)


def mode() -> set[str]:
    return {m.strip() for m in config.setting("FINSAM_AUTH").split(",") if m.strip() and m.strip() != "none"}


def access_of(name: str, entry: dict) -> Access:
    """The Access of an account entry (role and association checked); ValueError names what is wrong."""
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
    reason: str = ""  # why not: wrong, locked, name
    account: str | None = None  # the name, when an account has it (an unknown name is never handed on)


WRONG = "Fel användarnamn eller lösenord."
LOCKED = "Kontot är tillfälligt låst efter för många misslyckade försök. Försök igen senare."


def name_problem(name: str) -> str | None:
    """Why no account can have this name (a sentence), or None: at most MAX_NAME_LENGTH characters, no
    control characters (line breaks, tabs, NUL); the sign-in refuses such a name before writing anything."""
    if not name:
        return "Användarnamnet saknas."
    if len(name) > MAX_NAME_LENGTH:
        return f"Användarnamnet får ha högst {MAX_NAME_LENGTH} tecken (det här har {len(name)})."
    if not all(c.isprintable() for c in name):
        return "Användarnamnet får inte innehålla styrtecken (som radbrytning eller tabb)."
    return None


def lockout_minutes() -> float:
    return float(config.setting("FINSAM_LOCKOUT_MINUTES"))


def login_local(name: str, password: str, *, now: dt.datetime | None = None, sleep=time.sleep,
                path: Path | None = None) -> LoginResult:
    """Check a local account; the same message for an unknown name and a wrong password. The account's
    failures are read, the password checked and the outcome counted under one lock for the account
    (finsam.web.attempts), so guesses sent at once are checked one by one and none after the limit."""
    problem = name_problem(name)
    if problem:
        return LoginResult(None, problem, "name")
    now = now or dt.datetime.now()
    path = path or users_path()
    users = read_users(path)
    entry = users.get(name)
    key = name if entry else attempts.unknown_key(path, name)
    failures = attempts.Failures(path, dt.timedelta(minutes=lockout_minutes()))
    account = name if entry else None
    with attempts.account_lock(path, key):
        state = failures.state(key, now)
        if state["locked_until"]:
            failures.fail(key, now, set(users))  # counted, never checked
            return LoginResult(None, LOCKED, "locked", account)
        if state["failures"] >= SLOW_AFTER:
            sleep(min(MAX_WAIT_S, 2.0 ** (state["failures"] - SLOW_AFTER)))
        ok = False
        if entry:
            try:
                ok = _hasher.verify(entry.get("password_hash", ""), password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            _hasher.hash(password)  # the same work for an unknown name: no timing hint that it is unknown
        if not ok:
            if failures.fail(key, now, set(users))["locked_until"]:
                return LoginResult(None, LOCKED, "locked", account)
            return LoginResult(None, WRONG, "wrong", account)
        failures.clear(key, now, set(users))
    return LoginResult(access_of(name, entry), account=name)


def local_access(name: str, path: Path | None = None) -> Access | None:
    """The role of a local account that has a session (None once the account is removed)."""
    entry = read_users(path).get(name)
    return None if entry is None else access_of(name, entry)


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
            return access_of(email or str(user.get("sub", "")), rule)
    return None


def _claim_has(claim, value) -> bool:
    return claim == value or (isinstance(claim, (list, tuple)) and value in claim)


# --- command line: user management (the CLI runs as administrator) ---------------------------------------
