"""Integrity lives in the schema: bad records are refused by DuckDB itself."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from conftest import insert_records, record

D = dt.date


CHECK = 'CHECK constraint failed on table "participation"'
FK = "Violates foreign key constraint"


@pytest.mark.parametrize("bad, rule", [
    (dict(end_date=D(2024, 2, 1), exit_reason="arbete"), CHECK),                        # ends before it starts
    (dict(exit_reason="arbete"), CHECK),                                                # ongoing with an exit reason
    (dict(end_date=D(2024, 5, 1)), CHECK),                                              # ended without exit reason
    (dict(person_id="19900101-1234"), CHECK),                                           # a personnummer
    (dict(person_id="900101-1234"), CHECK),
    (dict(person_id="199001011234"), CHECK),
    (dict(municipality_code="1980"), FK),                                            # Västerås is not in Sydnärke
    (dict(municipality_code="9999"), FK),
    (dict(gender="okänd"), FK),
    (dict(referral_source="Polisen"), FK),
    (dict(intervention_id="Finns inte"), FK),
    (dict(followup_6m="behallit"), CHECK),                                              # follow-up while ongoing
    (dict(has_positive_step=True), CHECK),                                              # positive step while ongoing
    (dict(birth_year=2020), CHECK),                                                     # 4 years old at start
])
def test_schema_refuses(tiny, bad, rule):
    with pytest.raises(duckdb.ConstraintException, match=rule):
        insert_records(tiny, [record(**bad)])
    assert tiny.execute("SELECT count(*) FROM participation").fetchone()[0] == 0


def test_schema_accepts_a_valid_ended_record(tiny):
    insert_records(tiny, [record(end_date=D(2024, 9, 1), exit_reason="arbete", has_positive_step=True,
                                 followup_6m="behallit")])
    assert tiny.execute("SELECT count(*) FROM participation").fetchone()[0] == 1


def test_same_person_same_start_twice_is_refused(tiny):
    with pytest.raises(duckdb.ConstraintException, match="duplicate key"):
        insert_records(tiny, [record(), record()])


def test_a_municipality_belongs_to_one_association(tiny):
    with pytest.raises(duckdb.ConstraintException, match="violates unique constraint"):
        tiny.execute("INSERT INTO association_municipality VALUES ('Västerås', '1881')")
