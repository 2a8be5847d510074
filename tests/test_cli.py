"""The command line as a user runs it: build, figures, reconcile."""
from __future__ import annotations

import io
import re
import subprocess
import sys

import pandas as pd

from conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "finsam", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_figures_prints_the_published_columns(demo_db):
    r = run("figures", "--db", str(demo_db), "--association", "Sydnärke", "--year", "2024",
            "--intervention", "Samordningsteamet")
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert list(df.columns) == ["association", "intervention", "year", "measure", "dimension", "category", "value", "unit"]
    fig = pd.to_numeric(df.set_index(["measure", "dimension", "category"]).value, errors="coerce")
    assert fig[("participants_total", "", "")] == 145
    assert fig[("municipality_count", "municipality", "Kumla")] == 63
    assert fig[("referral_count", "referral_source", "FK")] == 72
    assert fig[("referral_count_by_municipality", "municipality|referral_source", "Kumla|FK")] == 42
    assert set(df.year) == {2024}


def test_figures_by_municipality(demo_db):
    r = run("figures", "--db", str(demo_db), "--association", "Sydnärke", "--municipality", "Laxå", "--year", "2024")
    df = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    total = df[(df.measure == "participants_registered") & (df.intervention == "Samordningsteamet")].value
    assert pd.to_numeric(total).tolist() == [16]


def test_reconcile_exits_zero_and_ends_with_a_summary(demo_db):
    r = run("reconcile", "--db", str(demo_db))
    assert r.returncode == 0, r.stdout[-2000:]
    last = r.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"reconcile: \d+ published figures: \d+ match, \d+ conflict, \d+ not reconstructable, 0 mismatch", last)


def test_missing_database_is_explained(tmp_path):
    r = run("figures", "--db", str(tmp_path / "nope.duckdb"))
    assert r.returncode != 0 and "python -m finsam build" in r.stderr
