"""The statistics chapter (finsam.exports.chapter) as a Word document and as an Excel workbook.

Word: the built-in styles Heading 1-3, Caption and a table style, so the chapter pastes into the
association's own report (with a template, that template's styles and page setup); every table a real Word
table with a repeating header row and Swedish number format, captions numbered with Word's SEQ fields
("Tabell 1", "Diagram 1"), charts as PNG with alternative text. Excel: one sheet per table, numbers as numbers.
"""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pyphen
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.styles import Font

from finsam.exports.chapter import Chapter
from finsam.exports.sections import Table
from finsam.present.tables import text_not_formulas
from finsam.labels import MISSING, SUPPRESSED, fmt

TABLE_STYLES = ("Table Grid", "Light Grid Accent 1")
LANGUAGE = "sv-SE"
A4 = (Cm(21), Cm(29.7))
PICTURE_WIDTH = Cm(16)
TABLE_WIDTH = Cm(16)
HYPHENS = pyphen.Pyphen(lang="sv", left=3, right=3)
YEAR_COLUMNS = ("År", "Avslutade år")  # years print without a thousands space


def cell_text(value, decimals: int = 0) -> str:
    """A table cell as the chapter prints it: text as it is, a number through labels.fmt (the one number
    formatter: decimal comma, thin space between thousands, '..' for a suppressed value, '–' for none)."""
    return value if isinstance(value, str) else fmt(value, decimals)


def _decimals(tb: Table, column: str) -> int:
    return tb.decimals.get(column, 0)


def _style(doc, name: str, kind=WD_STYLE_TYPE.PARAGRAPH):
    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, kind)
        style.base_style = doc.styles["Normal"]
        return style


def _caption(doc, kind: str, number: int, text: str) -> None:
    """'Tabell 3 Text' in the Caption style, the number a SEQ field Word renumbers."""
    p = doc.add_paragraph(style=_style(doc, "Caption"))
    p.add_run(f"{kind} ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" SEQ {kind} \\* ARABIC ")
    run = OxmlElement("w:r")
    txt = OxmlElement("w:t")
    txt.text = str(number)
    run.append(txt)
    field.append(run)
    p._p.append(field)
    p.add_run(f" {text}")
    p.paragraph_format.keep_with_next = True


def _table(doc, tb: Table) -> None:
    df = tb.data
    table = doc.add_table(rows=1, cols=len(df.columns))
    for name in TABLE_STYLES:
        try:
            table.style = doc.styles[name]
            break
        except KeyError:
            continue
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    header = table.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for i, name in enumerate(df.columns):
        cell = header.cells[i]
        cell.text = _header(str(name))
        cell.paragraphs[0].runs[0].bold = True
        if i >= tb.text_columns:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in df.itertuples(index=False):
        cells = table.add_row().cells
        for i, (name, value) in enumerate(zip(df.columns, values)):
            if i < tb.text_columns:
                text = str(value)
            elif name in YEAR_COLUMNS and not pd.isna(value):
                text = str(int(value))
            else:
                text = cell_text(value, _decimals(tb, name))
            cells[i].text = text
            if i >= tb.text_columns:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    widths, size = column_widths([str(n) for n in df.columns], [[c.text for c in col.cells[1:]] for col in table.columns],
                                 tb.text_columns)  # measured on the names as printed, before hyphens
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width  # the grid LibreOffice lays out by; the cells' widths for Word
        for cell in column.cells:
            cell.width = width
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                for r in p.runs:
                    r.font.size = Pt(size)


def column_widths(headers: list[str], cells: list[list[str]], text_columns: int) -> tuple[list[int], int]:
    """Column widths (EMU) within TABLE_WIDTH and the font size (pt). Every figure stands on one line; the
    label column wraps between words. In order of preference: header words whole at 9 or 8 pt, broken once
    at a Swedish syllable ('Hallsta-hammar', soft hyphens from _header) at 8 pt, whole at 7, broken at 7."""
    def longest(texts: list[str], words: bool) -> int:
        return max([len(w) for t in texts for w in (t.split() if words else [t])] or [1])

    def broken(word: str) -> int:  # the longer line of the word broken once at its best syllable
        return min([max(i + 1, len(word) - i) for i in HYPHENS.positions(word)] + [len(word)])

    full, least = [], []
    for i, (h, c) in enumerate(zip(headers, cells)):
        if i < text_columns:
            full.append(max(6, min(longest([h, *c], False), 18)))
            least.append(max(6, longest(c, True), max(broken(w) for w in h.split() or [""])))
        else:
            full.append(max(longest(c, False), longest([h], True)))
            least.append(max(longest(c, False), max(broken(w) for w in h.split() or [""])))
    for chars, size in ((full, 9), (full, 8), (least, 8), (full, 7), (least, 7)):
        per_char, pad = size * 0.68 / 72 * 2.54, 0.4  # cm: a bold character at this size, the cell margins
        room = TABLE_WIDTH.cm - pad * len(chars)
        if sum(chars) * per_char <= room:
            extra = (room - sum(chars) * per_char) / len(chars)
            return [int(Cm(n * per_char + extra + pad)) for n in chars], size
    room = TABLE_WIDTH.cm - 0.4 * len(least)  # wider than the page even so: shares of the width
    return [int(Cm(n * room / sum(least) + 0.4)) for n in least], 7


def _header(name: str) -> str:
    """A header with soft hyphens at its long words' Swedish syllables, so a narrow column breaks them as
    'Hallsta-hammar', not 'Hallstahamm-ar'."""
    return " ".join(HYPHENS.inserted(w, hyphen="\u00ad") if len(w) > 5 else w for w in name.split(" "))


def _source(doc, tb: Table) -> None:
    text = tb.source + ("" if tb.n is None else f". n = {cell_text(tb.n)}") + "."
    p = doc.add_paragraph(text)
    p.paragraph_format.space_before = Pt(2)
    for r in p.runs:
        r.font.size = Pt(8)
        r.italic = True


def _picture(doc, png: bytes, alt: str) -> None:
    doc.add_picture(io.BytesIO(png), width=PICTURE_WIDTH)
    pr = doc.paragraphs[-1]
    pr.paragraph_format.keep_with_next = True
    for el in pr._p.iter(qn("wp:docPr")):
        el.set("descr", alt)
        el.set("title", alt[:60])


def _lang(r_pr) -> None:
    """w:lang sv-SE (text, East Asian and complex script) on a run's or style's properties."""
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), LANGUAGE)


def swedish(doc) -> None:
    """Swedish as the document's language: the defaults, every style and the settings' theme font language,
    so Word spell-checks the chapter in Swedish (runs are marked as they are written, _runs_swedish)."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    r_default = defaults.find(qn("w:rPrDefault"))
    if r_default is None:
        r_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, r_default)
    if r_default.find(qn("w:rPr")) is None:
        r_default.append(OxmlElement("w:rPr"))
    _lang(r_default.find(qn("w:rPr")))
    for style in doc.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            _lang(style.element.get_or_add_rPr())
    settings = doc.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        settings.append(theme)
    theme.set(qn("w:val"), LANGUAGE)


def _runs_swedish(doc) -> None:
    for run in doc.element.body.iter(qn("w:r")):
        r_pr = run.find(qn("w:rPr"))
        if r_pr is None:
            r_pr = OxmlElement("w:rPr")
            run.insert(0, r_pr)
        _lang(r_pr)


def _start(template: Path | bytes | None):
    """A new A4 document with 2.5 cm margins, or the template's styles and page setup with its body emptied."""
    if template is None:
        doc = Document()
        section = doc.sections[0]
        section.page_width, section.page_height = A4
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2.5)
        return doc
    doc = Document(io.BytesIO(template) if isinstance(template, bytes) else str(template))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def check_template(data: bytes) -> str | None:
    """Why an uploaded file cannot be the chapter's template (a Swedish sentence), None when it can: a Word
    document (.docx) python-docx opens, with the heading and caption styles or a body to take them from."""
    try:
        doc = Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises several kinds for a file that is not a .docx
        return f"Filen är inte ett Word-dokument (.docx) som kan öppnas ({type(e).__name__}). Spara mallen som .docx."
    if not doc.sections:
        return "Mallen har ingen sidinställning (inget avsnitt). Spara om den i Word som .docx."
    return None


def to_docx(chapter: Chapter, template: Path | bytes | None = None) -> bytes:
    doc = _start(template)
    swedish(doc)
    tables = charts = 0
    for b in chapter.blocks:
        doc.add_heading(b.title, b.level)
        for s in b.sentences:
            doc.add_paragraph(s)
        for tb in b.tables:
            tables += 1
            _caption(doc, "Tabell", tables, tb.caption)
            _table(doc, tb)
            _source(doc, tb)
        for c in b.charts:
            if c.image is None:
                continue
            charts += 1
            _picture(doc, c.image, c.alt)
            _caption(doc, "Diagram", charts, c.caption)
        for n in b.notes:
            p = doc.add_paragraph(n)
            for r in p.runs:
                r.font.size = Pt(9)
    _runs_swedish(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def to_xlsx(chapter: Chapter) -> bytes:
    """One sheet per table: caption in A1, header in row 2, numbers as numbers (a suppressed value as '..'),
    the source and n below."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for i, tb in enumerate(chapter.tables, start=1):
        ws = wb.create_sheet(f"Tabell {i}")
        ws.append([f"Tabell {i} {tb.caption}"])
        ws["A1"].font = Font(bold=True)
        ws.append([str(c) for c in tb.data.columns])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for values in tb.data.itertuples(index=False):
            row = []
            for j, v in enumerate(values):
                if v is None:
                    row.append(MISSING)
                elif not isinstance(v, str) and pd.isna(v):
                    row.append(SUPPRESSED)
                elif hasattr(v, "item"):
                    row.append(v.item())
                else:
                    row.append(v)
            ws.append(row)
        for j, name in enumerate(tb.data.columns, start=1):
            d = tb.decimals.get(name, 0)
            for r in range(3, ws.max_row + 1 if name not in YEAR_COLUMNS else 3):
                ws.cell(r, j).number_format = "#,##0" + ("." + "0" * d if d else "")
            ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = max(10, min(40, len(str(name)) + 4))
        ws.append([])
        ws.append([tb.source + ("" if tb.n is None else f". n = {cell_text(tb.n)}")])
    text_not_formulas(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
