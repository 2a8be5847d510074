"""Integrity lives in the schema: bad records are refused by DuckDB itself."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from conftest import insert_records, record

D = dt.date


@pytest.mark.parametrize("bad", [
    dict(end_date=D(2024, 2, 1), exit_reason="arbete"),                        # ends before it starts
    dict(exit_reason="arbete"),                                                # ongoing with an exit reason
    dict(end_date=D(2024, 5, 1)),                                              # ended without exit reason
    dict(person_id="19900101-1234"),                                           # a personnummer
    dict(person_id="900101-1234"),
    dict(person_id="199001011234"),
    dict(municipality_code="1980"),                                            # Västerås is not in Sydnärke
    dict(municipality_code="9999"),
    dict(gender="okänd"),
    dict(referral_source="Polisen"),
    dict(intervention_id="Finns inte"),
    dict(followup_6m="behallit"),                                              # follow-up while ongoing
    dict(has_positive_step=True),                                              # positive step while ongoing
    dict(birth_year=2020),                                                     # 4 years old at start
])
def test_schema_refuses(tiny, bad):
    with pytest.raises(duckdb.Error):
        insert_records(tiny, [record(**bad)])
    assert tiny.execute("SELECT count(*) FROM participation").fetchone()[0] == 0


def test_schema_accepts_a_valid_ended_record(tiny):
    insert_records(tiny, [record(end_date=D(2024, 9, 1), exit_reason="arbete", has_positive_step=True,
                                 followup_6m="behallit")])
    assert tiny.execute("SELECT count(*) FROM participation").fetchone()[0] == 1


def test_same_person_same_start_twice_is_refused(tiny):
    with pytest.raises(duckdb.Error):
        insert_records(tiny, [record(), record()])


def test_a_municipality_belongs_to_one_association(tiny):
    with pytest.raises(duckdb.Error):
        tiny.execute("INSERT INTO association_municipality VALUES ('Västerås', '1881')")
