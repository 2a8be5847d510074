"""Commands for the administrator: local accounts, versions and restore, backup, the audit log, doctor,
import and an empty database."""
from __future__ import annotations

import datetime as dt
import sys

from finsam import config
from finsam.cli.args import db_path
from finsam.data import audit
from finsam.ops import backup, doctor
from finsam.present.tables import safe_frame
from finsam.web import auth
from finsam.write import importer, records, versions
from finsam.data import aggregates


def cmd_user(args) -> int:
    users = auth.read_users()
    if args.action == "list":
        for name, entry in sorted(users.items()):
            print(f"{name}\t{entry.get('role')}\t{entry.get('association', '')}")
        return 0
    if args.action == "remove":
        if users.pop(args.name, None) is None:
            print(f"Användaren {args.name} finns inte.", file=sys.stderr)
            return 1
        auth.write_users(users)
        audit.record("user_removed", user="kommandoraden", role="admin", detail={"account": args.name})
        return 0
    problem = auth.name_problem(args.name or "")
    if problem:
        print(problem, file=sys.stderr)
        return 1
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ask_password()
    if len(password) < 12:
        print("Lösenordet måste ha minst 12 tecken.", file=sys.stderr)
        return 1
    entry = {"password_hash": auth.hash_password(password), "role": args.role, "association": args.association}
    auth.access_of(args.name, entry)  # validates role and association
    users[args.name] = entry
    auth.write_users(users)
    audit.record("user_added", user="kommandoraden", role="admin", association=args.association or "",
                 detail={"account": args.name, "account_role": args.role})
    print(f"{args.name}: {args.role}{' för ' + args.association if args.association else ''} sparad i {auth.users_path()}")
    return 0


def ask_password() -> str:
    import getpass

    first = getpass.getpass("Lösenord: ")
    if getpass.getpass("Igen: ") != first:
        raise SystemExit("Lösenorden är olika.")
    return first




def cmd_history(args) -> int:
    path = db_path(args)
    entries = versions.history(path)
    if not entries:
        print(f"Inga sparade versioner av {path}.")
        return 0
    for e in reversed(entries):
        counts = "" if e.get("added") is None else f"  +{e['added']} nya, {e['updated']} ändrade"
        kept = "" if e["kept"] else "  (filen rensad)"
        who = e["user"] + (f" ({e['role']})" if e.get("role") else "")
        extra = f" version {e['detail']['restored_version']}" if e["action"] == "restore" else ""
        also = [v for v in e["detail"].get("undone_versions", []) if v != e["detail"].get("restored_version")]
        extra += f" (och {', '.join(map(str, also))})" if also else ""
        print(f"{e['version']:>4}  {e['when'].replace('T', ' ')}  {who or '-'}  {e['action']}{extra}  "
              f"{e.get('file') or '-'}  {', '.join(e.get('associations') or []) or '-'}{counts}{kept}")
    return 0


def cmd_restore(args) -> int:
    path = db_path(args)
    if args.version is None and not args.last:
        print("Ange en version (se python -m finsam history) eller --last.", file=sys.stderr)
        return 2
    try:
        entries = versions.history(path)
        entry = versions.find(path, None if args.last else args.version)
        print(versions.describe(entry, [e for e in entries if e["version"] > entry["version"]]))
        after = versions.restore(path, entry["version"], newest=entries[-1]["version"])
    except versions.RestoreError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"Återställd: version {entry['version']} (ny version {after['version']}).")
    if not after["matches"]:
        print(f"Varning: kontrollsumman skiljer sig från den som sparades före ändring {entry['version']}; "
              "jämför siffrorna (python -m finsam figures) med en säkerhetskopia.", file=sys.stderr)
        return 1
    return 0


def cmd_backup(args) -> int:
    path = db_path(args)
    if args.keep is not None and args.keep < 1:
        print("--keep måste vara minst 1.", file=sys.stderr)
        return 2
    try:
        target = backup.backup(path, args.to or config.path_setting("FINSAM_BACKUP_DIR"), args.keep)
    except backup.BackupError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"Säkerhetskopia: {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_audit(args) -> int:
    if args.since:
        try:
            dt.date.fromisoformat(args.since)
        except ValueError:
            print(f"--since {args.since}: ange ett datum som 2026-01-31.", file=sys.stderr)
            return 2
    df = audit.entries(args.db, since=args.since, user=args.user)
    if df.empty:
        print("Inga händelser i loggen" + (" för urvalet." if args.since or args.user else "."))
        return 0
    safe_frame(df).to_csv(sys.stdout, index=False, sep="\t", lineterminator="\n")
    return 0


def cmd_doctor(args) -> int:
    path = db_path(args)
    problems = doctor.diagnose(path)
    print(doctor.backup_status())
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem hittades.", file=sys.stderr)
        return 1
    print(f"Allt ser bra ut: {path}, inloggning {config.setting('FINSAM_AUTH')}.")
    return 0


def cmd_import(args) -> int:
    path = db_path(args)
    if not path.exists():
        print(f"Databasen {path} finns inte. Skapa en tom med: python -m finsam init --db {path}", file=sys.stderr)
        return 2
    try:
        report = importer.import_file(path, args.file.name, args.file.read_bytes(), association=args.association,
                             sheet=args.sheet, valid_only=args.valid_only, dayfirst=True)
    except importer.ImportRejected as e:
        print(f"Filen avvisades: {e}", file=sys.stderr)
        return 1
    if report.rejected:
        records.write_rejected(report, args.file)
    print(report.text())
    return 0 if report.ok else 1


def cmd_init(args) -> int:
    from finsam.data import db

    cfg = config.load()
    path = db_path(args)
    if path.exists():
        print(f"{path} finns redan; välj en annan sökväg.", file=sys.stderr)
        return 1
    con = db.init_database(path, cfg.data_dir)
    aggregates.refresh_aggregates(con)
    con.execute("INSERT INTO build_info VALUES ('kind', 'empty'), ('built_at', ?)",
                [dt.datetime.now().isoformat(timespec="seconds")])
    con.close()
    print(f"created {path}: reference data only, no records")
    return 0


def cmd_small_counts(args) -> int:
    """python -m finsam small-counts [--association A on|off]: the board's decision that the association's
    published chapter shows small counts (recorded in the audit log); without arguments, every decision."""
    from finsam.data import db
    from finsam.query import publication
    from finsam.write.publication import DecisionError, set_small_counts

    path = db_path(args)
    if not path.exists():
        print(f"Databasen {path} finns inte.", file=sys.stderr)
        return 2
    if args.state is None or args.association is None:
        if args.state is not None or args.association is not None:
            print("Ange både --association och on eller off (eller inget av dem för att lista besluten).",
                  file=sys.stderr)
            return 2
        con = db.connect(path, read_only=True)
        try:
            decisions = publication.small_counts_decisions(con)
        finally:
            con.close()
        if decisions.empty:
            print("Inga beslut: alla förbunds kapitel skyddar små tal.")
        for r in decisions.itertuples():
            print(f"{r.association_id}\t{'visar små tal' if r.is_shown else 'skyddar små tal'}\t{r.decided_at}\t"
                  f"{r.decided_by}")
        return 0
    try:
        set_small_counts(path, args.association, args.state == "on", user="kommandoraden")
    except DecisionError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{args.association}: årsrapportens kapitel {'visar nu små tal' if args.state == 'on' else 'skyddar små tal'}"
          " (beslutet står i granskningsloggen).")
    return 0
