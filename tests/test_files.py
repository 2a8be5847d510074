"""Files that come in and go out (issue 22, findings 7-9): hostile uploads are refused in seconds with memory
bounded, every encoding finsam cannot read is named, imported text never becomes a formula in a download,
names are validated on import, and the rejected rows never land in a shared temporary folder."""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import ROOT
from finsam.data import db
from finsam.present import tables as export
from finsam.query import queries as q
from finsam.write.importer import ImportRejected, import_file, read_file
from test_import import HEADER, ROWS, TODAY, csv_bytes, xlsx_bytes

FORMULA = '=HYPERLINK("http://x","klicka")'
BUDGET = ["förbund", "insats", "år", "beviljat_sek", "använt_sek"]


# --- 7: output safe for spreadsheet programs ------------------------------------------------------------

@pytest.fixture()
def hostile_names(live) -> Path:
    """Sydnärke with an intervention named like a formula, imported from CSV files as a coordinator would
    (participants and a budget, so the name reaches the tables and the chapter workbook)."""
    rows = [r[:] for r in ROWS]
    for r in rows:
        r[2] = FORMULA
    assert import_file(live, "lista.csv", csv_bytes(rows, encoding="utf-8"), today=TODAY).written
    budget = csv_bytes([["Sydnärke", FORMULA, "2025", "100000", "90000"]], header=BUDGET, encoding="utf-8")
    assert import_file(live, "budget.csv", budget, today=TODAY).written
    return live


def formula_cells(content: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(content))
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def texts(content: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(content))
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def csv_cells(content: bytes) -> list[str]:
    return [c for r in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";") for c in r]


def test_imported_formula_text_is_text_in_every_table_download(hostile_names):
    con = db.connect(hostile_names, read_only=True)
    try:
        table = q.economy(con, q.Filters(associations=("Sydnärke",)))
        flow = q.participant_flow(con, q.Filters(associations=("Sydnärke",)), by=("intervention_id",))
    finally:
        con.close()
    for df in (table, flow, table.rename(columns={"intervention_id": FORMULA})):
        assert FORMULA in df.to_numpy().tolist()[0] or FORMULA in df.columns
        book = export.xlsx(df, "tabell")
        assert formula_cells(book) == []
        assert FORMULA in texts(book)  # the name as imported, as text
        cells = csv_cells(export.excel_csv(df))
        assert "'" + FORMULA in cells and FORMULA not in cells


def test_imported_formula_text_is_text_in_the_chapter_workbook(hostile_names, monkeypatch):
    from finsam.exports import chapter, selection
    from finsam.exports.chapter_files import to_xlsx

    # the default layout (its economy table names every intervention); Sydnärke's own follows its report
    default = chapter.load_layout
    monkeypatch.setattr(chapter, "load_layout", lambda _association, known, *a: default("-", known, *a))
    con = db.connect(hostile_names, read_only=True)
    try:
        ch = chapter.build(con, selection.selection(con, "Sydnärke", 2025), render=False)
    finally:
        con.close()
    book = to_xlsx(ch)
    assert formula_cells(book) == []
    assert FORMULA in texts(book)


def test_imported_formula_text_is_text_in_the_import_problems_and_rejected_rows(hostile_names):
    rows = [r[:] for r in ROWS]
    rows[0][2] = FORMULA
    rows[0][4] = "x"  # rejected: unknown gender
    rows[1][2] = "+" + FORMULA[1:]
    rows[1][3] = "Atlantis"
    report = import_file(hostile_names, "fel.csv", csv_bytes(rows, encoding="utf-8"), valid_only=True, today=TODAY)
    assert report.rejected_rows == 2
    rejected = csv_cells(report.rejected)
    assert "'" + FORMULA in rejected and "'+" + FORMULA[1:] in rejected
    assert not any(c.startswith(("=", "+")) for c in rejected)
    problems = report.problem_frame()
    problems.loc[len(problems)] = [9, "insats", "@SUM(A1)", "regel"]
    assert "'@SUM(A1)" in csv_cells(export.excel_csv(problems))


def test_safe_cells_keep_numbers_and_plain_text():
    df = pd.DataFrame({"namn": ["-14", "+3 %", "-2,5", "Kumla", "\tA", "-", "–"], "värde": [-14, 3, -2.5, 1, 2, 3, 4]})
    out = export.safe_frame(df)
    assert out["namn"].tolist() == ["-14", "+3 %", "-2,5", "Kumla", "'\tA", "'-", "–"]
    assert out["värde"].tolist() == df["värde"].tolist()


def test_every_csv_or_workbook_finsam_writes_goes_through_the_safe_export():
    """The class of bug: a new download written with to_csv or openpyxl directly, without finsam.present.tables."""
    allowed = {"finsam/present/tables.py", "finsam/tools/bench_import.py"}  # bench writes a test input file, not an export
    found = []
    for path in sorted([*ROOT.glob("finsam/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "dashboard.py"]):
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text()
        for n, line in enumerate(source.splitlines(), start=1):
            if rel in allowed:
                continue
            if re.search(r"\.to_csv\(|\.to_excel\(|csv\.writer\(", line) and "safe_frame(" not in line:
                found.append(f"{rel}:{n}: {line.strip()}")
            if re.search(r"Workbook\(\)", line) and "text_not_formulas(" not in source:
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []


# --- 7: names validated on import ------------------------------------------------------------------------

@pytest.mark.parametrize("name,rule", [
    ("T" * 101, "för långt namn (högst 100 tecken)"),
    ("Team\tA", "otillåtet tecken"),
    ("Team\u202eA", "otillåtet tecken"),
    ("Team\nA", "otillåtet tecken"),
])
def test_names_are_validated_on_import(live, name, rule):
    rows = [r[:] for r in ROWS]
    rows[1][2] = name
    content = xlsx_bytes(rows)
    report = import_file(live, "namn.xlsx", content, today=TODAY)
    assert not report.written
    assert [(p.row, p.column) for p in report.problems if rule in p.rule] == [(3, "insats")], report.text()
    budget = xlsx_bytes([["Sydnärke", name, "2025", "1", "1"]], header=BUDGET, sheet="budget")
    assert [(p.row, p.column) for p in import_file(live, "b.xlsx", budget, today=TODAY).problems
            if rule in p.rule] == [(2, "insats")]
    assert import_file(live, "ok.xlsx", xlsx_bytes([r[:2] + ["T" * 100] + r[3:] for r in ROWS]), today=TODAY).written


# --- 8: input bounded before it is read whole ---------------------------------------------------------------

SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.'
    'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>',
}


def sheet_xlsx(path: Path, rows: int, cols: int = 1, dimension: bool = True, padding: int = 0,
               strings: int = 0) -> Path:
    """An .xlsx whose sheet XML is written directly (a million rows in seconds): rows x cols numbers, with or
    without the <dimension> element, optionally a part of `padding` zero bytes (small when packed) and
    `strings` one-letter shared strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(SHEET_HEAD)
            if dimension:
                f.write(f'<dimension ref="A1:{"A" if cols == 1 else "XFD"}{rows}"/>'.encode())
            f.write(b"<sheetData>")
            cells = "".join(f"<c><v>{j}</v></c>" for j in range(min(cols, 10_000)))
            block = []
            for r in range(1, rows + 1):
                if cols > 10_000:  # one wide row, written in pieces
                    f.write(f'<row r="{r}">'.encode())
                    for _ in range(cols // 10_000):
                        f.write(cells.encode())
                    f.write(b"</row>")
                    continue
                block.append(f'<row r="{r}">{cells}</row>')
                if len(block) == 50_000:
                    f.write("".join(block).encode())
                    block = []
            f.write("".join(block).encode() + b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w") as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main">')
            for _ in range(strings // 100_000):
                f.write(b"<si><t>a</t></si>" * 100_000)
            f.write(b"</sst>")
        if padding:
            with z.open("xl/media/image1.bin", "w") as f:
                zeros = bytes(1024 * 1024)
                for _ in range(padding // len(zeros)):
                    f.write(zeros)
    return path


def million_columns_csv(path: Path) -> Path:
    path.write_bytes((";".join(HEADER) + "\r\n" + ";".join(["1234567"] * 1_000_000) + "\r\n").encode())
    return path


def million_rows_csv(path: Path) -> Path:
    path.write_bytes(("a;b\r\n" + "1;2\r\n" * 1_000_001).encode())
    return path


ROWS_REFUSED = r"Filen har fler än 1.000.000 rader under rubrikraden"
HOSTILE = {  # the file, and the sentence that refuses it
    "xlsx, a million rows": (lambda p: sheet_xlsx(p / "rader.xlsx", 1_000_002), ROWS_REFUSED),
    "xlsx, a million rows, no dimension": (lambda p: sheet_xlsx(p / "rader.xlsx", 1_000_002, dimension=False),
                                           ROWS_REFUSED),
    "xlsx, a row of a million cells": (lambda p: sheet_xlsx(p / "bred.xlsx", 1, 1_000_000, dimension=False),
                                       r"en rad \(omkring rad 1\) med fler än 16.384 celler, fler än Excel tillåter"),
    "xlsx, unpacks to 300 MB": (lambda p: sheet_xlsx(p / "bomb.xlsx", 3, padding=300 * 1024 * 1024),
                                r"Filen packas upp till 301 MB; högst 200 MB"),
    "xlsx, ten million texts": (lambda p: sheet_xlsx(p / "texter.xlsx", 3, strings=10_000_000),
                                r"Filen har fler än 3.000.000 olika texter"),
    "csv, a million columns": (lambda p: million_columns_csv(p / "kolumner.csv"),
                               r"Rad 2 har 1.000.000 kolumner; högst 200"),
    "csv, a million rows": (lambda p: million_rows_csv(p / "rader.csv"), ROWS_REFUSED),
}
CHILD = """
import json, re, sys, time
from pathlib import Path
from finsam.write import importer

def mb(field):  # VmHWM: the peak resident size of this process (ru_maxrss would include the parent's)
    return int(re.search(field + r":\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024

path = Path(sys.argv[1])
content = path.read_bytes()
base = mb("VmRSS")
t0 = time.perf_counter()
try:
    importer.read_file(path.name, content)
    message = None
except importer.ImportRejected as e:
    message = str(e)
seconds = time.perf_counter() - t0
growth = mb("VmHWM") - base
print(json.dumps({"message": message, "seconds": seconds, "growth_mb": growth, "size_mb": len(content) / 2**20}))
"""


def refusal(path: Path) -> dict:
    """read_file of the file in a process of its own: the refusal, its seconds and the growth of the peak
    resident memory over the process with the file's bytes loaded."""
    try:
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name}: no answer in 60 s")
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


@pytest.mark.parametrize("make,sentence", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_refused_in_seconds_with_memory_bounded(tmp_path, make, sentence):
    path = make(tmp_path)
    result = refusal(path)
    print(f"{path.name}: {result}")
    assert result["message"] and re.search(sentence, result["message"]), result
    assert result["seconds"] < 10, result
    assert result["growth_mb"] < 300, result


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    from finsam.write.filereader import MAX_BYTES

    with pytest.raises(ImportRejected, match=r"Filen är 51 MB; högst 50 MB går att importera"):
        read_file("stor.csv", b"a;b\r\n" + b"x" * MAX_BYTES)


def test_a_row_past_the_column_limit_names_the_row(live):
    content = csv_bytes([ROWS[0], ROWS[1] + ["x"] * 300])
    with pytest.raises(ImportRejected, match=r"Rad 3 har 313 kolumner; högst 200"):
        import_file(live, "bred.csv", content, today=TODAY)


# --- 8: encodings and broken files ----------------------------------------------------------------------------

def test_utf16_with_a_byte_order_mark_is_read(live):
    text = "\r\n".join([";".join(HEADER)] + [";".join(r) for r in ROWS]) + "\r\n"
    for encoding in ("utf-16", "utf-16-be"):
        content = (b"\xfe\xff" + text.encode(encoding)) if encoding == "utf-16-be" else text.encode(encoding)
        report = import_file(live, "lista.csv", content, today=TODAY, dry_run=True)
        assert report.ok and report.rows == 3, report.text()


def test_utf16_without_a_byte_order_mark_is_named():
    text = "\r\n".join([";".join(HEADER)] + [";".join(r) for r in ROWS])
    with pytest.raises(ImportRejected, match="UTF-16 utan byteordningsmärke"):
        read_file("lista.csv", text.encode("utf-16-le"))


def test_bytes_of_no_encoding_finsam_reads_are_named():
    content = csv_bytes(ROWS).replace(b"Kumla", b"Ku\x81\x8dla")  # 0x81 is UTF-8 nowhere, Windows-1252 nothing
    with pytest.raises(ImportRejected, match=r"varken UTF-8 eller Windows-1252 \(byte 0x81 på rad 2\)"):
        read_file("lista.csv", content)


@pytest.mark.parametrize("content", [b"PK\x03\x04 not a zip", b"", xlsx_bytes(ROWS)[:2000]], ids=["garbage", "empty",
                                                                                                  "cut"])
def test_a_broken_xlsx_is_a_swedish_sentence_without_the_library_message(content):
    with pytest.raises(ImportRejected) as e:
        read_file("lista.xlsx", content)
    message = str(e.value)
    assert message.startswith("Filen kunde inte läsas som Excel-arbetsbok (.xlsx): den är skadad")
    assert not re.search(r"\b(File|zip|not|Error|Errno)\b", message), message


# --- 8: the Import page reads an upload once ---------------------------------------------------------------

def test_an_upload_is_read_once_per_file_and_sheet(monkeypatch):
    from finsam.write import filereader

    calls = []
    real = filereader.read_file
    monkeypatch.setattr(filereader, "read_file", lambda *a: calls.append(a[0]) or real(*a))
    state = {}
    first = filereader.read_upload(state, "id-1", "lista.csv", csv_bytes(ROWS))
    again = filereader.read_upload(state, "id-1", "lista.csv", csv_bytes(ROWS))
    assert again is first and calls == ["lista.csv"]
    filereader.read_upload(state, "id-2", "ny.csv", csv_bytes(ROWS))
    assert calls == ["lista.csv", "ny.csv"]
    for _ in range(2):  # a refused upload is not read again on the next rerun either
        with pytest.raises(ImportRejected, match="Filen är tom"):
            filereader.read_upload(state, "id-3", "tom.csv", b"")
    assert calls == ["lista.csv", "ny.csv", "tom.csv"]
    page = (ROOT / "pages" / "importera.py").read_text()
    assert "read_file(" not in page and page.count("read_upload(") == 1 and page.count("raw=raw") == 2


# --- 9: the rejected rows -------------------------------------------------------------------------------------

def test_rejected_rows_are_held_in_memory_not_written_to_a_shared_folder(live, tmp_path, monkeypatch):
    shared = tmp_path / "tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    rows = [r[:] for r in ROWS]
    rows[1][4] = "x"
    report = import_file(live, "mix.csv", csv_bytes(rows), valid_only=True, today=TODAY)
    assert report.written and report.rejected_rows == 1
    assert list(shared.iterdir()) == [] and report.rejected_file is None
    back = pd.read_csv(io.BytesIO(report.rejected), sep=";", dtype=str, keep_default_na=False)
    assert back.deltagare_id.tolist() == ["A-2"] and "kön" in back.fel[0]


def test_the_command_line_writes_the_rejected_rows_beside_the_file_for_its_owner_only(live, tmp_path, monkeypatch,
                                                                                       capsys):
    from finsam.cli.admin import cmd_import

    shared = tmp_path / "tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    rows = [r[:] for r in ROWS]
    rows[1][4] = "x"
    source = tmp_path / "in" / "mix.csv"
    source.parent.mkdir()
    source.write_bytes(csv_bytes(rows))
    args = argparse.Namespace(db=live, file=source, association=None, sheet=None, valid_only=True)
    assert cmd_import(args) == 1  # the file had a problem, reported
    out = source.with_name("mix.avvisade.csv")
    assert f"De avvisade raderna finns i {out}" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert pd.read_csv(out, sep=";", dtype=str).deltagare_id.tolist() == ["A-2"]
    assert list(shared.iterdir()) == []


def test_a_csv_row_the_csv_module_cannot_read_is_named():
    rows = [ROWS[0], ROWS[1] + ["x"], ROWS[2][:2] + ["T" * 200_000] + ROWS[2][3:]]  # ragged: read row by row
    with pytest.raises(ImportRejected, match=r"Rad 4 kunde inte läsas som CSV: ett fält är längre än 131.072 tecken"):
        read_file("lista.csv", csv_bytes(rows))


def test_a_goals_file_that_cannot_be_read_is_a_problem_the_goals_page_lists():
    from finsam.write import goal_edits as goals

    with pytest.raises(goals.GoalError) as e:
        goals.read_template("mål.csv", b"m\xe5l;\x81\x8d\r\n")
    assert e.value.problems == ["Filens teckenkodning går inte att läsa: den är varken UTF-8 eller Windows-1252 "
                                "(byte 0x81 på rad 1). Spara filen som CSV UTF-8 i Excel och försök igen."]


def test_the_server_refuses_uploads_over_the_readers_limit():
    """Streamlit itself takes no upload larger than finsam reads (its default would hold 200 MB in memory)."""
    import tomllib

    from finsam.write.filereader import MAX_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_BYTES
