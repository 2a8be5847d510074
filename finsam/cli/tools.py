"""Commands for measuring: the query bench, the national generator, the load generator."""
from __future__ import annotations

import asyncio
import json
import sys
import time

from finsam import config
from finsam.cli.args import db_path
from finsam.tools import bench, bench_import, load, load_report, scale


def cmd_bench(args) -> int:
    if not args.db and not args.import_rows:
        raise SystemExit("Ange --db DATABAS (en eller flera) och/eller --import-rows N.")
    summaries = []
    if args.import_rows:
        summaries.append(bench_import.build_and_import(args.import_rows))
    for path in args.db or []:
        if not path.exists():
            raise SystemExit(f"Databasen {path} finns inte. Skapa den med: python -m finsam generate --out {path}")
        summaries.append(bench.bench(path, args.repeat))
    print("\n".join(summaries))
    return 0 if all(s.endswith("; agree") for s in summaries if s.startswith("bench ")) else 1


def cmd_generate(args) -> int:
    started = time.perf_counter()
    counts = scale.generate(args.out, args.participations, args.seed, config.load().data_dir,
                            **({"associations": args.associations} if args.associations else {}))
    print(f"generated {args.out}: {counts['participations']} synthetic participations, {counts['associations']} "
          f"associations, {counts['interventions']} interventions, {counts['anonymous_rows']} anonymous counts, "
          f"{counts['budget_rows']} budget rows, {counts['survey_rows']} survey results in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_load(args) -> int:
    try:
        base = load.check(args.url, args.sessions, args.seconds, args.at if args.import_file else None)
        if args.import_file and args.at is None:
            raise load.LoadRefused("--import behöver --at SEKUNDER: när importen ska ske.")
        if args.user and not args.password_file:
            raise load.LoadRefused("--user behöver --password-file.")
        if args.think <= 0 or args.timeout <= 0:
            raise load.LoadRefused("--think och --timeout måste vara större än 0.")
        database = db_path(args)
        if args.import_file and not database.exists():
            raise load.LoadRefused(f"Databasen {database} finns inte (--db eller FINSAM_DB).")
        password = args.password_file.read_text(encoding="utf-8").strip() if args.password_file else None
    except (load.LoadRefused, OSError) as e:
        print(e, file=sys.stderr)
        return 2
    run = load.Load(base, args.sessions, args.seconds, think=args.think, timeout=args.timeout, user=args.user,
                password=password, import_file=args.import_file, import_at=args.at, db_path=database)
    try:
        load.sign_in(base, args.user, password)  # once up front: a server that is down or a wrong password stops here
    except Exception as e:
        print(f"Servern {base} svarar inte som väntat: {e}", file=sys.stderr)
        return 2
    result = asyncio.run(run.run())
    print(load_report.report(result))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if result["error_count"] else 0
