"""Commands about the figures: build the demo database, print the computed figures, reconcile them with
the reports, the goal attainment table."""
from __future__ import annotations

import sys
import time

import pandas as pd

from finsam import config
from finsam.cli.args import connect, db_path, municipality_codes
from finsam.present.tables import safe_frame
from finsam.privacy import OFF, Protection
from finsam.query import queries as q
from finsam.query import lookups


def cmd_build(args) -> int:
    from finsam.build.database import BuildError, build

    cfg = config.load()
    path = db_path(args)
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
    from finsam.query import figures

    con = connect(args)
    f = q.Filters(
        years=(args.year, args.year) if args.year else None,
        associations=tuple(args.association or ()),
        interventions=tuple(args.intervention or ()),
        municipalities=tuple(municipality_codes(con, args.municipality or ())),
    )
    df = figures.compute(con, f, OFF if args.no_suppress else Protection())
    if args.intervention:
        df = df[df.intervention != "ALL"]
    df["value"] = df["value"].map(lambda v: v if isinstance(v, str) else f"{v:.10g}")
    safe_frame(df).to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def cmd_reconcile(args) -> int:
    from finsam.query import reconcile

    con = connect(args)
    result = reconcile.reconciliation(con, config.load().data_dir)
    shown = result if args.all else result[result.status != "match"]
    safe_frame(shown).to_csv(sys.stdout, index=False, float_format="%.10g", lineterminator="\n")
    print(reconcile.summary(result))
    return 1 if (result.status == "mismatch").any() else 0


def cmd_goals(args) -> int:
    """`python -m finsam goals [--association A] [--year Y]`: the attainment table as CSV."""
    from finsam.query.goals import ATTAINMENT_COLUMNS, attainment, goal_years

    con = connect(args)
    try:
        associations = tuple(args.association or ())
        known = set(lookups.associations(con).association_id)
        unknown = [a for a in associations if a not in known]
        if unknown:
            print(f"okänt förbund: {', '.join(unknown)} (finns: {', '.join(sorted(known))})", file=sys.stderr)
            return 2
        years = [args.year] if args.year else goal_years(con, associations)
        parts = [attainment(con, q.Filters(associations=associations), y, OFF if args.no_suppress else Protection())
                 for y in years]
    finally:
        con.close()
    cols = ["year"] + ATTAINMENT_COLUMNS + ["pace"]
    df = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    for c in ("target", "outcome", "n"):
        df[c] = df[c].map(lambda v: "" if pd.isna(v) else f"{v:.1f}".rstrip("0").rstrip("."))
    safe_frame(df).to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0
