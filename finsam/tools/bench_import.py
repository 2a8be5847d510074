"""`python -m finsam bench --import-rows N`: the demo build and the import of a participant file made as
coordinators have them, timed."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd


def import_file_rows(rows: int, seed: int = 1) -> bytes:
    """A participant file as coordinators have them (semicolon CSV in Windows-1252, Swedish headers and
    labels) with `rows` valid rows for Sydnärke's Samordningsteamet: a third ongoing, the rest ended."""
    rng = np.random.default_rng(seed)
    start = pd.Series(pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 9 * 365, rows), unit="D"))
    days = rng.integers(0, 900, rows)
    ended = rng.random(rows) < 0.67
    end = (start + pd.to_timedelta(days, unit="D")).where(ended)
    end = end.where(end <= pd.Timestamp("2025-06-30"))
    ended = end.notna()
    def pick(values, p=None):
        return np.asarray(values, dtype=object)[rng.choice(len(values), rows, p=p)]
    frame = pd.DataFrame({
        "deltagare_id": [f"IMP-{i:07d}" for i in range(rows)], "förbund": "Sydnärke", "insats": "Samordningsteamet",
        "kommun": pick(["Kumla", "Hallsberg", "Askersund", "Laxå"]),
        "kön": pick(["kvinna", "man"]), "födelseår": rng.integers(1960, 2004, rows),
        "remittent": pick(["FK", "AF", "Soc", "Psyk", "Vc"]), "uppdrag": pick(["Arbetsträning", "Kartläggning", ""]),
        "startdatum": start.dt.strftime("%Y-%m-%d"), "slutdatum": end.dt.strftime("%Y-%m-%d").fillna(""),
        "avslutsanledning": np.where(ended, pick(["Arbete", "Studier", "Avbrott", "Fortsatt rehabilitering"]), ""),
        "stegförflyttning": np.where(ended, pick(["ja", "nej"]), ""),
        "uppföljning_6m": "", "uppföljning_18m": "", "utbildningsnivå": pick(["gymnasium", "grundskola", ""]),
        "tid_i_offentlig_försörjning": "", "försörjning_före": pick(["försörjningsstöd", ""]),
        "försörjning_efter": ""})
    return frame.to_csv(sep=";", index=False).encode("cp1252")


def build_and_import(rows: int) -> str:
    """Time the demo build and the import of a `rows`-row file into it, as a coordinator would import it."""
    import tempfile

    from finsam.build import database as build
    from finsam import config
    from finsam.write import importer

    cfg = config.load()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "finsam.duckdb"
        t0 = time.perf_counter()
        build.build(path, cfg.data_dir, cfg.seed)
        built = time.perf_counter() - t0
        content = import_file_rows(rows)
        t0 = time.perf_counter()
        report = importer.import_file(path, "deltagare.csv", content, kind="deltagare")
        imported = time.perf_counter() - t0
        if not report.ok or report.added != rows:
            raise SystemExit(f"the import did not take every row:\n{report.text()}")
    return (f"build and import: demo database built in {built:.1f} s; a {rows}-row semicolon CSV "
            f"(Windows-1252, {len(content) / 1e6:.1f} MB) validated and imported in {imported:.1f} s")

