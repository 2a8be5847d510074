"""Every command of `python -m finsam`, in one parser: each command's arguments here, its body in
finsam.cli.figures (build, figures, reconcile, goals), finsam.cli.report (the board pack, the chapter), finsam.cli.admin (users, versions, backup,
audit, doctor, import) or finsam.cli.tools (bench, generate, load), imported only when it runs."""
from __future__ import annotations

import argparse
from pathlib import Path

from finsam.cli.args import db_arg


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
    db_arg(p)
    p.add_argument("--seed", type=int, help="seed (default: $FINSAM_SEED)")
    p.set_defaults(func=_delegate("finsam.cli.figures", "cmd_build"))
    p = sub.add_parser("figures", help="print the computed figures as CSV")
    db_arg(p)
    p.add_argument("--association", action="append", help="association (repeatable)")
    p.add_argument("--year", type=int, help="one year")
    p.add_argument("--intervention", action="append", help="intervention (repeatable)")
    p.add_argument("--municipality", action="append", help="municipality name or code (repeatable)")
    p.add_argument("--no-suppress", action="store_true", dest="no_suppress",
                   help="show counts under 5 too (the CLI runs as administrator; protect the file)")
    p.set_defaults(func=_delegate("finsam.cli.figures", "cmd_figures"))
    p = sub.add_parser("reconcile", help="published figures beside the computed ones")
    db_arg(p)
    p.add_argument("--all", action="store_true", help="print matches too (default: only the others)")
    p.set_defaults(func=_delegate("finsam.cli.figures", "cmd_reconcile"))
    p = sub.add_parser("report", help="a board pack (styrelseunderlag) as PDF or PowerPoint")
    db_arg(p)
    p.add_argument("--association", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--compare-year", type=int, dest="compare_year")
    p.add_argument("--municipality", action="append", help="municipality name or code (repeatable)")
    p.add_argument("--format", choices=["pdf", "pptx", "docx", "xlsx"], required=True,
                   help="pdf/pptx: the board pack; docx/xlsx: the annual report's statistics chapter")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--template", type=Path, help="docx: the association's Word template (styles, page setup)")
    p.set_defaults(func=lambda args: _delegate(*(("finsam.cli.report", "cmd_chapter")
                                                 if args.format in ("docx", "xlsx")
                                                 else ("finsam.cli.report", "cmd_report")))(args))
    p = sub.add_parser("generate", help="a synthetic national database for scale tests")
    p.add_argument("--participations", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=_delegate("finsam.cli.tools", "cmd_generate"))
    p = sub.add_parser("bench", help="time every page's queries against a pandas baseline")
    p.add_argument("--db", type=Path, action="append", help="database (repeatable: one per size)")
    p.add_argument("--repeat", type=int, default=7, help="warm repetitions per query")
    p.add_argument("--import-rows", type=int, help="also time the demo build and the import of a file this long")
    p.set_defaults(func=_delegate("finsam.cli.tools", "cmd_bench"))
    p = sub.add_parser("import", help="import a coordinator's file (Excel or CSV), all or nothing")
    db_arg(p)
    p.add_argument("file", type=Path)
    p.add_argument("--association", help="association, when the file has no förbund column")
    p.add_argument("--sheet", help="sheet name of an .xlsx file (default: the first)")
    p.add_argument("--valid-only", action="store_true", dest="valid_only",
                   help="import the valid rows and write the rejected ones to a file to fix")
    p.add_argument("--dayfirst", action="store_true", help="read 1/3/2024 as 1 March (default: as 1 March)")
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_import"))
    p = sub.add_parser("user", help="local accounts: add, remove, list (FINSAM_USERS)")
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["admin", "coordinator", "board", "reader"])
    p.add_argument("--association")
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin")
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_user"))
    # goals and goal attainment (issue 17)
    p = sub.add_parser("goals", help="the goal attainment table (måluppfyllelse) of a year")
    db_arg(p)
    p.add_argument("--association", action="append", help="association (repeatable)")
    p.add_argument("--year", type=int, help="one year (default: every year with goals)")
    p.add_argument("--no-suppress", action="store_true", dest="no_suppress", help="show outcomes over fewer than 5")
    p.set_defaults(func=_delegate("finsam.cli.figures", "cmd_goals"))
    p = sub.add_parser("init", help="an empty database holding only the reference data")
    db_arg(p)
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_init"))
    p = sub.add_parser("load", help="simulated people browsing the running dashboard (loopback only)")
    p.add_argument("--url", required=True, help="the dashboard, e.g. http://127.0.0.1:8501 (loopback only)")
    p.add_argument("--sessions", type=int, default=10, help="simulated people (at most 100)")
    p.add_argument("--seconds", type=float, default=60, help="how long (at most 900)")
    p.add_argument("--think", type=float, default=5.0, help="seconds between a person's actions (jittered)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds a page may take before it is an error")
    p.add_argument("--import", type=Path, dest="import_file", help="a participant file to import during the load")
    p.add_argument("--at", type=float, help="seconds after the start to import the file")
    db_arg(p)
    p.add_argument("--user", help="sign each session in as this local account")
    p.add_argument("--password-file", type=Path, dest="password_file", help="a file holding the password")
    p.add_argument("--json", type=Path, help="write the figures, errors and the per-session comparison here")
    p.set_defaults(func=_delegate("finsam.cli.tools", "cmd_load"))
    # --- operations: versions, restore, backup, audit, doctor ---
    p = sub.add_parser("history", help="every kept version of the database, newest first")
    db_arg(p)
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_history"))
    p = sub.add_parser("restore", help="bring a kept version back (itself a new version, so it can be undone)")
    db_arg(p)
    p.add_argument("version", type=int, nargs="?", help="the version number (python -m finsam history)")
    p.add_argument("--last", action="store_true", help="undo the last change")
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_restore"))
    p = sub.add_parser("backup", help="a consistent copy of the database, named by date")
    db_arg(p)
    p.add_argument("--to", type=Path, dest="to", help="folder for the backups (default: FINSAM_BACKUP_DIR)")
    p.add_argument("--keep", type=int, help="keep this many backups in the folder (default: all)")
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_backup"))
    p = sub.add_parser("audit", help="the audit log: sign-ins, imports, restores, backups")
    db_arg(p)
    p.add_argument("--since", help="from this date (2026-01-31)")
    p.add_argument("--user", help="only this user")
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_audit"))
    p = sub.add_parser("doctor", help="check the installation; each problem as a Swedish sentence with its fix")
    db_arg(p)
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_doctor"))
    p = sub.add_parser("small-counts", help="whether an association's published chapter shows small counts "
                                            "(the board's decision; default off: protected)")
    db_arg(p)
    p.add_argument("--association", help="the association (without: list every decision)")
    p.add_argument("state", nargs="?", choices=["on", "off"], help="on: show small counts; off: protect them")
    p.set_defaults(func=_delegate("finsam.cli.admin", "cmd_small_counts"))
    # --- end operations ---
    args = parser.parse_args(argv)
    return args.func(args)
