"""Shared fixtures: the demo database built once per session, and tiny hand-made databases."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from finsam.data import aggregates, db
from finsam.build.database import build

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEED = 20241231


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "finsam.duckdb"
    build(path, DATA, SEED)
    return path


@pytest.fixture()
def demo_con(demo_db):
    con = db.connect(demo_db, read_only=True)
    yield con
    con.close()


def record(**kw) -> dict:
    """A valid participation with defaults; pass fields to change."""
    base = dict(association_id="Sydnärke", intervention_id="Samordningsteamet", person_id="P-1",
                municipality_code="1881", gender="kvinna", birth_year=1990, referral_source="FK",
                assignment=None, start_date=dt.date(2024, 3, 1), end_date=None, exit_reason=None,
                has_positive_step=None, followup_6m="ej_aktuell", followup_18m="ej_aktuell", education=None,
                public_support_time=None, income_before=None, income_after=None, is_demo=False)
    base.update(kw)
    return base


def insert_records(con, records: list[dict]) -> None:
    df = pd.DataFrame(records)
    df.insert(0, "participation_id", range(1, len(df) + 1))
    db.insert_participations(con, df)
    aggregates.refresh_aggregates(con)


@pytest.fixture()
def tiny(tmp_path):
    """A database with the reference data and no records; returns a writable connection."""
    con = db.init_database(tmp_path / "tiny.duckdb", DATA)
    aggregates.refresh_aggregates(con)
    yield con
    con.close()


@pytest.fixture(scope="session")
def app_url(demo_db):
    """The dashboard started as a user starts it, on the demo database (shared by the browser tests)."""
    from browser import streamlit_server

    with streamlit_server(demo_db) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    playwright = pytest.importorskip("playwright.sync_api")
    from browser import CHROMIUM, CHROMIUM_ARGS

    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_terminal_summary(terminalreporter):
    from browser import SCREENSHOTS

    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"screenshots of every page: {SCREENSHOTS}")


@pytest.fixture()
def live(tmp_path) -> Path:
    """An empty database (reference data only), as `python -m finsam init` makes it."""
    path = tmp_path / "finsam.duckdb"
    con = db.init_database(path, DATA)
    aggregates.refresh_aggregates(con)
    con.close()
    return path
