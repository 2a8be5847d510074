"""Importing real files (Excel written with openpyxl, CSV in Windows-1252 and UTF-8): every rule rejects a
bad file with the right message and leaves the database byte for byte as it was; valid files round-trip."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook

from conftest import DATA, ROOT
from finsam.data import db
from finsam.query import figures, queries as q
from finsam.write.columns import template
from finsam.write.importer import ImportRejected, import_file, remove_demo_records
from finsam.privacy import OFF
from finsam.query import lookups
from finsam.data import aggregates

TODAY = dt.date(2026, 6, 30)
HEADER = ["deltagare_id", "förbund", "insats", "kommun", "kön", "födelseår", "remittent", "uppdrag", "startdatum",
          "slutdatum", "avslutsanledning", "stegförflyttning", "uppföljning_6m"]
ROWS = [
    ["A-1", "Sydnärke", "Samordningsteamet", "Kumla", "kvinna", "1990", "FK", "Arbetsträning", "2025-01-10",
     "2025-09-30", "arbete", "ja", "behållit"],
    ["A-2", "Sydnärke", "Samordningsteamet", "1860", "man", "1985", "Soc", "", "2025-02-01", "", "", "", ""],
    ["A-3", "Sydnärke", "Samordningsteamet", "Hallsberg", "K", "", "Egen", "kartläggning", "2025-03-15",
     "2025-12-01", "Aktivt arbetssökande", "nej", ""],
]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def csv_bytes(rows, header=HEADER, sep=";", encoding="cp1252") -> bytes:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=HEADER, sheet="Deltagare", extra_sheets=()) -> bytes:
    wb = Workbook()
    for name in extra_sheets:
        wb.create_sheet(name)
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append([_excel_value(h, v) for h, v in zip(header, r)])
    ws.append([None] * len(header))  # trailing empty row
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _excel_value(header: str, value: str):
    """A date column as a real Excel date cell and a year as a number, as people's sheets have them."""
    try:
        if header.endswith("datum") and value:
            return dt.datetime.fromisoformat(value)
        if header == "födelseår" and value:
            return int(value)
    except ValueError:
        pass
    return value


def count(path: Path, sql: str = "SELECT count(*) FROM participation"):
    con = db.connect(path, read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_excel_with_date_cells_header_variants_and_labels(live):
    header = ["Deltagare ID", "FORBUND", "Insats", "Kommun", "KÖN", "Fodelsear", "Remittent", "uppdrag",
              "Startdatum", "slutdatum", "Avslutsanledning", "Stegforflyttning", "Uppföljning 6m"]
    content = xlsx_bytes(ROWS, header=header, sheet="Lista", extra_sheets=["Annat"])
    report = import_file(live, "lista.xlsx", content, today=TODAY)
    assert report.ok and report.written, report.text()
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    assert count(live, "SELECT count(*) FROM participation WHERE exit_reason = 'aktivt_arbetssokande'") == 1
    assert count(live, "SELECT count(*) FROM import_log") == 1


def test_named_sheet(live):
    wb = xlsx_bytes(ROWS, sheet="Deltagare 2025", extra_sheets=["Framsida"])
    report = import_file(live, "lista.xlsx", wb, sheet="Deltagare 2025", today=TODAY)
    assert report.written and report.added == 3
    with pytest.raises(ImportRejected, match="Bladet 'Nej' finns inte"):
        import_file(live, "lista.xlsx", wb, sheet="Nej", today=TODAY)


@pytest.mark.parametrize("sep,encoding", [(";", "cp1252"), (",", "utf-8-sig"), (";", "utf-8")])
def test_csv_separators_and_encodings_with_swedish_dates(live, sep, encoding):
    rows = [r[:] for r in ROWS]
    rows[1][8] = "1/2/2025"  # 1 February, day first
    report = import_file(live, "lista.csv", csv_bytes(rows, sep=sep, encoding=encoding), today=TODAY)
    assert report.written, report.text()
    assert count(live, "SELECT strftime(start_date, '%Y-%m-%d') FROM participation WHERE person_id = 'A-2'") == "2025-02-01"
    assert count(live, "SELECT municipality_code FROM participation WHERE person_id = 'A-3'") == "1861"


def test_trailing_empty_rows_and_columns_are_ignored(live):
    content = csv_bytes([r + ["", ""] for r in ROWS] + [[""] * 15, [""] * 15], header=HEADER + ["", ""])
    assert import_file(live, "lista.csv", content, today=TODAY).added == 3


BAD = [
    (lambda r: r.__setitem__(0, ""), "deltagare_id", "värde saknas"),
    (lambda r: r.__setitem__(3, "Västerås"), "kommun", "kommunen hör inte till förbundet"),
    (lambda r: r.__setitem__(3, "Atlantis"), "kommun", "okänd kommun"),
    (lambda r: r.__setitem__(4, "x"), "kön", "okänt värde för kön"),
    (lambda r: r.__setitem__(6, "Polisen"), "remittent", "okänt värde för remittent"),
    (lambda r: r.__setitem__(8, "2025-02-30"), "startdatum", "ogiltigt datum"),
    (lambda r: r.__setitem__(8, "2027-01-01"), "startdatum", "datumet ligger i framtiden"),
    (lambda r: r.__setitem__(9, "2024-01-01"), "slutdatum", "slutdatum är före startdatum"),
    (lambda r: r.__setitem__(10, ""), "avslutsanledning", "avslutsanledning saknas för avslutat deltagande"),
    (lambda r: (r.__setitem__(9, ""), r.__setitem__(10, "arbete"), r.__setitem__(11, ""), r.__setitem__(12, "")),
     "avslutsanledning", "avslutsanledning anges bara när slutdatum finns"),
    (lambda r: r.__setitem__(10, "semester"), "avslutsanledning", "okänt värde för avslutsanledning"),
    (lambda r: r.__setitem__(11, "kanske"), "stegförflyttning", "skriv ja eller nej"),
    (lambda r: r.__setitem__(5, "1850"), "födelseår", "ogiltigt födelseår"),
    (lambda r: r.__setitem__(1, "Ingenstans"), "förbund", "okänt förbund"),
    (lambda r: r.__setitem__(12, "kanske"), "uppföljning_6m", "okänt värde för uppföljning"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("mutate,column,rule", BAD, ids=[b[2] for b in BAD])
def test_each_rule_rejects_the_file_and_changes_nothing(live, fmt, mutate, column, rule):
    import_file(live, "first.csv", csv_bytes(ROWS[1:2]), today=TODAY)
    before = sha(live)
    rows = [r[:] for r in ROWS]
    mutate(rows[0])
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    report = import_file(live, f"bad.{fmt}", content, today=TODAY)
    assert not report.written
    hits = [p for p in report.problems if p.row == 2 and p.column == column and rule in p.rule]
    assert hits, report.text()
    assert sha(live) == before


def test_every_problem_is_listed_at_once_with_excel_row_numbers(live):
    rows = [r[:] for r in ROWS]
    rows[0][4] = "x"
    rows[2][3] = "Atlantis"
    rows[2][9] = "2020-01-01"
    report = import_file(live, "bad.csv", csv_bytes(rows), today=TODAY)
    assert {(p.row, p.column) for p in report.problems} == {(2, "kön"), (4, "kommun"), (4, "slutdatum")}


def test_duplicate_rows_in_the_file_are_refused(live):
    before = sha(live)
    report = import_file(live, "dup.csv", csv_bytes([ROWS[0], ROWS[0]]), today=TODAY)
    assert {p.row for p in report.problems if "dubblett" in p.rule} == {2, 3}
    assert all(p.value == "" for p in report.problems if p.column == "deltagare_id")  # names no person
    assert sha(live) == before


def test_missing_required_column(live):
    header = [h for h in HEADER if h != "kön"]
    rows = [[v for h, v in zip(HEADER, r) if h != "kön"] for r in ROWS]
    report = import_file(live, "x.csv", csv_bytes(rows, header=header), today=TODAY)
    assert any(p.column == "kön" and "obligatorisk" in p.rule for p in report.problems)


@pytest.mark.parametrize("value", ["19850101-1234", "850101-1234", "198501011234", "850161-1234"])
def test_personal_identity_numbers_reject_the_whole_file_before_anything(live, value):
    before = sha(live)
    rows = [r[:] + [value if i == 1 else ""] for i, r in enumerate(ROWS)]
    with pytest.raises(ImportRejected, match="personnummer.*kolumnen anteckning"):
        import_file(live, "pnr.csv", csv_bytes(rows, header=HEADER + ["anteckning"]), today=TODAY)
    assert sha(live) == before
    assert count(live, "SELECT count(*) FROM import_log") == 0


def test_the_same_file_twice_changes_nothing_and_a_newer_file_updates(live):
    first = csv_bytes(ROWS)
    assert import_file(live, "a.csv", first, today=TODAY).added == 3
    again = import_file(live, "a.csv", first, today=TODAY)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    newer = [r[:] for r in ROWS]
    newer[1][9:12] = ["2026-01-15", "studier", "ja"]
    newer.append(["A-4", "Sydnärke", "Samordningsteamet", "Laxå", "man", "2000", "KAA", "", "2026-02-01", "", "",
                  "", ""])
    report = import_file(live, "b.csv", csv_bytes(newer), today=TODAY)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 2)
    assert count(live, "SELECT exit_reason FROM participation WHERE person_id = 'A-2'") == "studier"
    assert count(live) == 4


def test_valid_only_imports_the_good_rows_and_returns_the_rest(live):
    rows = [r[:] for r in ROWS]
    rows[1][4] = "x"
    report = import_file(live, "mix.csv", csv_bytes(rows), valid_only=True, today=TODAY)
    assert report.written and report.added == 2 and report.rejected_rows == 1
    back = pd.read_csv(io.BytesIO(report.rejected), sep=";", dtype=str, keep_default_na=False)
    assert back.deltagare_id.tolist() == ["A-2"] and "kön" in back.fel[0]


def test_anonymous_template(live):
    content = csv_bytes([["Sydnärke", "Samordningsteamet", "2025", "K", "3"]],
                        header=["förbund", "insats", "år", "kön", "antal"])
    report = import_file(live, "anon.csv", content, today=TODAY)
    assert report.kind == "anonyma" and report.added == 1
    bad = csv_bytes([["Sydnärke", "Samordningsteamet", "2025", "K", "0"]], header=["förbund", "insats", "år", "kön", "antal"])
    assert any(p.column == "antal" for p in import_file(live, "anon.csv", bad, today=TODAY).problems)


def test_templates_are_importable_files(live):
    for fmt in ("csv", "xlsx"):
        raw = template("deltagare", fmt)
        report = import_file(live, f"mall.{fmt}", raw, today=TODAY, dry_run=True)
        assert report.ok, report.text()


def test_round_trip_figures_equal_hand_counts_from_the_file(live):
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    con = db.connect(live, read_only=True)
    fig = figures.compute(con, q.Filters(associations=("Sydnärke",), years=(2025, 2025)), OFF)
    con.close()
    f = fig[fig.intervention == "Samordningsteamet"].set_index(["measure", "dimension", "category"]).value
    df = pd.DataFrame(ROWS, columns=HEADER)
    assert f[("participants_total", "", "")] == len(df)
    assert f[("participants_ended", "", "")] == (df.slutdatum != "").sum()
    assert f[("gender_count", "gender", "kvinna")] == df.kön.isin(["kvinna", "K"]).sum()
    assert f[("municipality_count", "municipality", "Kumla")] == 1
    days = [(dt.date.fromisoformat(e) - dt.date.fromisoformat(s)).days for s, e in zip(df.startdatum, df.slutdatum) if e]
    assert f[("mean_days_in_intervention", "", "")] == pytest.approx(sum(days) / len(days))
    assert f[("positive_step_share", "", "")] == pytest.approx(50.0)


def test_demo_records_give_way_to_imported_ones(demo_db, tmp_path):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_db.read_bytes())
    con = db.connect(path, read_only=True)
    assert lookups.is_demo(con, ("Sydnärke",))
    con.close()
    import_file(path, "a.csv", csv_bytes(ROWS), today=TODAY)
    con = db.connect(path, read_only=True)
    assert not lookups.is_demo(con, ("Sydnärke",)) and lookups.is_demo(con, ("Västerås",))
    con.close()
    removed = remove_demo_records(path, "Sydnärke")
    assert removed > 600
    assert count(path, "SELECT count(*) FROM participation WHERE association_id = 'Sydnärke'") == 3


def big_file(n: int) -> bytes:
    rows = [[f"P-{i}", "Sydnärke", "Samordningsteamet", "Kumla", "kvinna", "1990", "FK", "", "2025-01-10", "", "", "",
             ""] for i in range(n)]
    return csv_bytes(rows)


def test_a_killed_import_leaves_the_old_data_intact(live, tmp_path):
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    before = sha(live)
    src = tmp_path / "big.csv"
    src.write_bytes(big_file(2000))
    env = {**os.environ, "FINSAM_IMPORT_PAUSE_BEFORE_SWAP": "60"}
    proc = subprocess.Popen([sys.executable, "-m", "finsam", "import", str(src), "--db", str(live)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ready = list(live.parent.glob("*.ready"))
    deadline = time.monotonic() + 120
    while not ready and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        ready = list(live.parent.glob("*.ready"))
    assert ready, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert sha(live) == before
    assert count(live) == 3
    # the next import cleans up after the killed one and works
    assert import_file(live, "b.csv", big_file(5), today=TODAY).added == 5
    assert not list(live.parent.glob("*.import-*"))


def test_readers_see_the_data_before_or_after_an_import_never_half(live, tmp_path):
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    src = tmp_path / "big.csv"
    src.write_bytes(big_file(3000))
    seen, errors, stop = set(), [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                con = db.connect(live, read_only=True)
                seen.add(con.execute("SELECT count(*) FROM participation").fetchone()[0])
                con.close()
            except Exception as e:  # any error is a failure of the design
                errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    result = subprocess.run([sys.executable, "-m", "finsam", "import", str(src), "--db", str(live)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    deadline = time.monotonic() + 20
    while 3003 not in seen and time.monotonic() < deadline:  # new readers see the new file
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    assert result.returncode == 0, result.stdout + result.stderr
    assert not errors, errors[:3]
    assert seen <= {3, 3003} and 3003 in seen


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(0, 2), st.integers(0, len(HEADER) - 1),
                                st.text(alphabet="abcÅÄÖ0123456789-/:; ", max_size=12)), min_size=1, max_size=6),
       fmt=st.sampled_from(["csv", "xlsx"]))
def test_random_malformed_rows_never_change_the_database_on_rejection(tmp_path_factory, cells, fmt):
    path = tmp_path_factory.mktemp("h") / "finsam.duckdb"
    con = db.init_database(path, DATA)
    aggregates.refresh_aggregates(con)
    con.close()
    before = sha(path)
    rows = [r[:] for r in ROWS]
    for r, c, value in cells:
        rows[r][c] = value
    content = csv_bytes(rows, encoding="utf-8") if fmt == "csv" else xlsx_bytes(
        [[v if not (h.endswith("datum") or h == "födelseår") else "" for h, v in zip(HEADER, r)] for r in rows])
    try:
        report = import_file(path, f"f.{fmt}", content, today=TODAY)
    except ImportRejected:
        assert sha(path) == before
        return
    if not report.ok:
        assert not report.written and sha(path) == before
    else:
        assert report.written


def test_budget_and_survey_templates(live):
    budget = csv_bytes([["Sydnärke", "Samordningsteamet", "2025", "1 200 000", "1 150 000 kr", ""]],
                       header=["förbund", "insats", "år", "beviljat_sek", "använt_sek", "slag"])
    report = import_file(live, "budget.csv", budget, today=TODAY)
    assert report.kind == "budget" and report.added == 1, report.text()
    assert count(live, "SELECT used_sek FROM budget") == 1150000
    survey = csv_bytes([["Sydnärke", "Samordningsteamet", "2025", "NNS", "1", "32", "97"],
                        ["Sydnärke", "Samordningsteamet", "2025", "våld", "utsatt", "48", "58 %"]],
                       header=["förbund", "insats", "år", "enkät", "fråga", "antal_svar", "andel_positiva"])
    report = import_file(live, "enkat.csv", survey, today=TODAY)
    assert report.kind == "enkät" and report.added == 2, report.text()
    assert count(live, "SELECT timepoint FROM survey_result WHERE survey = 'violence'") == "start"


@pytest.mark.parametrize("kind,header,row,column", [
    ("budget", ["förbund", "insats", "år", "beviljat_sek", "använt_sek"], ["Sydnärke", "X", "2025", "-5", "10"],
     "beviljat_sek"),
    ("budget", ["förbund", "insats", "år", "beviljat_sek", "använt_sek"], ["Sydnärke", "X", "1999", "5", "10"], "år"),
    ("enkät", ["förbund", "insats", "år", "enkät", "fråga", "antal_svar", "andel_positiva"],
     ["Sydnärke", "X", "2025", "nns", "1", "0", "50"], "antal_svar"),
    ("enkät", ["förbund", "insats", "år", "enkät", "fråga", "antal_svar", "andel_positiva"],
     ["Sydnärke", "X", "2025", "nns", "1", "10", "150"], "andel_positiva"),
    ("enkät", ["förbund", "insats", "år", "enkät", "fråga", "antal_svar", "andel_positiva"],
     ["Sydnärke", "X", "2025", "kundenkät", "1", "10", "50"], "enkät"),
])
def test_bad_budget_and_survey_files_change_nothing(live, kind, header, row, column):
    before = sha(live)
    report = import_file(live, f"{kind}.csv", csv_bytes([row], header=header), today=TODAY)
    assert report.kind == kind and any(p.column == column for p in report.problems), report.text()
    assert sha(live) == before


def test_only_a_signed_in_administrator_or_its_coordinator_may_write(live):
    from finsam.access import DEMO, Access, AccessDenied

    before = sha(live)
    content = csv_bytes(ROWS)
    for who in (DEMO, Access("board", ("Sydnärke",), "bo"), Access("coordinator", ("Västerås",), "kim")):
        with pytest.raises(AccessDenied):
            import_file(live, "lista.csv", content, today=TODAY, access=who)
        with pytest.raises(AccessDenied):
            remove_demo_records(live, "Sydnärke", access=who)
    assert sha(live) == before  # nothing written
    assert import_file(live, "lista.csv", content, today=TODAY, dry_run=True, access=DEMO).ok  # checking is fine
    assert import_file(live, "lista.csv", content, today=TODAY,
                       access=Access("coordinator", ("Sydnärke",), "sam")).written


def test_a_municipality_is_read_as_written_and_without_the_dots_only_when_unambiguous(live):
    """Håbo (Uppsala län) and Habo (Jönköpings län) both read "habo" without their dots: each is found by
    its own name, and the undotted spelling of any other municipality still works."""
    from finsam.write.rules import Codes

    con = db.connect(live, read_only=True)
    try:
        codes = Codes(con)
    finally:
        con.close()
    assert codes.municipality("Håbo") == "0305" and codes.municipality("HÅBO kommun") == "0305"
    assert codes.municipality("Habo") == "0643" and codes.municipality("habo") == "0643"
    assert codes.municipality("Vasteras") == "1980" and codes.municipality("Örebro") == "1880"
    assert codes.municipality("Hallsberg") == "1861" and codes.municipality("1860") == "1860"
    assert codes.municipality("305") == "0305" and codes.municipality("Atlantis") is None
