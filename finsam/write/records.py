"""Writing validated rows inside the write door's transaction: upserts of participations, anonymous
counts, budgets and surveys, new interventions, and the rejected rows to fix."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from finsam.present import tables as export
from finsam.write.columns import Report


def upsert_participations(con, rows: pd.DataFrame, import_id: int) -> tuple[int, int, int]:
    """Insert new participations and update changed ones (key: association, intervention, person, start)."""
    cols = ["association_id", "intervention_id", "person_id", "municipality_code", "gender", "birth_year",
            "referral_source", "assignment", "start_date", "end_date", "exit_reason", "has_positive_step",
            "followup_6m", "followup_18m", "education", "public_support_time", "income_before", "income_after"]
    new = rows[cols].copy()
    con.register("incoming", new)
    try:
        con.execute("CREATE TEMP TABLE inc AS SELECT * FROM incoming")
    finally:
        con.unregister("incoming")
    key = "p.association_id = i.association_id AND p.intervention_id = i.intervention_id " \
          "AND p.person_id = i.person_id AND p.start_date = i.start_date"
    value_cols = [c for c in cols if c not in ("association_id", "intervention_id", "person_id", "start_date")]
    differs = " OR ".join(f"p.{c} IS DISTINCT FROM i.{c}" for c in value_cols)
    updated = con.execute(f"SELECT count(*) FROM inc i JOIN participation p ON {key} WHERE {differs}").fetchone()[0]
    unchanged = con.execute(f"SELECT count(*) FROM inc i JOIN participation p ON {key} WHERE NOT ({differs})").fetchone()[0]
    # DuckDB checks foreign keys and unique keys per statement: delete then reinsert the changed rows
    con.execute(f"""CREATE TEMP TABLE changed AS SELECT p.participation_id, i.* FROM inc i
                    JOIN participation p ON {key} WHERE {differs}""")
    con.execute("DELETE FROM participation WHERE participation_id IN (SELECT participation_id FROM changed)")
    collist = ", ".join(cols)
    con.execute(f"INSERT INTO participation (participation_id, {collist}, is_demo, import_id) "
                f"SELECT participation_id, {collist}, false, ? FROM changed", [import_id])
    start = con.execute("SELECT coalesce(max(participation_id), 0) FROM participation").fetchone()[0]
    added = con.execute(f"""INSERT INTO participation (participation_id, {collist}, is_demo, import_id)
        SELECT ? + row_number() OVER (), {", ".join("i." + c for c in cols)}, false, ? FROM inc i
        WHERE NOT EXISTS (SELECT 1 FROM participation p WHERE {key})""", [start, import_id]).fetchone()[0]
    con.execute("DROP TABLE inc")
    con.execute("DROP TABLE changed")
    return added, updated, unchanged


def ensure_interventions(con, rows: pd.DataFrame, today: dt.date) -> list[str]:
    """Create interventions the file names for the first time, and widen the years the records cover."""
    created = []
    for (assoc, interv), grp in rows.groupby(["association_id", "intervention_id"]):
        if "start_date" in grp:
            first = int(grp["start_date"].dt.year.min())
            last = int(max(grp["start_date"].dt.year.max(), grp["end_date"].dt.year.max(skipna=True) or 0))
            if grp["end_date"].isna().any():
                last = max(last, today.year)
        else:
            first, last = int(grp["year"].min()), int(grp["year"].max())
        exists = con.execute("SELECT first_year, last_year FROM intervention WHERE association_id = ? "
                             "AND intervention_id = ?", [assoc, interv]).fetchone()
        if exists is None:
            kind = grp["kind"].iloc[0] if "kind" in grp else "individual"
            con.execute("INSERT INTO intervention VALUES (?, ?, ?, ?, ?, ?, NULL)",
                        [assoc, interv, interv, kind, first, last])
            created.append(f"{assoc}: {interv}")
        else:
            con.execute("UPDATE intervention SET first_year = least(coalesce(first_year, ?), ?), "
                        "last_year = greatest(coalesce(last_year, ?), ?) WHERE association_id = ? "
                        "AND intervention_id = ?", [first, first, last, last, assoc, interv])
    return created


def finish(good: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Typed rows ready for the database (only valid rows reach here)."""
    if kind in ("anonyma", "budget", "enkät", "samtal"):
        out = good.copy()
        out["year"] = out["year"].astype(int)
        for col in ("participant_count", "granted_sek", "used_sek", "conversation_count"):
            if col in out:
                out[col] = out[col].astype(int)
        if "respondents" in out:
            out["respondents"] = out["respondents"].astype("Int64")
        return out
    out = pd.DataFrame({
        "association_id": good["association_id"], "intervention_id": good["intervention_id"],
        "person_id": good["deltagare_id"], "municipality_code": good["municipality_code"],
        "gender": good["kön"], "birth_year": good["birth_year"].astype("Int64"),
        "referral_source": good["remittent"], "assignment": good["uppdrag"],
        "start_date": good["start_date"], "end_date": good["end_date"], "exit_reason": good["avslutsanledning"],
        "has_positive_step": good["has_positive_step"].astype("boolean"),
        "followup_6m": good["uppföljning_6m"].fillna("ej_aktuell"),
        "followup_18m": good["uppföljning_18m"].fillna("ej_aktuell"),
        "education": good["utbildningsnivå"], "public_support_time": good["tid_i_offentlig_försörjning"],
        "income_before": good["försörjning_före"], "income_after": good["försörjning_efter"],
    })
    # interventions are matched case-insensitively to the names the association already has
    out["start_date"] = pd.to_datetime(out["start_date"])
    out["end_date"] = pd.to_datetime(out["end_date"])
    return out


def upsert_anonymous(con, rows: pd.DataFrame) -> tuple[int, int, int]:
    added = updated = unchanged = 0
    for r in rows.itertuples(index=False):
        old = con.execute("SELECT participant_count FROM anonymous_participants WHERE association_id = ? AND "
                          "intervention_id = ? AND year = ? AND gender = ?",
                          [r.association_id, r.intervention_id, r.year, r.gender]).fetchone()
        if old is None:
            con.execute("INSERT INTO anonymous_participants VALUES (?, ?, ?, ?, ?, false)",
                        [r.association_id, r.intervention_id, r.year, r.gender, r.participant_count])
            added += 1
        elif old[0] != r.participant_count:
            con.execute("UPDATE anonymous_participants SET participant_count = ?, is_demo = false WHERE "
                        "association_id = ? AND intervention_id = ? AND year = ? AND gender = ?",
                        [r.participant_count, r.association_id, r.intervention_id, r.year, r.gender])
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


KEYED = {
    "budget": ("budget", ["association_id", "intervention_id", "year"], ["granted_sek", "used_sek"]),
    "enkät": ("survey_result", ["association_id", "intervention_id", "year", "survey", "timepoint", "question",
                                "answer_group"], ["respondents", "positive_share_pct"]),
    "samtal": ("conversation_count", ["association_id", "intervention_id", "year"], ["conversation_count"]),
}


def upsert_keyed(con, rows: pd.DataFrame, kind: str) -> tuple[int, int, int]:
    """Budget and survey rows: insert new keys, replace the values of existing ones."""
    table, key, values = KEYED[kind]
    added = updated = unchanged = 0
    for r in rows[key + values].to_dict("records"):
        where = " AND ".join(f"{k} = ?" for k in key)
        old = con.execute(f"SELECT {', '.join(values)} FROM {table} WHERE {where}", [r[k] for k in key]).fetchone()
        new = tuple(None if pd.isna(r[v]) else r[v] for v in values)
        if old is None:
            cols = key + values + ["is_demo"]
            con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                        [r[k] for k in key] + list(new) + [False])
            added += 1
        elif tuple(old) != new:
            con.execute(f"UPDATE {table} SET {', '.join(f'{v} = ?' for v in values)}, is_demo = false WHERE {where}",
                        list(new) + [r[k] for k in key])
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


def rejected_csv(raw: pd.DataFrame, report: Report) -> bytes:
    """The rejected rows as a CSV to fix and re-import, with a column that says what is wrong. Held in memory
    (the page offers it as a download; the command line writes it beside the file it read): person ids
    never land in a shared temporary folder."""
    errors: dict[int, list[str]] = {}
    for p in report.problems:
        errors.setdefault(p.row, []).append(f"{p.column}: {p.rule}")
    rows = raw.loc[sorted(errors)].copy()
    rows["fel"] = ["; ".join(errors[i]) for i in rows.index]
    return export.csv_bytes(rows)


def write_rejected(report: Report, source: Path) -> Path:
    """The command line's copy of the rejected rows: beside the file read (lista.csv -> lista.avvisade.csv),
    readable by its owner only, replacing an earlier one and never following a link."""
    out = source.with_name(f"{source.stem}.avvisade.csv")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(report.rejected)
    report.rejected_file = out
    return out
