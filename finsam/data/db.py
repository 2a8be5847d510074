"""Connections and the creation of a finsam database with its reference data."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = Path(__file__).with_name("schema.sql")

CODE_LISTS = ["gender", "referral_source", "exit_reason", "assignment", "followup_status", "education",
              "public_support_time", "income_source", "age_band"]


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the file. A reader gets its own in-memory instance with the file attached, not
    DuckDB's per-path shared instance: after an import swaps in a new file, a new reader must see the new
    file even while older readers still hold the old one. Many threads: Reader."""
    if not read_only:
        return duckdb.connect(str(path))
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{_quote(str(path))}' AS {LIVE} (READ_ONLY)")
    con.execute(f"USE {LIVE}")
    return con


LIVE = "live"


def _quote(text: str) -> str:
    return text.replace("'", "''")


class Reader:
    """One version of the database file, read by every session of the process (the dashboard caches one
    per file version). The rule: no statement ever runs on the shared connection; every query takes a
    cursor of its own (DuckDB: a connection is not for concurrent calls, each thread takes its own
    cursor()), made under a lock and pointed at the attached file, and closes it when done."""

    def __init__(self, path: Path | str):
        self._con = connect(path, read_only=True)
        self._lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            cur = self._con.cursor()
        cur.execute(f"USE {LIVE}")  # a cursor starts in the default (in-memory) database
        return cur

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one piece of work, closed afterwards."""
        cur = self.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            self._con.close()


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    """Append the rows of a DataFrame to a table, column by column name (the frame's columns, in any order;
    the table's others take their defaults)."""
    cols = ", ".join(f'"{c}"' for c in df.columns)
    con.register("_frame", df)
    try:
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _frame')
    finally:
        con.unregister("_frame")


def _nullify(df: pd.DataFrame) -> pd.DataFrame:
    return df.replace({"": None})


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA.read_text(encoding="utf-8"))


def load_reference(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    """Load associations, municipalities, memberships, interventions and code lists from data_dir."""
    insert_frame(con, "municipality", _read_csv(data_dir / "municipalities.csv"))
    assoc = _read_csv(data_dir / "associations.csv")
    insert_frame(con, "association", assoc)
    insert_frame(con, "association_municipality", _read_csv(data_dir / "association_municipalities.csv"))
    shares = _read_csv(data_dir / "population_shares.csv")
    shares["year"] = shares["year"].astype(int)
    shares["population_share_pct"] = shares["population_share_pct"].astype(float)
    insert_frame(con, "population_share", shares)
    interventions = _nullify(_read_csv(data_dir / "interventions.csv"))
    for col in ("first_year", "last_year"):
        interventions[col] = pd.to_numeric(interventions[col]).astype("Int64")
    insert_frame(con, "intervention", interventions)
    insert_frame(con, "survey_question", _read_csv(data_dir / "survey_questions.csv"))
    for name in CODE_LISTS:
        df = _nullify(_read_csv(data_dir / "codes" / f"{name}.csv"))
        df["sort_order"] = df["sort_order"].astype(int)
        if name == "exit_reason":
            df["is_positive_default"] = df["is_positive_default"].map({"true": True, "false": False})
        if name == "age_band":
            df[["min_age", "max_age"]] = df[["min_age", "max_age"]].astype(int)
        insert_frame(con, name, df)


def load_published(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    df = _read_csv(data_dir / "published_figures.csv")
    df.insert(0, "figure_id", range(1, len(df) + 1))
    df["year"] = df["year"].astype(int)
    df.insert(df.columns.get_loc("value") + 1, "value_text", df["value"])
    df["value"] = df["value"].astype(float)
    insert_frame(con, "published_figure", df)


def init_database(path: Path, data_dir: Path) -> duckdb.DuckDBPyConnection:
    """Create a database holding the schema, the reference data and the published figures."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    create_schema(con)
    load_reference(con, data_dir)
    load_published(con, data_dir)
    return con


def insert_participations(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> None:
    """Append participation rows (a frame with the table's columns), typed as the schema wants them."""
    df = df.copy()
    for col in ("start_date", "end_date"):
        df[col] = pd.to_datetime(df[col])
    df["birth_year"] = df["birth_year"].astype("Int64")
    df["has_positive_step"] = df["has_positive_step"].astype("boolean")
    insert_frame(con, "participation", df)
