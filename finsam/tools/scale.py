"""`python -m finsam generate`: a synthetic national database, for scale tests and the benchmark.

Everything here is synthetic and the database says so (build_info kind = 'synthetic'; no association is
marked demo, since none shows the reports' records). The 290 real municipalities get drawn populations (no
population data is in the repository: a seeded lognormal, county seats and the three metropolitan cities
large) and are grouped by county into 75 associations (the metropolitan cities alone). Each association has
a coordination team and a few projects over 2006-2025; participations are spread over them by population,
a per-municipality rate and a growing national volume, with distributions shaped like the reports'
(data/published_figures.csv: Sydnärke 2016-2025, Norra Västmanland 2022, Västerås 2020) and the background
priors of finsam.build.demo.

Rows are made in chunks of numpy arrays and appended through Arrow, in the order yearly imports would
append them (start year, association, intervention), so memory stays bounded whatever the size. Budgets
and survey results (money_and_voices) are small tables drawn per intervention and year from a generator of
their own, so the records are the same with or without them; the published figures of data/ are loaded as
in every database finsam makes (they stand beside synthetic records here, and do not match them).

This module writes the database; the drawn world is in scale_country, the records in scale_records, the
budgets and surveys in scale_money.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from finsam.data import db
from finsam.tools.scale_country import ASSOCIATIONS, FIRST_YEAR, Country, allocate, draw_country
from finsam.tools.scale_money import money_and_voices
from finsam.tools.scale_records import anonymous_counts, chunks, make_chunk, person_pools
from finsam.data import aggregates
from finsam.write import sharing

SHARING = 0.85  # the share of associations that share their key figures


def _load_reference(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    """The municipalities and code lists of data/, loaded by finsam.data.db (the demo's associations left out)."""
    ref = duckdb.connect()
    try:
        db.create_schema(ref)
        db.load_reference(ref, data_dir)
        for table in ["municipality", *db.CODE_LISTS]:
            db.insert_frame(con, table, ref.table(table).df())
    finally:
        ref.close()


def _insert_country(con: duckdb.DuckDBPyConnection, country: Country, seed: int) -> None:
    assocs, munis = country.associations, country.municipalities
    db.insert_frame(con, "association", pd.DataFrame({
        "association_id": assocs.association_id, "name_sv": assocs.association_id, "name_en": assocs.association_id,
        "full_name_sv": "Samordningsförbundet " + assocs.association_id
                        + np.where(assocs.members > 1, " m.fl.", "") + " (syntetiskt)"}))
    members = munis.assign(association_id=assocs.association_id.to_numpy()[munis.association])
    db.insert_frame(con, "association_municipality", members[["association_id", "municipality_code"]])
    total = members.groupby("association").population.transform("sum")
    db.insert_frame(con, "population_share", members.assign(
        year=FIRST_YEAR, population_share_pct=np.maximum(0.01, (100 * members.population / total).round(2)),
        source=f"synthetic: drawn population (finsam generate, seed {seed})")[
        ["association_id", "municipality_code", "year", "population_share_pct", "source"]])
    iv = country.interventions
    db.insert_frame(con, "intervention", pd.DataFrame({
        "association_id": assocs.association_id.to_numpy()[iv.association], "intervention_id": iv.intervention_id,
        "name_sv": iv.intervention_id, "kind": iv.kind, "first_year": iv.first_year, "last_year": iv.last_year,
        "description_sv": "Syntetisk insats (finsam generate)"}))
    # most associations share their key figures, some do not (a generator of its own: the records stay the same)
    shares = np.random.default_rng([seed, 2]).random(len(assocs)) < SHARING
    sharing.set_rows(con, assocs.association_id[shares], True, "finsam generate")
    sharing.set_rows(con, assocs.association_id[~shares], False, "finsam generate")


PARTICIPATION_SQL = """INSERT INTO participation (participation_id, association_id, intervention_id, person_id,
    municipality_code, gender, birth_year, referral_source, assignment, start_date, end_date, exit_reason,
    has_positive_step, followup_6m, followup_18m, education, public_support_time, income_before, income_after,
    is_demo)
SELECT participation_id, association_id::VARCHAR, intervention_id::VARCHAR,
    person_prefix::VARCHAR || person_number::VARCHAR, municipality_code::VARCHAR, gender::VARCHAR, birth_year,
    referral_source::VARCHAR, assignment::VARCHAR, start_date, end_date, exit_reason::VARCHAR, has_positive_step,
    followup_6m::VARCHAR, followup_18m::VARCHAR, education::VARCHAR, public_support_time::VARCHAR,
    income_before::VARCHAR, income_after::VARCHAR, false
FROM _chunk"""


def generate(out: Path, participations: int, seed: int, data_dir: Path,
             associations: int = ASSOCIATIONS) -> dict[str, int]:
    """Write a synthetic national database at out (atomically: a temporary file renamed into place). Fewer
    associations (at least one per county, the metropolitan cities apart) make quicker test databases."""
    rng = np.random.default_rng(seed)
    municipalities = pd.read_csv(data_dir / "municipalities.csv", dtype=str, keep_default_na=False)
    country = draw_country(municipalities, rng, associations)
    cells = allocate(country, participations, rng)
    pools = person_pools(cells, len(country.associations))
    tmp = out.with_name(out.name + ".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    con = db.connect(tmp)
    try:
        db.create_schema(con)
        _load_reference(con, data_dir)
        _insert_country(con, country, seed)
        next_id = 1
        for part in chunks(cells):
            table = make_chunk(country, part, pools, next_id, rng)
            con.register("_chunk", table)
            try:
                con.execute(PARTICIPATION_SQL)
            finally:
                con.unregister("_chunk")
            next_id += table.num_rows
        anonymous = anonymous_counts(country, cells, rng)
        if len(anonymous):
            db.insert_frame(con, "anonymous_participants", anonymous)
        questions = pd.read_csv(data_dir / "survey_questions.csv", dtype=str, keep_default_na=False)
        money = money_and_voices(country, cells, questions, np.random.default_rng([seed, 1]))
        for table, rows in money.items():
            if len(rows):
                db.insert_frame(con, table, rows)
        db.load_published(con, data_dir)
        aggregates.refresh_aggregates(con)
        con.execute("INSERT INTO build_info VALUES ('kind', 'synthetic'), ('seed', ?), ('participations', ?), "
                    "('built_at', ?)", [str(seed), str(participations), dt.datetime.now().isoformat(timespec="seconds")])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, out)
    Path(str(out) + ".wal").unlink(missing_ok=True)
    return {"participations": next_id - 1, "associations": len(country.associations),
            "interventions": len(country.interventions), "anonymous_rows": len(anonymous),
            "budget_rows": len(money["budget"]), "survey_rows": len(money["survey_result"])}
