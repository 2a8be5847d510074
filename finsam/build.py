"""`python -m finsam build`: the demo database, made from data/ deterministically."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from finsam import db, queries
from finsam.demo import build_stream
from finsam.demo_streams import all_streams, money_and_voices
from finsam.published import Published, read

PARTICIPATION_COLUMNS = [
    "participation_id", "association_id", "intervention_id", "person_id", "municipality_code", "gender",
    "birth_year", "referral_source", "assignment", "start_date", "end_date", "exit_reason", "has_positive_step",
    "followup_6m", "followup_18m", "education", "public_support_time", "income_before", "income_after", "is_demo",
]
PERSON_PREFIX = {"Sydnärke": "SN", "Norra Västmanland": "NV", "Västerås": "VS"}


class BuildError(RuntimeError):
    pass


def demo_records(data_dir: Path, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo participations and anonymous counts; raises BuildError if a followed figure is missed."""
    published = Published(read(data_dir))
    codes = pd.read_csv(data_dir / "municipalities.csv", dtype=str).set_index("municipality_name")["municipality_code"]
    rows, anonymous, problems = [], [], []
    serial: dict[str, int] = {}
    for stream in all_streams(published):
        records, unmet = build_stream(stream, seed)
        problems += [f"{stream.association}/{stream.intervention}: {u}" for u in unmet]
        prefix = PERSON_PREFIX[stream.association]
        for r in records:
            serial[prefix] = serial.get(prefix, 0) + 1
            rows.append({
                "association_id": stream.association, "intervention_id": stream.intervention,
                "person_id": f"{prefix}-{serial[prefix]:05d}", "municipality_code": codes[r["municipality"]],
                "gender": r["gender"], "birth_year": r["birth_year"], "referral_source": r["referral_source"],
                "assignment": r["assignment"], "start_date": r["start_date"], "end_date": r["end_date"],
                "exit_reason": r["exit_reason"], "has_positive_step": r["has_positive_step"],
                "followup_6m": r["followup_6m"], "followup_18m": r["followup_18m"], "education": r["education"],
                "public_support_time": r["public_support_time"], "income_before": r["income_before"],
                "income_after": r["income_after"], "is_demo": True,
            })
        anonymous += [{"association_id": stream.association, "intervention_id": stream.intervention, "year": y,
                       "gender": g, "participant_count": n, "is_demo": True} for y, g, n in stream.anonymous]
    if problems:
        raise BuildError("the demo records miss published figures they should follow:\n  " + "\n  ".join(problems))
    df = pd.DataFrame(rows)
    df.insert(0, "participation_id", range(1, len(df) + 1))
    anon = pd.DataFrame(anonymous, columns=["association_id", "intervention_id", "year", "gender",
                                            "participant_count", "is_demo"])
    return df[PARTICIPATION_COLUMNS], anon


def build(db_path: Path, data_dir: Path, seed: int) -> dict[str, int]:
    """Write a new demo database at db_path (atomically: a temporary file renamed into place)."""
    participations, anonymous = demo_records(data_dir, seed)
    tmp = db_path.with_name(db_path.name + ".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = db.init_database(tmp, data_dir)
    try:
        db.insert_participations(con, participations)
        if len(anonymous):
            db._insert(con, "anonymous_participants", anonymous)
        budget, surveys = money_and_voices(Published(read(data_dir)))
        db._insert(con, "budget", pd.DataFrame(budget).assign(is_demo=True))
        db._insert(con, "survey_result", pd.DataFrame(surveys).astype({"respondents": "Int64"}).assign(is_demo=True))
        queries.refresh_aggregates(con)
        con.execute("INSERT INTO build_info VALUES ('kind', 'demo'), ('seed', ?), ('built_at', ?)",
                    [str(seed), dt.datetime.now().isoformat(timespec="seconds")])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    Path(str(db_path) + ".wal").unlink(missing_ok=True)
    return {"participations": len(participations), "anonymous_rows": len(anonymous)}
