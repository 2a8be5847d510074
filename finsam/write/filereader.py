"""Reading a coordinator's file (.xlsx or .csv) into a table of text, bounded before it is read whole.

Every limit is checked while streaming, before the next part is read: the size of the upload first; for
.xlsx the unpacked size the archive declares (zipfile stops at the declared size), the sheet's declared
dimension, then a scan of the sheet's XML that counts rows and cells without parsing them; for .csv the
encoding (named when finsam cannot read it), then rows and columns as they are read. A file over a limit is
refused with a Swedish sentence that says which limit, in seconds and without reading the rest.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import math
import re
import zipfile
import zlib

import pandas as pd

MAX_BYTES = 50 * 1024 * 1024  # an upload (a 100 000-row participant CSV is about 12 MB)
MAX_UNPACKED = 200 * 1024 * 1024  # what an .xlsx may unpack to, all its parts together
MAX_ROWS = 1_000_000  # data rows, below the header
MAX_COLUMNS = 200  # columns with a value (the templates have at most 18)
XLSX_MAX_COLUMNS = 16_384  # Excel's own limit: a row with more cells is not a spreadsheet's
MAX_SHARED_STRINGS = 3_000_000  # distinct texts of an .xlsx, which openpyxl holds in memory all at once
CHUNK = 1024 * 1024

log = logging.getLogger("finsam")


class ImportRejected(Exception):
    """The file as a whole cannot be read (no row-level report is possible)."""


def _mb(n: int) -> str:
    """Megabytes, rounded up: a file just over the limit reads as over it."""
    return f"{math.ceil(n / 1024 / 1024)} MB"


def _n(number: int) -> str:
    """A whole number the Swedish way: 1 000 000 (non-breaking spaces)."""
    return f"{number:,}".replace(",", "\u00a0")


def _too_many_rows() -> ImportRejected:
    return ImportRejected(f"Filen har fler än {_n(MAX_ROWS)} rader under rubrikraden; högst så många går att "
                          "importera på en gång. Dela upp filen.")


def _too_many_columns(row: int, n: int) -> ImportRejected:
    return ImportRejected(f"Rad {row} har {_n(n)} kolumner; högst {MAX_COLUMNS} går att läsa in. Ta bort kolumner "
                          "som inte hör till mallen.")


def _beyond_excel(row: int) -> ImportRejected:
    return ImportRejected(f"Bladet har en rad (omkring rad {_n(max(row, 1))}) med fler än {_n(XLSX_MAX_COLUMNS)} "
                          f"celler, fler än Excel tillåter; högst {MAX_COLUMNS} kolumner går att läsa in. Filen är "
                          "inte en vanlig Excel-fil: spara om den i Excel.")


def read_file(name: str, content: bytes, sheet: str | None = None) -> pd.DataFrame:
    """All cells as stripped strings, columns as in the file, index = the row number in Excel."""
    if len(content) > MAX_BYTES:
        raise ImportRejected(f"Filen är {_mb(len(content))}; högst {_mb(MAX_BYTES)} går att importera på en gång. "
                             "Dela upp filen.")
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(content, sheet)
    elif lower.endswith((".csv", ".txt")):
        text = decode(content)
        first = text[:text.find("\n")] if "\n" in text else text
        rows = _csv_rows(text, ";" if first.count(";") >= first.count(",") else ",")
    else:
        raise ImportRejected("Filen måste vara .xlsx eller .csv.")
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportRejected("Filen är tom.")
    header = rows[0]
    width = max((i + 1 for i, h in enumerate(header) if h), default=0)
    body = [(n, (r + [""] * width)[:width]) for n, r in enumerate(rows[1:], start=2) if any(r[:width])]
    df = pd.DataFrame([r for _n, r in body], columns=header[:width], index=[n for n, _r in body], dtype=str)
    df.index.name = "rad"
    return df.fillna("")


def read_upload(memo: dict, file_id: str, name: str, content: bytes, sheet: str | None = None) -> pd.DataFrame:
    """read_file once per upload and sheet: memo (the page's session state) keeps the last table read, or the
    refusal, so a rerun of the page neither reads the file again nor retries a refused one."""
    key = (file_id, len(content), sheet)
    held = memo.get("_upload_read")
    if held is None or held[0] != key:
        try:
            held = (key, read_file(name, content, sheet))
        except ImportRejected as e:
            held = (key, e)
        memo["_upload_read"] = held
    if isinstance(held[1], ImportRejected):
        raise held[1]
    return held[1]


# --- text ---------------------------------------------------------------------------------------------

def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252 (what Swedish Excel saves as CSV);
    anything else is refused with a sentence that names the encoding problem."""
    for bom, encoding, label in ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
                                 (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")):
        if content.startswith(bom):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError as e:
                raise _undecodable(content, e, f"Filen börjar som {label} men innehåller tecken som inte är giltig "
                                               f"{label}") from None
    if b"\x00" in content[:4096]:
        raise ImportRejected("Filen innehåller nolltecken: den är troligen sparad som UTF-16 utan byteordningsmärke, "
                             "eller är ingen textfil. Spara den som CSV UTF-8 i Excel och försök igen.")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as e:
        raise _undecodable(content, e, "Filens teckenkodning går inte att läsa: den är varken UTF-8 eller "
                                       "Windows-1252") from None


def _undecodable(content: bytes, e: UnicodeDecodeError, what: str) -> ImportRejected:
    line = content.count(b"\n", 0, e.start) + 1
    return ImportRejected(f"{what} (byte 0x{content[e.start]:02X} på rad {line}). Spara filen som CSV UTF-8 "
                          "i Excel och försök igen.")


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    """The CSV's rows as lists of stripped cells. pandas' C parser when the first row is within the column
    limit (it refuses a later row wider than the first, and stops one row past the row limit); otherwise,
    or for ragged rows, Python's csv module one row at a time."""
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:
        first = None
    if first is not None and len(first) <= MAX_COLUMNS:
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
                                skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL, nrows=MAX_ROWS + 2)
        except (pd.errors.ParserError, pd.errors.EmptyDataError):
            pass
        else:
            if len(frame) > MAX_ROWS + 1:
                raise _too_many_rows()
            frame = frame.fillna("")
            for col in frame.columns:
                frame[col] = frame[col].str.strip()
            return frame.values.tolist()
    return _csv_rows_streaming(text, delimiter)


def _csv_rows_streaming(text: str, delimiter: str) -> list[list[str]]:
    """Row by row: refused at the first row past the row limit or wider than the column limit (empty cells
    at a row's end do not count)."""
    rows = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    n = 0
    try:
        for n, r in enumerate(reader, start=1):
            if n > MAX_ROWS + 1:
                raise _too_many_rows()
            if len(r) > MAX_COLUMNS:
                while r and not r[-1].strip():
                    r.pop()
                if len(r) > MAX_COLUMNS:
                    raise _too_many_columns(n, len(r))
            rows.append([c.strip() for c in r])
    except csv.Error as e:
        log.info("CSV row %s unreadable: %s", n + 1, e)
        too_long = "field larger than field limit" in str(e)
        raise ImportRejected(f"Rad {n + 1} kunde inte läsas som CSV: "
                             + (f"ett fält är längre än {_n(csv.field_size_limit())} tecken"
                                if too_long else "ett citattecken avslutas inte, eller raden innehåller nolltecken")
                             + ".") from None
    return rows


# --- Excel --------------------------------------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _broken(e: Exception) -> ImportRejected:
    log.info("xlsx unreadable: %r", e)  # the library's words are for the log, not the user
    return ImportRejected("Filen kunde inte läsas som Excel-arbetsbok (.xlsx): den är skadad, krypterad eller "
                          "ingen .xlsx-fil. Öppna den i Excel, spara den som .xlsx (eller CSV UTF-8) och försök igen.")


def _xlsx_rows(content: bytes, sheet: str | None) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
            if unpacked > MAX_UNPACKED:
                raise ImportRejected(f"Filen packas upp till {_mb(unpacked)}; högst {_mb(MAX_UNPACKED)} går att läsa "
                                     "in. Dela upp filen eller spara den som CSV.")
            # openpyxl reads every sheet's size when it opens a workbook (the whole sheet when it declares
            # none), so every sheet is counted first
            for info in z.infolist():
                if SHEET_PART.fullmatch(info.filename):
                    _scan_sheet(z, info.filename)
                elif info.filename.lower().endswith("sharedstrings.xml") and \
                        _more_strings_than(z, info.filename, MAX_SHARED_STRINGS):
                    raise ImportRejected(f"Filen har fler än {_n(MAX_SHARED_STRINGS)} olika texter; så många går "
                                         "inte att läsa in på en gång. Dela upp filen eller spara den som CSV.")
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as e:
        raise _broken(e) from None
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds (KeyError, zip, XML, ...) for a broken file
        raise _broken(e) from None
    try:
        if sheet and sheet not in wb.sheetnames:
            raise ImportRejected(f"Bladet '{sheet}' finns inte; filen har {', '.join(wb.sheetnames)}.")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = []
        for n, r in enumerate(ws.iter_rows(values_only=True), start=1):
            if n > MAX_ROWS + 1:
                raise _too_many_rows()
            values = [_cell(v) for v in r]
            while values and not values[-1]:
                values.pop()
            if len(values) > MAX_COLUMNS:
                raise _too_many_columns(n, len(values))
            rows.append(values)
    except ImportRejected:
        raise
    except Exception as e:
        raise _broken(e) from None
    finally:
        wb.close()
    return rows


SHEET_PART = re.compile(r"(?i)(.*/)?worksheets/[^/]+\.xml")
WORKSHEET_TAG = re.compile(rb"<(\w+:)?worksheet[\s>]")
STRINGS_TAG = re.compile(rb"<(\w+:)?sst[\s>]")


def _tag_chunks(archive: zipfile.ZipFile, path: str, root: re.Pattern, names: tuple[bytes, ...]):
    """A part's XML unpacked a megabyte at a time and never parsed: yields (buf, cut, tags), buf cut before
    its last '<' (a tag cut by a chunk's end comes whole with the next), tags[name] the byte strings that open
    an element of that name in the part's namespace (read from the root element, found by `root`)."""
    carry, tags = b"", None
    with archive.open(path) as src:
        while True:
            chunk = src.read(CHUNK)
            buf = carry + chunk
            if tags is None:
                m = root.search(buf)
                if m is None and chunk and len(buf) < 64 * 1024:
                    carry = buf
                    continue
                ns = (m.group(1) or b"") if m else b""
                tags = {name: [b"<" + ns + name + end for end in (b" ", b">", b"/")] for name in names}
            cut = len(buf) if not chunk else buf.rfind(b"<")
            cut = len(buf) if cut <= 0 else cut
            yield buf, cut, tags
            carry = buf[cut:]
            if not chunk:
                return


def _more_strings_than(archive: zipfile.ZipFile, path: str, limit: int) -> bool:
    """Whether the shared strings part holds more than limit texts, counted a megabyte at a time."""
    n = 0
    for buf, cut, tags in _tag_chunks(archive, path, STRINGS_TAG, (b"si",)):
        n += sum(buf.count(t, 0, cut) for t in tags[b"si"])
        if n > limit:
            return True
    return False


def _scan_sheet(archive: zipfile.ZipFile, path: str) -> None:
    """Count the sheet's rows and each row's cells in its XML, unpacked a megabyte at a time and never parsed:
    more rows than the limit, or a row with more cells than Excel allows, is refused before openpyxl reads
    a row. (Cells between two rows of the same megabyte are bounded together: a megabyte holds at most
    about 250 000 cells, which openpyxl reads in a moment, and the row-by-row read then counts exactly.)"""
    rows, open_cells = 0, 0
    for buf, cut, tags in _tag_chunks(archive, path, WORKSHEET_TAG, (b"row", b"c")):
        row_tags, cell_tags = tags[b"row"], tags[b"c"]
        starts = [i for i in (buf.find(t, 0, cut) for t in row_tags) if i >= 0]
        n_rows = sum(buf.count(t, 0, cut) for t in row_tags)
        if n_rows == 0:
            open_cells += sum(buf.count(t, 0, cut) for t in cell_tags)
        else:
            first = min(starts)
            last = max(buf.rfind(t, 0, cut) for t in row_tags)
            open_cells += sum(buf.count(t, 0, first) for t in cell_tags)
            inside = sum(buf.count(t, first, last) for t in cell_tags)
            if open_cells > XLSX_MAX_COLUMNS or inside > (n_rows - 1) * XLSX_MAX_COLUMNS:
                raise _beyond_excel(rows + (1 if open_cells > XLSX_MAX_COLUMNS else 2))
            rows += n_rows
            if rows > MAX_ROWS + 1:
                raise _too_many_rows()
            open_cells = sum(buf.count(t, last, cut) for t in cell_tags)
        if open_cells > XLSX_MAX_COLUMNS:
            raise _beyond_excel(rows)
