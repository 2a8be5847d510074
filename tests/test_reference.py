"""The reference data in data/: municipalities, associations, code lists."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import DATA, ROOT

ORACLE = ROOT.parent / "shared" / "reference" / "municipalities.csv"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def test_all_290_municipalities_with_unique_four_digit_codes():
    m = read("municipalities.csv")
    assert len(m) == 290
    assert m.municipality_code.str.fullmatch(r"\d{4}").all()
    assert m.municipality_code.is_unique and m.municipality_name.is_unique


@pytest.mark.skipif(not ORACLE.exists(), reason="../shared/reference/municipalities.csv is not beside the clone")
def test_municipalities_agree_with_the_reference_list():
    ours = read("municipalities.csv").set_index("municipality_code")
    oracle = pd.read_csv(ORACLE, dtype=str, keep_default_na=False).set_index("municipality_code")
    assert set(ours.index) == set(oracle.index)
    diff = (ours.loc[oracle.index, "municipality_name"] != oracle.municipality_name)
    assert not diff.any(), oracle[diff]


def test_every_member_municipality_exists_and_belongs_to_one_association():
    members = read("association_municipalities.csv")
    assert set(members.municipality_code) <= set(read("municipalities.csv").municipality_code)
    assert members.municipality_code.is_unique
    assert set(members.association_id) == set(read("associations.csv").association_id)


def test_population_shares_sum_to_about_100_per_association_and_year():
    s = read("population_shares.csv")
    s["population_share_pct"] = s.population_share_pct.astype(float)
    sums = s.groupby(["association_id", "year"]).population_share_pct.sum()
    assert ((sums > 99.4) & (sums < 100.6)).all(), sums


def test_code_lists_have_swedish_and_english_labels():
    for name in ("gender", "referral_source", "exit_reason", "assignment", "followup_status", "education",
                 "public_support_time", "income_source", "age_band"):
        df = read(f"codes/{name}.csv")
        assert df.code.is_unique, name
        assert (df.label_sv != "").all() and (df.label_en != "").all(), name


def test_referral_codes_cover_the_reports_codes():
    codes = set(read("codes/referral_source.csv").code)
    assert {"FK", "AF", "Soc", "AMI", "Psyk", "Vc", "Hab", "KAA", "LSS", "Pers omb", "Egen", "Övr",
            "Psyk/Vc/Hab"} <= codes
