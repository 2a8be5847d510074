"""What every command shares: the --db argument, the database it names, a read-only connection."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from finsam import config


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, help="DuckDB file (default: $FINSAM_DB or data/finsam.duckdb)")


def db_path(args) -> Path:
    """The database a command works on: --db, else FINSAM_DB (or data/finsam.duckdb)."""
    return getattr(args, "db", None) or config.load().db_path


def connect(args):
    """A read-only connection to the command's database; a Swedish sentence and exit when it is missing."""
    from finsam.data import db

    path = db_path(args)
    if not path.exists():
        sys.exit(f"Databasen {path} finns inte. Skapa den med: python -m finsam build --db {path}")
    return db.connect(path, read_only=True)


def municipality_codes(con, names_or_codes) -> list[str]:
    """Municipality names or codes as codes; exits with a Swedish sentence on an unknown one."""
    out = []
    for m in names_or_codes:
        row = con.execute("SELECT municipality_code FROM municipality WHERE municipality_code = ? "
                          "OR lower(municipality_name) = lower(?)", [m, m]).fetchone()
        if row is None:
            sys.exit(f"Okänd kommun: {m}")
        out.append(row[0])
    return out
