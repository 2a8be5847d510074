"""Command line: python -m finsam build | figures | reconcile."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from finsam import config


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, help="DuckDB file (default: $FINSAM_DB or data/finsam.duckdb)")


def _connect(args):
    from finsam.data import db

    path = args.db or config.load().db_path
    if not path.exists():
        sys.exit(f"Databasen {path} finns inte. Skapa den med: python -m finsam build --db {path}")
    return db.connect(path, read_only=True)


def cmd_build(args) -> int:
    from finsam.build.database import BuildError, build

    cfg = config.load()
    path = args.db or cfg.db_path
    started = time.perf_counter()
    try:
        counts = build(path, cfg.data_dir, args.seed if args.seed is not None else cfg.seed)
    except BuildError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"built {path}: {counts['participations']} demo participations, "
          f"{counts['anonymous_rows']} anonymous counts in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_figures(args) -> int:
    from finsam.query import figures, queries

    con = _connect(args)
    f = queries.Filters(
        years=(args.year, args.year) if args.year else None,
        associations=tuple(args.association or ()),
        interventions=tuple(args.intervention or ()),
        municipalities=tuple(_municipality_codes(con, args.municipality or ())),
    )
    from finsam.privacy import OFF, Protection

    df = figures.compute(con, f, OFF if args.no_suppress else Protection())
    if args.intervention:
        df = df[df.intervention != "ALL"]
    df["value"] = df["value"].map(lambda v: v if isinstance(v, str) else f"{v:.10g}")
    df.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _municipality_codes(con, names_or_codes) -> list[str]:
    out = []
    for m in names_or_codes:
        row = con.execute("SELECT municipality_code FROM municipality WHERE municipality_code = ? "
                          "OR lower(municipality_name) = lower(?)", [m, m]).fetchone()
        if row is None:
            sys.exit(f"Okänd kommun: {m}")
        out.append(row[0])
    return out


def cmd_reconcile(args) -> int:
    from finsam.query import reconcile

    con = _connect(args)
    result = reconcile.reconciliation(con, config.load().data_dir)
    shown = result if args.all else result[result.status != "match"]
    shown.to_csv(sys.stdout, index=False, float_format="%.10g", lineterminator="\n")
    print(reconcile.summary(result))
    return 1 if (result.status == "mismatch").any() else 0


def _delegate(module: str, function: str):
    """A command implemented in its own module, imported only when that command runs."""
    def run(args) -> int:
        import importlib

        return getattr(importlib.import_module(module), function)(args)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finsam", description="finsam: FINSAM follow-up")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="build the demo database from data/")
    _db_arg(p)
    p.add_argument("--seed", type=int, help="seed (default: $FINSAM_SEED)")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("figures", help="print the computed figures as CSV")
    _db_arg(p)
    p.add_argument("--association", action="append", help="association (repeatable)")
    p.add_argument("--year", type=int, help="one year")
    p.add_argument("--intervention", action="append", help="intervention (repeatable)")
    p.add_argument("--municipality", action="append", help="municipality name or code (repeatable)")
    p.add_argument("--no-suppress", action="store_true", dest="no_suppress",
                   help="show counts under 5 too (the CLI runs as administrator; protect the file)")
    p.set_defaults(func=cmd_figures)
    p = sub.add_parser("reconcile", help="published figures beside the computed ones")
    _db_arg(p)
    p.add_argument("--all", action="store_true", help="print matches too (default: only the others)")
    p.set_defaults(func=cmd_reconcile)
    p = sub.add_parser("report", help="a board pack (styrelseunderlag) as PDF or PowerPoint")
    _db_arg(p)
    p.add_argument("--association", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--compare-year", type=int, dest="compare_year")
    p.add_argument("--municipality", action="append", help="municipality name or code (repeatable)")
    p.add_argument("--format", choices=["pdf", "pptx", "docx", "xlsx"], required=True,
                   help="pdf/pptx: the board pack; docx/xlsx: the annual report's statistics chapter")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--template", type=Path, help="docx: the association's Word template (styles, page setup)")
    p.set_defaults(func=lambda args: _delegate(*(("finsam.exports.report", "cmd_chapter")
                                                 if args.format in ("docx", "xlsx")
                                                 else ("finsam.exports.report", "cmd_report")))(args))
    p = sub.add_parser("generate", help="a synthetic national database for scale tests")
    p.add_argument("--participations", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=_delegate("finsam.tools.scale", "cmd_generate"))
    p = sub.add_parser("bench", help="time every page's queries against a pandas baseline")
    p.add_argument("--db", type=Path, action="append", help="database (repeatable: one per size)")
    p.add_argument("--repeat", type=int, default=7, help="warm repetitions per query")
    p.add_argument("--import-rows", type=int, help="also time the demo build and the import of a file this long")
    p.set_defaults(func=_delegate("finsam.tools.bench", "cmd_bench"))
    p = sub.add_parser("import", help="import a coordinator's file (Excel or CSV), all or nothing")
    _db_arg(p)
    p.add_argument("file", type=Path)
    p.add_argument("--association", help="association, when the file has no förbund column")
    p.add_argument("--sheet", help="sheet name of an .xlsx file (default: the first)")
    p.add_argument("--valid-only", action="store_true", dest="valid_only",
                   help="import the valid rows and write the rejected ones to a file to fix")
    p.add_argument("--dayfirst", action="store_true", help="read 1/3/2024 as 1 March (default: as 1 March)")
    p.set_defaults(func=_delegate("finsam.write.importer", "cmd_import"))
    p = sub.add_parser("user", help="local accounts: add, remove, list (FINSAM_USERS)")
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["admin", "coordinator", "board", "reader"])
    p.add_argument("--association")
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin")
    p.set_defaults(func=_delegate("finsam.web.auth", "cmd_user"))
    # goals and goal attainment (issue 17)
    p = sub.add_parser("goals", help="the goal attainment table (måluppfyllelse) of a year")
    _db_arg(p)
    p.add_argument("--association", action="append", help="association (repeatable)")
    p.add_argument("--year", type=int, help="one year (default: every year with goals)")
    p.add_argument("--no-suppress", action="store_true", dest="no_suppress", help="show outcomes over fewer than 5")
    p.set_defaults(func=_delegate("finsam.query.goals", "cmd_goals"))
    p = sub.add_parser("init", help="an empty database holding only the reference data")
    _db_arg(p)
    p.set_defaults(func=_delegate("finsam.write.importer", "cmd_init"))
    p = sub.add_parser("load", help="simulated people browsing the running dashboard (loopback only)")
    p.add_argument("--url", required=True, help="the dashboard, e.g. http://127.0.0.1:8501 (loopback only)")
    p.add_argument("--sessions", type=int, default=10, help="simulated people (at most 100)")
    p.add_argument("--seconds", type=float, default=60, help="how long (at most 900)")
    p.add_argument("--think", type=float, default=5.0, help="seconds between a person's actions (jittered)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds a page may take before it is an error")
    p.add_argument("--import", type=Path, dest="import_file", help="a participant file to import during the load")
    p.add_argument("--at", type=float, help="seconds after the start to import the file")
    _db_arg(p)
    p.add_argument("--user", help="sign each session in as this local account")
    p.add_argument("--password-file", type=Path, dest="password_file", help="a file holding the password")
    p.add_argument("--json", type=Path, help="write the figures, errors and the per-session comparison here")
    p.set_defaults(func=_delegate("finsam.tools.load", "cmd_load"))
    # --- operations: versions, restore, backup, audit, doctor ---
    p = sub.add_parser("history", help="every kept version of the database, newest first")
    _db_arg(p)
    p.set_defaults(func=_delegate("finsam.write.versions", "cmd_history"))
    p = sub.add_parser("restore", help="bring a kept version back (itself a new version, so it can be undone)")
    _db_arg(p)
    p.add_argument("version", type=int, nargs="?", help="the version number (python -m finsam history)")
    p.add_argument("--last", action="store_true", help="undo the last change")
    p.set_defaults(func=_delegate("finsam.write.versions", "cmd_restore"))
    p = sub.add_parser("backup", help="a consistent copy of the database, named by date")
    _db_arg(p)
    p.add_argument("--to", type=Path, dest="to", help="folder for the backups (default: FINSAM_BACKUP_DIR)")
    p.add_argument("--keep", type=int, help="keep this many backups in the folder (default: all)")
    p.set_defaults(func=_delegate("finsam.ops.backup", "cmd_backup"))
    p = sub.add_parser("audit", help="the audit log: sign-ins, imports, restores, backups")
    _db_arg(p)
    p.add_argument("--since", help="from this date (2026-01-31)")
    p.add_argument("--user", help="only this user")
    p.set_defaults(func=_delegate("finsam.data.audit", "cmd_audit"))
    p = sub.add_parser("doctor", help="check the installation; each problem as a Swedish sentence with its fix")
    _db_arg(p)
    p.set_defaults(func=_delegate("finsam.ops.doctor", "cmd_doctor"))
    # --- end operations ---
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
