"""Settings, each read from an environment variable with a default (listed in the README)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = {
    "FINSAM_DB": ("data/finsam.duckdb", "Path of the DuckDB file the dashboard and the CLI use."),
    "FINSAM_DATA_DIR": ("data", "Folder with the reference data and published figures the build reads."),
    "FINSAM_SEED": ("20241231", "Seed of the demo build (same seed and data: same records)."),
    "FINSAM_AUTH": ("none", "Sign-in: none (demo installation), local, oidc, or local,oidc."),
    "FINSAM_USERS": ("config/users.toml", "Local accounts (argon2 password hashes, role, association)."),
    "FINSAM_ROLES": ("config/roles.toml", "Roles of OpenID Connect identities by e-mail, domain or claim."),
    "FINSAM_LOCKOUT_MINUTES": ("15", "How long an account stays locked after 5 failed sign-ins."),
    "FINSAM_SESSION_IDLE_MINUTES": ("480", "A local account's session ends after this long without use."),
    "FINSAM_SESSION_MAX_HOURS": ("12", "A local account's session ends this long after sign-in, even in use."),
    "FINSAM_TRUSTED_PROXIES": ("", "Addresses of reverse proxies whose X-Forwarded-For names the client."),
    "FINSAM_KEEP_VERSIONS": ("30", "How many earlier versions of the database file are kept (undo, restore)."),
    "FINSAM_BACKUP_DIR": ("backups", "Folder of the nightly backups (python -m finsam backup; doctor checks their age)."),
    "FINSAM_SMALL_COUNT": ("5", "Counts below this (from 1) are shown as '..'; shares over fewer are hidden."),
    "FINSAM_ACCESSIBILITY_CONTACT": ("förbundets kansli (se förbundets webbplats)",
                                     "Where the accessibility statement tells users to report a problem."),
}


def setting(name: str) -> str:
    default, _help = SETTINGS[name]
    return os.environ.get(name, default)


def path_setting(name: str) -> Path:
    """A path setting, relative to the repository root unless absolute."""
    return _path(name)


def _path(name: str) -> Path:
    p = Path(setting(name))
    return p if p.is_absolute() else ROOT / p


@dataclass(frozen=True)
class Config:
    db_path: Path
    data_dir: Path
    seed: int


def load() -> Config:
    return Config(db_path=_path("FINSAM_DB"), data_dir=_path("FINSAM_DATA_DIR"), seed=int(setting("FINSAM_SEED")))
