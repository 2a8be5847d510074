"""Comparisons across associations for scripts and IT (issue 27): `sharing` lists or sets which associations
share their key figures, `compare` prints an association's key figures among those that share."""
from __future__ import annotations

import sys

import pandas as pd

from finsam.access import ADMIN, Access
from finsam.cli.args import connect, db_path
from finsam.present import comparison_charts as cc
from finsam.present.tables import safe_frame
from finsam.query import comparison

COLUMNS = ["key_figure", "value", "n", "rank", "associations", "quartile", "median", "q1", "q3"]


def cmd_sharing(args) -> int:
    from finsam.write import sharing

    if bool(args.association) != bool(args.setting):
        print("Ange både förbund och on/off: python -m finsam sharing --association A on", file=sys.stderr)
        return 2
    if args.association:
        try:
            sharing.set_sharing(db_path(args), args.association, args.setting == "on",
                                Access("admin", None, "kommandoraden"))
        except sharing.SharingError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"{args.association}: " + ("delar sina nyckeltal med de andra förbunden." if args.setting == "on"
                                         else "delar inte sina nyckeltal."))
        return 0
    con = connect(args)
    try:
        df = comparison.sharing(con)
    finally:
        con.close()
    for r in df.itertuples():
        when = "" if pd.isna(r.changed_at) else f"\t{pd.Timestamp(r.changed_at):%Y-%m-%d %H:%M}\t{r.changed_by}"
        print(f"{r.association_id}\t{'på' if r.shares else 'av'}{when}")
    return 0


def _number(value, decimals: int) -> str:
    """A figure for a CSV: hidden '..', none ''."""
    if value is None:
        return ""
    return ".." if pd.isna(value) else f"{float(value):.{decimals}f}"


def cmd_compare(args) -> int:
    con = connect(args)
    try:
        known = set(comparison.sharing(con).association_id)
        if args.association not in known:
            print(f"okänt förbund: {args.association} (finns: {', '.join(sorted(known))})", file=sys.stderr)
            return 2
        long, stats = comparison.comparison(con, ADMIN, args.association, args.year, args.peers)
    finally:
        con.close()
    rows = []
    for measure, _n, decimals, _kind in comparison.COMPARED:
        mine = long[(long.measure == measure) & long.is_own.astype(bool)]
        st = stats[stats.measure == measure]
        r = mine.iloc[0] if len(mine) else None
        has = r is not None and pd.notna(r.value)
        value_of = (lambda c: None if st.empty else st[c].iloc[0])
        rows.append({"key_figure": measure, "value": None if r is None else r.value, "n": None if r is None else r.n,
                     "rank": int(r["rank"]) if has else None, "associations": 0 if st.empty else int(st.associations.iloc[0]),
                     "quartile": int(r.quartile) if has else None, "median": value_of("median"), "q1": value_of("q1"),
                     "q3": value_of("q3"), "_decimals": decimals})
    if args.format == "csv":
        out = pd.DataFrame([{**r, **{c: _number(r[c], r["_decimals"] + 1) for c in ("value", "median", "q1", "q3")},
                             "n": _number(r["n"], 0), "rank": "" if r["rank"] is None else r["rank"],
                             "quartile": "" if r["quartile"] is None else r["quartile"]} for r in rows])[COLUMNS]
        safe_frame(out).to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    print(f"{args.association} {args.year} bland {cc.w('peers_' + args.peers, 'sv')}:")
    for r in rows:
        m = r["key_figure"]
        place = f"plats {r['rank']} av {r['associations']}" if r["rank"] else f"– av {r['associations']}"
        middle = cc.middle_text(m, r["q1"], r["q3"], "sv")
        print(f"  {cc.w(m, 'sv')}: {cc.value_text(m, r['value'], 'sv')}, {place}; median "
              f"{cc.value_text(m, r['median'], 'sv')}, mittersta hälften {middle}")
    return 0
